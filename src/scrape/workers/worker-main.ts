/**
 * The body of a scrape worker (node:worker_threads): a ScrapeLoop over the targets the main
 * thread gives it, with its own undici connection pools (the loop's ConnectionPools), its share
 * of the fetch cap, its targets' cores, and a WorkerSink that sends each turn's finished
 * requests to the main thread (worker-sink.ts). Its self-metrics live in a registry of its own,
 * labelled `worker`, which the main thread asks for when /metrics is read.
 *
 * The main thread decides which targets it runs (scrape-workers.ts); a `sync` makes the loop's
 * set equal to the one given, as ScrapeLoop.sync does on the main thread: unchanged targets keep
 * running, vanished ones get their staleness markers.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { MessagePort } from 'node:worker_threads';
import { Gauge, Registry } from 'prom-client';
import { compileRelabelConfigs, type Relabeler } from '../../relabel/relabeler';
import { countScrapedBytes, enableGcPacing } from '../../runtime/gc-pacing';
import { ScrapeLoop } from '../scrape-loop';
import type { TargetSpec } from '../target';
import { errorFromWire, errorToWire, type FromWorker, type ToWorker, type WireRules, type WireSpec, type WorkerSetup } from './protocol';
import { WorkerSink } from './worker-sink';

/** Runs a worker on `port` (the parentPort) until the main thread says stop. */
export function runScrapeWorker(port: MessagePort, setup: WorkerSetup): void {
  const registry = new Registry();
  registry.setDefaultLabels({ worker: String(setup.index) });
  registerEventLoopLag(registry);
  if (setup.gcPaceBytes > 0) enableGcPacing({ everyBytes: setup.gcPaceBytes });
  const send = (message: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);
  const sink = new WorkerSink({
    protocols: setup.protocols,
    nativeHistograms: setup.nativeHistograms,
    exemplars: setup.exemplars,
    post: (buffers, requests, outcomes) => send({ type: 'batch', buffers, requests, outcomes }, buffers),
  });
  const keys = new WeakMap<TargetSpec, string>();
  const loop = new ScrapeLoop({
    sink,
    registry,
    offsetSeed: setup.offsetSeed,
    maxSamplesPerRequest: setup.maxSamplesPerRequest,
    metadataIntervalMs: setup.metadataIntervalMs,
    metadataMaxPerRequest: setup.metadataMaxPerRequest,
    maxConcurrentFetches: setup.maxConcurrentFetches,
    sliceMs: setup.sliceMs,
    onBodyBytes: setup.gcPaceBytes > 0 ? countScrapedBytes : undefined,
    onScrape: (target, outcome) => {
      const key = keys.get(target.spec);
      if (key === undefined) return;
      sink.outcome({
        key,
        timestampMs: outcome.timestampMs,
        durationMs: outcome.durationMs,
        error: outcome.error === undefined ? undefined : errorToWire(outcome.error),
        summary: outcome.summary,
        samplesWritten: outcome.samplesWritten,
        health: target.health,
        seriesCount: target.seriesCount,
      });
    },
  });
  const rules = new RuleCache();
  let syncing: Promise<void> = Promise.resolve();
  port.on('message', (message: ToWorker) => {
    switch (message.type) {
      case 'sync':
        syncing = syncing.then(async () => {
          const specs = message.specs.map((wire) => {
            const spec = rules.specOf(wire);
            keys.set(spec, wire.key);
            return spec;
          });
          const errors = await loop.sync(specs);
          // The removed targets' staleness markers reach the main thread before the answer, so
          // they are in the remote writer when ScrapeManager.update() resolves, as in one thread.
          sink.flush();
          send({ type: 'synced', id: message.id, errors: errors.map(errorToWire) });
        });
        break;
      case 'protocols':
        sink.protocols = message.protocols;
        break;
      case 'buffers':
        sink.giveBack(message.buffers);
        break;
      case 'metrics':
        void registry.getMetricsAsJSON().then((metrics) => send({ type: 'metrics', id: message.id, metrics }));
        break;
      case 'stop':
        syncing = syncing.then(async () => {
          // Every target's staleness markers, then everything pending, then the answer: the
          // main thread writes them before it closes the remote writer.
          await loop.stop();
          sink.flush();
          send({ type: 'stopped', id: message.id });
          port.close();
        });
        break;
    }
  });
}

/** Compiled relabel rules by their source: targets of one job share one Relabeler (and its caches), as on the main thread. */
class RuleCache {
  private readonly compiled = new Map<string, Relabeler>();

  specOf(wire: WireSpec): TargetSpec {
    const { key, metricRelabelRules, writeRelabelRules, forcedError, ...rest } = wire;
    void key;
    return {
      ...rest,
      metricRelabeler: this.relabeler(metricRelabelRules),
      writeRelabeler: this.relabeler(writeRelabelRules),
      forcedError: forcedError === undefined ? undefined : errorFromWire(forcedError),
    };
  }

  private relabeler(rules: WireRules | undefined): Relabeler | undefined {
    if (rules === undefined) return undefined;
    const id = `${rules.where}\u0000${JSON.stringify(rules.rules)}`;
    let relabeler = this.compiled.get(id);
    if (relabeler === undefined) {
      relabeler = compileRelabelConfigs(rules.rules, rules.where);
      this.compiled.set(id, relabeler);
    }
    return relabeler;
  }
}

/** The worker's event-loop delay, as prom-client's nodejs_eventloop_lag_* report the main thread's. */
function registerEventLoopLag(registry: Registry): void {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const seconds = (ns: number): number => (Number.isFinite(ns) ? ns / 1e9 : 0);
  const gauge = (name: string, help: string, read: () => number): void => {
    new Gauge({ name, help, registers: [registry], collect() { this.set(read()); } });
  };
  gauge('scrapewire_worker_event_loop_lag_mean_seconds', 'Mean event-loop delay of the scrape worker since the last read of /metrics.', () => seconds(histogram.mean));
  gauge('scrapewire_worker_event_loop_lag_p99_seconds', '99th percentile of the scrape worker\'s event-loop delay since the last read of /metrics.', () => seconds(histogram.percentile(99)));
  gauge('scrapewire_worker_event_loop_lag_max_seconds', 'Largest event-loop delay of the scrape worker since the last read of /metrics; reset on read.', () => {
    const max = seconds(histogram.max);
    histogram.reset();
    return max;
  });
}
