/** The registry behind /metrics: the collector's own process and runtime metrics. */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { gcPacingStats } from '../runtime/gc-pacing';
import { version as packageVersion } from '../version';

/** What createSelfMetricsRegistry reports about the build. */
export interface SelfMetricsOptions {
  /** Reported in scrapewire_build_info; defaults to package.json's version. */
  version?: string;
}

/**
 * A new registry holding prom-client's default metrics under their standard names (process_*,
 * nodejs_* with GC and event-loop lag), so existing Node dashboards work, plus
 * `scrapewire_build_info{version}` set to 1. Other parts of the collector register their own
 * metrics (scrapes, remote write) in the same registry.
 */
export function createSelfMetricsRegistry(options: SelfMetricsOptions = {}): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const buildInfo = new Gauge({
    name: 'scrapewire_build_info',
    help: 'A metric with a constant 1 value labeled by the version scrapewire was built from.',
    labelNames: ['version'],
    registers: [registry],
  });
  buildInfo.set({ version: options.version ?? packageVersion }, 1);
  new Counter({
    name: 'scrapewire_gc_paced_collections_total',
    help: 'Minor garbage collections run by GC pacing (one per --gc.pace-bytes of scraped body).',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(gcPacingStats().collections);
    },
  });
  return registry;
}
