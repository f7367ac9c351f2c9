/**
 * The messages between the main thread and a scrape worker (src/scrape/workers/), and the
 * target spec in a form that crosses threads.
 *
 * A TargetSpec holds compiled relabelers (RE2 programs, caches) and a ScrapewireError, which
 * structured clone cannot carry; the wire form carries the rules they were compiled from instead
 * (the worker compiles each distinct rule set once, as the main thread compiles each job's once)
 * and the error's fields.
 *
 * Requests cross by transfer: the worker copies each finished request into pooled ArrayBuffers
 * (several requests per buffer), transfers a turn's buffers with their descriptions in one
 * message, and the main thread hands the buffers back once it has written the requests to the
 * remote writer (which copies each request into its batch during `write`).
 */
import type { RelabelConfig } from '../../config/types';
import { ScrapewireError, type ErrorCode } from '../../errors';
import type { RemoteWriteProtocol } from '../../remote-write-protocol';
import type { ScrapeSummary } from '../../core/types';
import type { TargetHealth, TargetSpec } from '../target';

/** A ScrapewireError's fields; `errorFromWire` rebuilds one with the same message. */
export interface WireError {
  code: ErrorCode;
  detail: string;
  reason?: string;
  target?: string;
  line?: number;
  column?: number;
}

/** A rule set by its source: the rules, and where they came from (for messages). */
export interface WireRules {
  rules: readonly RelabelConfig[];
  where: string;
}

/** A TargetSpec that crosses threads (see the file's comment). */
export interface WireSpec extends Omit<TargetSpec, 'metricRelabeler' | 'writeRelabeler' | 'forcedError'> {
  /** The main thread's targetKey of the spec: how outcomes find their target. */
  key: string;
  metricRelabelRules?: WireRules;
  writeRelabelRules?: WireRules;
  forcedError?: WireError;
}

/** What a worker is started with (workerData). */
export interface WorkerSetup {
  /** Marks a scrapewire worker: the bundle's one file is both the CLI and the worker entry. */
  scrapewireScrapeWorker: true;
  /** 1..N, the `worker` label of its metrics. */
  index: number;
  offsetSeed?: string;
  maxSamplesPerRequest?: number;
  metadataIntervalMs?: number;
  metadataMaxPerRequest?: number;
  /** Its share of --scrape.max-concurrent-fetches; 0: no limit. */
  maxConcurrentFetches: number;
  sliceMs?: number;
  /** GC pacing step (runtime/gc-pacing.ts); 0: off. */
  gcPaceBytes: number;
  protocols: readonly RemoteWriteProtocol[];
  nativeHistograms: boolean;
  exemplars: boolean;
}

/** One finished request inside a transferred buffer. */
export interface WireRequest {
  protocol: RemoteWriteProtocol;
  /** Index of its buffer in the batch's `buffers`. */
  buffer: number;
  offset: number;
  length: number;
  samples: number;
  newestTimestampMs: number;
  shardKey: string;
  metadataOnly?: boolean;
  metadataEntries?: number;
}

/** One target's scrape as /targets, logs and events see it. */
export interface WireOutcome {
  key: string;
  timestampMs: number;
  durationMs: number;
  error?: WireError;
  summary?: ScrapeSummary;
  samplesWritten: number;
  /** The target's state after the scrape. */
  health: TargetHealth;
  seriesCount: number;
}

/** Main thread -> worker. */
export type ToWorker =
  | { type: 'sync'; id: number; specs: WireSpec[] }
  | { type: 'protocols'; protocols: readonly RemoteWriteProtocol[] }
  | { type: 'buffers'; buffers: ArrayBuffer[] }
  | { type: 'metrics'; id: number }
  | { type: 'stop'; id: number };

/** Worker -> main thread. */
export type FromWorker =
  /** Requests (in `buffers`, in the order written) and the scrapes that ended since the last batch. */
  | { type: 'batch'; buffers: ArrayBuffer[]; requests: WireRequest[]; outcomes: WireOutcome[] }
  | { type: 'synced'; id: number; errors: WireError[] }
  | { type: 'metrics'; id: number; metrics: unknown[] }
  | { type: 'stopped'; id: number };

export function errorToWire(error: ScrapewireError): WireError {
  const { code, detail, reason, target, line, column } = error;
  return { code, detail: detail ?? error.message, reason, target, line, column };
}

export function errorFromWire(wire: WireError): ScrapewireError {
  const { code, detail, ...options } = wire;
  return new ScrapewireError(code, detail, options);
}
