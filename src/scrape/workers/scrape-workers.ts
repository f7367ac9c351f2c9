/**
 * Scrape worker threads, seen from the main thread (--scrape.workers=N, N > 1).
 *
 * Each worker runs a ScrapeLoop over the targets it is given (worker-main.ts). The main thread
 * keeps everything else: discovery and target relabeling (ScrapeManager), the remote writer and
 * its queues, the web server. This class
 *
 * - hands each worker its targets (`sync`, in the wire form of protocol.ts) and remembers them,
 *   so a worker that exits is started again with them (counted in
 *   scrapewire_scrape_worker_restarts_total, logged); their series restart cold, as after a core
 *   trap;
 * - writes each batch a worker sends into the sink (the RemoteWriter: disk queue, shards and
 *   delivery guarantees are the single-threaded path's), then applies the outcomes that came
 *   with it to the targets' views (/targets, logs, events); a request the sink refuses (throws)
 *   turns its target's scrape into a SinkError, as sample-sink.ts's GuardedSink does in one thread;
 * - gives the request buffers back to their worker, and tells the workers when the sink's
 *   protocols change (an endpoint's 2.0 -> 1.0 fallback); a 2.0 request that arrives after that
 *   is converted to 1.0 here rather than reaching no endpoint;
 * - collects the workers' self-metrics for /metrics (`metrics()`), each labelled `worker`.
 */
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { Counter, type Registry } from 'prom-client';
import { ScrapewireError } from '../../errors';
import { silentLogger, type Logger } from '../../logger';
import { RW1, RW2, type RemoteWriteProtocol } from '../../remote-write-protocol';
import { rw2ToRw1 } from '../../remote/rw2-to-rw1';
import { GuardedSink, sameProtocols, type SampleSink, type SinkError, type SinkRequest } from '../sample-sink';
import type { ScrapeOutcome, TargetHealth, TargetSpec } from '../target';
import { targetIdentity } from '../target';
import { resolveHttpTarget } from '../http-target-options';
import { isLocalUrl } from '../local-source';
import { errorFromWire, type FromWorker, type ToWorker, type WireError, type WireOutcome, type WireRequest, type WireSpec, type WorkerSetup } from './protocol';
import { workerScript } from './worker-script';

/** What /targets, logs and events read of a target: a TargetScraper, or the view of one in a worker. */
export interface TargetView {
  /** What the target is: job, labels, HTTP settings, limits. */
  readonly spec: TargetSpec;
  /** The URL without credentials. */
  readonly target: string;
  /** After its last scrape (`unknown` before the first). */
  readonly health: TargetHealth;
  /** Timestamp of its last scrape, in ms; 0 before the first. */
  readonly lastScrapeMs: number;
  /** How long its last scrape took, in ms. */
  readonly lastDurationMs: number;
  /** Why its last scrape failed; undefined when it succeeded. */
  readonly lastError: ScrapewireError | undefined;
  /** Series of its last successful scrape (after metric relabeling). */
  readonly seriesCount: number;
  /** The scraping thread it runs in: a worker's number, or undefined (or 0) for the main thread. */
  readonly worker?: number;
}

/** A target running in a worker, as the main thread knows it from its outcomes. */
class WorkerTarget implements TargetView {
  health: TargetHealth = 'unknown';
  lastScrapeMs = 0;
  lastDurationMs = 0;
  lastError: ScrapewireError | undefined;
  seriesCount = 0;
  readonly identity: string;

  constructor(readonly spec: TargetSpec, readonly target: string, readonly worker: number) {
    this.identity = targetIdentity(spec);
  }
}

/** A worker that exits within this long of its start was not running normally. */
const QUICK_EXIT_MS = 10_000;
const MAX_RESTART_DELAY_MS = 30_000;

export interface ScrapeWorkersOptions {
  /** Worker threads: 1..N. */
  count: number;
  /** What every worker is started with; `index` is set per worker. */
  setup: Omit<WorkerSetup, 'index' | 'scrapewireScrapeWorker' | 'protocols' | 'nativeHistograms' | 'exemplars'>;
  sink: SampleSink;
  registry?: Registry;
  logger?: Logger;
  /** Called after every scrape of a target in a worker. */
  onScrape?: (target: TargetView, outcome: ScrapeOutcome) => void;
  /** A worker exited and was started again. */
  onError?: (error: Error) => void;
  /** @internal The worker's script (tests); default: workerScript(). */
  script?: { filename: string | URL; eval?: boolean };
}

/** A target given to a worker: the main thread's spec, and its wire form. */
export interface AssignedTarget {
  spec: TargetSpec;
  wire: WireSpec;
}

interface Waiter<T> {
  resolve(value: T): void;
}

class WorkerHandle {
  worker!: Worker;
  /** Its targets by key, with the wire specs last sent (a restart sends them again). */
  readonly targets = new Map<string, WorkerTarget>();
  specs: WireSpec[] = [];
  /** What the sink took and refused of each target's requests since its last outcome, by shard key (its identity). */
  readonly tallies = new Map<string, GuardedSink>();
  readonly waiting = new Map<number, Waiter<unknown>>();
  returned: ArrayBuffer[] = [];
  returning = false;
  exited: Promise<void> = Promise.resolve();
  startedAt = 0;
  /** False from its worker's exit until its restart. */
  alive = false;
  /** Exits in a row that came soon after a start (the next restart waits longer). */
  quickExits = 0;
  restartTimer: NodeJS.Timeout | undefined;

  constructor(readonly index: number) {}
}

export class ScrapeWorkers {
  private readonly handles: WorkerHandle[];
  private readonly logger: Logger;
  private readonly restarts: Counter<'worker'> | undefined;
  private protocols: readonly RemoteWriteProtocol[];
  private nextId = 1;
  private stopping = false;

  constructor(private readonly options: ScrapeWorkersOptions) {
    if (!Number.isSafeInteger(options.count) || options.count < 1) throw new ScrapewireError('ERR_USAGE', `scrape workers: count must be a positive integer, not ${options.count}`);
    this.logger = options.logger ?? silentLogger;
    this.protocols = this.sinkProtocols();
    this.restarts = options.registry === undefined ? undefined : restartsCounter(options.registry);
    this.handles = Array.from({ length: options.count }, (_, i) => new WorkerHandle(i + 1));
    for (const handle of this.handles) this.start(handle);
  }

  /** Worker threads. */
  get count(): number {
    return this.handles.length;
  }

  /** Every target running in a worker. */
  targets(): TargetView[] {
    return this.handles.flatMap((handle) => [...handle.targets.values()]);
  }

  /**
   * Makes worker i's targets equal to `specs[i]` (i = 0..count-1); resolves once every worker
   * has applied its list, with the targets that could not be started.
   */
  async sync(assigned: readonly (readonly AssignedTarget[])[]): Promise<ScrapewireError[]> {
    const answers = await Promise.all(this.handles.map((handle, i) => {
      const wanted = assigned[i] ?? [];
      handle.specs = wanted.map((target) => target.wire);
      const keep = new Set(handle.specs.map((spec) => spec.key));
      for (const key of handle.targets.keys()) if (!keep.has(key)) handle.targets.delete(key);
      for (const { spec, wire } of wanted) {
        const existing = handle.targets.get(wire.key);
        if (existing === undefined || existing.spec.fingerprint !== wire.fingerprint) handle.targets.set(wire.key, new WorkerTarget(spec, targetName(spec), handle.index));
      }
      const identities = new Set([...handle.targets.values()].map((target) => target.identity));
      for (const identity of handle.tallies.keys()) if (!identities.has(identity)) handle.tallies.delete(identity);
      return this.ask<{ errors: WireError[] }>(handle, (id) => ({ type: 'sync', id, specs: handle.specs }), { errors: [] });
    }));
    return answers.flatMap((answer) => answer.errors.map(errorFromWire));
  }

  /** Each worker's self-metrics (prom-client's getMetricsAsJSON, labelled `worker`). */
  async metrics(): Promise<unknown[][]> {
    return Promise.all(this.handles.map((handle) => this.ask<{ metrics: unknown[] }>(handle, (id) => ({ type: 'metrics', id }), { metrics: [] }, 2000)
      .then((answer) => answer.metrics)));
  }

  /** @internal Ends worker `index` (1..count) as a crash would; it is started again. */
  async crash(index: number): Promise<void> {
    await this.handles[index - 1].worker.terminate();
  }

  /**
   * Stops every worker: each stops its targets (staleness markers for all their series) and
   * sends what is pending, which is written to the sink before this resolves.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.handles.map(async (handle) => {
      if (handle.restartTimer !== undefined) {
        // Dead and waiting for its restart: nothing to stop.
        clearTimeout(handle.restartTimer);
        return;
      }
      await this.ask(handle, (id) => ({ type: 'stop', id }), undefined);
      await handle.worker.terminate();
      await handle.exited;
    }));
  }

  private start(handle: WorkerHandle): void {
    const script = this.options.script ?? workerScript();
    const setup: WorkerSetup = {
      ...this.options.setup,
      scrapewireScrapeWorker: true,
      index: handle.index,
      protocols: this.protocols,
      nativeHistograms: this.options.sink.nativeHistograms === true,
      exemplars: this.options.sink.exemplars === true,
    };
    const worker = new Worker(script.filename, { eval: script.eval === true, workerData: setup });
    handle.worker = worker;
    handle.alive = true;
    handle.startedAt = Date.now();
    worker.unref();
    worker.on('message', (message: FromWorker) => this.receive(handle, message));
    worker.on('error', (err) => this.logger.error({ worker: handle.index, err: err.message }, 'scrape worker failed'));
    handle.exited = new Promise((resolve) => worker.once('exit', (code) => {
      resolve();
      this.exited(handle, worker, code);
    }));
    if (handle.specs.length > 0) void this.ask(handle, (id) => ({ type: 'sync', id, specs: handle.specs }), undefined);
  }

  private exited(handle: WorkerHandle, worker: Worker, code: number): void {
    if (handle.worker !== worker) return;
    handle.alive = false;
    // Whoever waited for the dead worker gets the empty answer; a restart resyncs.
    for (const waiter of handle.waiting.values()) waiter.resolve(undefined);
    handle.waiting.clear();
    handle.tallies.clear();
    handle.returned = [];
    if (this.stopping) return;
    // A worker that dies right after it starts (a bug on its start-up path) is not restarted in
    // a tight loop: 0.5 s, then twice as long each time, at most 30 s.
    handle.quickExits = Date.now() - handle.startedAt < QUICK_EXIT_MS ? handle.quickExits + 1 : 0;
    const delayMs = handle.quickExits === 0 ? 0 : Math.min(MAX_RESTART_DELAY_MS, 250 * 2 ** handle.quickExits);
    const error = new ScrapewireError('ERR_WORKER', `scrape worker ${handle.index} exited (code ${code}); started again with its ${handle.specs.length} targets, whose series restart cold`);
    this.restarts?.inc({ worker: String(handle.index) });
    this.logger.error({ worker: handle.index, code, targets: handle.specs.length, restartInMs: delayMs }, 'scrape worker exited; starting it again');
    this.options.onError?.(error);
    handle.restartTimer = setTimeout(() => {
      handle.restartTimer = undefined;
      if (!this.stopping) this.start(handle);
    }, delayMs);
    handle.restartTimer.unref();
  }

  private ask<T>(handle: WorkerHandle, message: (id: number) => ToWorker, fallback: T, timeoutMs = 0): Promise<T> {
    const id = this.nextId++;
    // A dead worker waiting for its restart answers nothing: the restart sends it its targets.
    if (!handle.alive) return Promise.resolve(fallback);
    return new Promise<T>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (value: unknown): void => {
        if (timer !== undefined) clearTimeout(timer);
        handle.waiting.delete(id);
        resolve((value ?? fallback) as T);
      };
      handle.waiting.set(id, { resolve: done });
      if (timeoutMs > 0) timer = setTimeout(() => done(undefined), timeoutMs).unref();
      handle.worker.postMessage(message(id));
    });
  }

  private receive(handle: WorkerHandle, message: FromWorker): void {
    switch (message.type) {
      case 'batch':
        this.writeBatch(handle, message.buffers, message.requests, message.outcomes);
        break;
      case 'synced':
      case 'metrics':
      case 'stopped':
        handle.waiting.get(message.id)?.resolve(message);
        break;
    }
  }

  private writeBatch(handle: WorkerHandle, buffers: ArrayBuffer[], requests: readonly WireRequest[], outcomes: readonly WireOutcome[]): void {
    const sink = this.options.sink;
    const protocols = this.sinkProtocols();
    const counted = protocols[0];
    for (const wire of requests) {
      let request: SinkRequest = {
        protocol: wire.protocol,
        body: new Uint8Array(buffers[wire.buffer], wire.offset, wire.length),
        samples: wire.samples,
        newestTimestampMs: wire.newestTimestampMs,
        shardKey: wire.shardKey,
        metadataOnly: wire.metadataOnly,
        metadataEntries: wire.metadataEntries,
      };
      // Encoded before the worker heard of a 2.0 -> 1.0 fallback: 1.0 is what the endpoints take now.
      if (request.protocol === RW2 && !protocols.includes(RW2) && protocols.includes(RW1) && request.metadataOnly !== true) {
        request = { ...request, protocol: RW1, body: rw2ToRw1(request.body) };
      }
      let tally = handle.tallies.get(wire.shardKey);
      if (tally === undefined) {
        tally = new GuardedSink(sink, counted);
        handle.tallies.set(wire.shardKey, tally);
      }
      tally.write(request);
    }
    if (buffers.length > 0) this.giveBack(handle, buffers);
    for (const wire of outcomes) this.applyOutcome(handle, wire);
    if (!sameProtocols(protocols, this.protocols)) {
      this.protocols = protocols;
      for (const each of this.handles) each.worker.postMessage({ type: 'protocols', protocols } satisfies ToWorker);
    }
  }

  private applyOutcome(handle: WorkerHandle, wire: WireOutcome): void {
    const target = handle.targets.get(wire.key);
    if (target === undefined) return;
    const tally = handle.tallies.get(target.identity);
    handle.tallies.delete(target.identity);
    let error = wire.error === undefined ? undefined : errorFromWire(wire.error);
    let samplesWritten = wire.samplesWritten;
    if (tally !== undefined) {
      try {
        tally.finish();
      } catch (refusal) {
        error ??= (refusal as SinkError).withTarget(target.target);
        samplesWritten = tally.accepted;
      }
    }
    target.health = error === undefined ? 'up' : 'down';
    target.seriesCount = wire.seriesCount;
    target.lastError = error;
    target.lastScrapeMs = wire.timestampMs;
    target.lastDurationMs = wire.durationMs;
    try {
      this.options.onScrape?.(target, { timestampMs: wire.timestampMs, durationMs: wire.durationMs, error, summary: wire.summary, samplesWritten });
    } catch {
      // A failing observer must not break delivery.
    }
  }

  /** Buffers go back once per turn, in one message. */
  private giveBack(handle: WorkerHandle, buffers: readonly ArrayBuffer[]): void {
    for (const buffer of buffers) handle.returned.push(buffer);
    if (handle.returning) return;
    handle.returning = true;
    setImmediate(() => {
      handle.returning = false;
      const buffers = handle.returned;
      handle.returned = [];
      if (buffers.length > 0) handle.worker.postMessage({ type: 'buffers', buffers } satisfies ToWorker, buffers);
    });
  }

  private sinkProtocols(): readonly RemoteWriteProtocol[] {
    return this.options.sink.protocols ?? [RW1];
  }
}

/** The URL without credentials, as TargetScraper.target names it. */
function targetName(spec: TargetSpec): string {
  try {
    return isLocalUrl(spec.http.url) ? spec.http.url : resolveHttpTarget(spec.http).target;
  } catch {
    return spec.http.url;
  }
}

function restartsCounter(registry: Registry): Counter<'worker'> {
  const name = 'scrapewire_scrape_worker_restarts_total';
  const existing = registry.getSingleMetric(name);
  if (existing !== undefined) return existing as Counter<'worker'>;
  return new Counter({ name, help: 'Scrape worker threads that exited and were started again with their targets.', labelNames: ['worker'], registers: [registry] });
}

/**
 * The slot (0..slots-1) a target belongs to: SHA-256 of its key, first 8 bytes mod slots, the
 * hash of cluster sharding (src/cluster/sharding.ts) with a prefix of its own, so that a
 * collector's share of a cluster still spreads over all its workers (without the prefix, every
 * target of member m of M would land in the same worker when the counts share a factor). Stable
 * across reloads and restarts: a target keeps its worker, its core and its staleness state.
 */
export function workerSlotOf(targetKey: string, slots: number): number {
  if (slots <= 1) return 0;
  const digest = createHash('sha256').update('scrapewire-worker\u0000').update(targetKey).digest();
  return Number(digest.readBigUInt64BE(0) % BigInt(slots));
}
