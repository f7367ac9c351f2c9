/**
 * PluginHost: runs the enabled plugins over the shared scrapes, one round per interval, and
 * keeps each plugin's output in a core of its own.
 *
 * A round (`collect(scrapes, intervalStart)`):
 *   1. asks the scrape provider (the ScrapeCache) for every source an enabled plugin reads, for
 *      that interval: single-flight, so this costs no request when the scrape loop of the source
 *      asks for the same interval (DESIGN invariant 4);
 *   2. brings each source's SourceSeriesCache in line with its scrape;
 *   3. runs every plugin whose sources all scraped, concurrently, each with its own emitter;
 *   4. renders what each emitted as exposition text and scrapes it into the plugin's output core
 *      (timestamp: the newest scrape it read), so its series are interned, encoded once and
 *      marked stale like any scrape's.
 * A plugin that throws, rejects or emits something invalid fails alone: its output for the
 * round is an empty scrape (each of its series gets one staleness marker, as a failed target's
 * do in Prometheus), the error is counted in scrapewire_plugin_errors_total{plugin} and logged.
 * A plugin whose source failed is skipped the same way, but not counted: it did nothing wrong.
 *
 * The caller sends each outcome's core to the remote writer (writeScrape in
 * src/scrape/sample-sink.ts), before the next round of that plugin.
 */
import { Counter, type Registry } from 'prom-client';

import { Core } from '../core/core';
import { ScrapewireError } from '../core/errors';
import type { CoreOptions, NewSeriesResolver, ScrapeSummary } from '../core/types';
import { CollectingEmitter } from './emitter';
import type { RegisteredPlugin } from './registry';
import { SourceSeriesCache, type ScrapeOfSource } from './series-cache';
import { PluginSourceSnapshot, type SourceScrape } from './source-snapshot';
import type { PluginLogger, PluginSnapshot, SourceSnapshot } from './types';

/** A finished scrape of a source, as the ScrapeCache hands it out (CachedScrape fits). */
export type ProvidedScrape = SourceScrape & ScrapeOfSource;

/** Where a round's scrapes come from: ScrapeCache fits. */
export interface ScrapeProvider {
  get(source: string, intervalStart: number): Promise<ProvidedScrape>;
}

export type PluginStatus = 'ok' | 'failed' | 'skipped';

export interface PluginOutcome {
  plugin: string;
  /** ok: collected; failed: the plugin threw (counted); skipped: a source failed, or its previous round still runs. */
  status: PluginStatus;
  /** Why it failed or was skipped (a ScrapewireError naming the plugin or the source). */
  error?: ScrapewireError;
  /** Timestamp of the plugin's output scrape, in ms. */
  timestampMs: number;
  /** Samples emitted (0 unless ok). */
  emitted: number;
  /** Summary of the output core's scrape (an empty one unless ok: staleSeries tells how many markers). */
  summary: ScrapeSummary;
  /**
   * The plugin's output: encode it (writeScrape) before the plugin's next round. Absent when
   * there is nothing new to send (skipped because its previous round still runs).
   */
  core?: Core;
}

export interface PluginHostOptions {
  /** The enabled plugins, as PluginRegistry.enabled() returns them. */
  plugins: readonly RegisteredPlugin[];
  /** Where scrapewire_plugin_errors_total is registered (shared with the other self metrics). */
  registry: Registry;
  logger?: PluginLogger;
  /** Options of the plugins' output cores. */
  coreOptions?: CoreOptions;
  /** Wall clock in ms, for rounds whose sources carry no timestamp. Default Date.now. */
  now?: () => number;
}

interface PluginState {
  registered: RegisteredPlugin;
  slot: number;
  core: Core;
  running: boolean;
}

const ERRORS_METRIC = 'scrapewire_plugin_errors_total';

const silent: PluginLogger = { debug: () => {}, warn: () => {}, error: () => {} };

export class PluginHost {
  private readonly states: PluginState[];
  private readonly caches = new Map<string, SourceSeriesCache>();
  private readonly nameMemo = new WeakMap<RegExp | ((name: string) => boolean), Map<string, boolean>>();
  private readonly errors: Counter<'plugin'>;
  private readonly logger: PluginLogger;
  private readonly now: () => number;

  constructor(options: PluginHostOptions) {
    this.logger = options.logger ?? silent;
    this.now = options.now ?? Date.now;
    this.states = options.plugins.map((registered, slot) => ({
      registered,
      slot,
      core: Core.create(options.coreOptions),
      running: false,
    }));
    for (const { registered } of this.states) {
      for (const source of registered.plugin.sources) {
        if (!this.caches.has(source)) this.caches.set(source, new SourceSeriesCache(source));
      }
    }
    this.errors = errorCounter(options.registry);
    // Every enabled plugin shows up at 0, so an alert on increase() sees its first error.
    for (const { registered } of this.states) this.errors.labels(registered.plugin.name).inc(0);
  }

  /** Names of the enabled plugins, in order. */
  plugins(): string[] {
    return this.states.map((state) => state.registered.plugin.name);
  }

  /** Every source an enabled plugin reads: each must be registered in the scrape cache. */
  sources(): string[] {
    return [...this.caches.keys()];
  }

  /**
   * The resolver to install on a source the plugins read (SourceDefinition.resolve): it shows
   * each new series to the plugins' label cache, then lets `next` (the source's own decisions,
   * e.g. metric_relabel_configs) decide. For a source no plugin reads, `next` is returned as is.
   */
  resolverFor(source: string, next?: NewSeriesResolver): NewSeriesResolver | undefined {
    const cache = this.caches.get(source);
    if (cache === undefined) return next;
    return (batch) => {
      cache.observe(batch);
      return next?.(batch);
    };
  }

  /** A copy of a source definition with resolverFor() installed: `cache.add(host.withResolver(def))`. */
  withResolver<T extends { name: string; resolve?: NewSeriesResolver }>(definition: T): T {
    const resolve = this.resolverFor(definition.name, definition.resolve);
    return resolve === definition.resolve ? definition : { ...definition, resolve };
  }

  /** The output core of an enabled plugin. */
  output(plugin: string): Core | undefined {
    return this.states.find((state) => state.registered.plugin.name === plugin)?.core;
  }

  /** Runs one round for the interval starting at `intervalStart` (ms); never rejects. */
  async collect(provider: ScrapeProvider, intervalStart: number): Promise<PluginOutcome[]> {
    const runnable = this.states.filter((state) => state.registered.plugin.collect !== undefined);
    const wanted = new Set(runnable.flatMap((state) => state.registered.plugin.sources));
    const scrapes = new Map<string, ProvidedScrape | ScrapewireError>();
    await Promise.all(
      [...wanted].map(async (source) => {
        try {
          const scrape = await provider.get(source, intervalStart);
          // Synchronously after the await: the snapshot is this interval's.
          this.caches.get(source)!.sync(scrape);
          scrapes.set(source, scrape);
        } catch (err) {
          scrapes.set(source, asSourceError(err, source));
        }
      }),
    );
    return Promise.all(runnable.map((state) => this.run(state, scrapes)));
  }

  private async run(state: PluginState, scrapes: ReadonlyMap<string, ProvidedScrape | ScrapewireError>): Promise<PluginOutcome> {
    const { plugin } = state.registered;
    const name = plugin.name;
    const read: ProvidedScrape[] = [];
    let sourceError: ScrapewireError | undefined;
    for (const source of plugin.sources) {
      const scrape = scrapes.get(source);
      if (scrape instanceof ScrapewireError || scrape === undefined) sourceError ??= scrape;
      else read.push(scrape);
    }
    const timestampMs = read.length > 0 ? Math.max(...read.map((scrape) => scrape.timestampMs)) : Math.floor(this.now());

    if (state.running) {
      const error = new ScrapewireError('ERR_PLUGIN', 'skipped: its previous round is still running', { target: `plugin ${name}` });
      this.logger.warn({ plugin: name }, error.reason);
      return { plugin: name, status: 'skipped', error, timestampMs, emitted: 0, summary: EMPTY_SUMMARY };
    }
    if (sourceError !== undefined || read.length !== plugin.sources.length) {
      const error = sourceError ?? new ScrapewireError('ERR_USAGE', 'a source it reads was not scraped', { target: `plugin ${name}` });
      this.logger.debug({ plugin: name, err: error }, 'plugin skipped: a source it reads failed');
      return { plugin: name, status: 'skipped', error, timestampMs, emitted: 0, summary: this.emptyScrape(state, timestampMs), core: state.core };
    }

    state.running = true;
    const emitter = new CollectingEmitter(name);
    try {
      await plugin.collect!(this.snapshotFor(state, read, timestampMs), emitter);
      emitter.seal();
      const text = emitter.render();
      const summary = await state.core.scrape([Buffer.from(text, 'utf8')], { format: 'text', timestampMs });
      return { plugin: name, status: 'ok', timestampMs, emitted: emitter.sampleCount, summary, core: state.core };
    } catch (err) {
      emitter.seal();
      const error = asPluginError(err, name);
      this.errors.labels(name).inc();
      this.logger.warn({ plugin: name, err: error }, 'plugin failed; its series are marked stale for this round');
      return { plugin: name, status: 'failed', error, timestampMs, emitted: 0, summary: this.emptyScrape(state, timestampMs), core: state.core };
    } finally {
      state.running = false;
    }
  }

  private snapshotFor(state: PluginState, read: readonly ProvidedScrape[], timestampMs: number): PluginSnapshot {
    const { plugin, relabeler } = state.registered;
    const views = new Map<string, SourceSnapshot>();
    for (const scrape of read) {
      views.set(
        scrape.source,
        new PluginSourceSnapshot(scrape, this.caches.get(scrape.source)!, plugin.name, state.slot, relabeler, this.nameMemo),
      );
    }
    return {
      timestampMs,
      source(name: string): SourceSnapshot {
        const view = views.get(name);
        if (view === undefined) {
          throw new ScrapewireError('ERR_PLUGIN', `reads source "${name}", which it does not list in sources`, {
            target: `plugin ${plugin.name}`,
          });
        }
        return view;
      },
    };
  }

  /** A scrape with no samples: every series of the plugin's last good round goes stale (once). */
  private emptyScrape(state: PluginState, timestampMs: number): ScrapeSummary {
    state.core.begin({ format: 'text', timestampMs, honorTimestamps: false });
    return state.core.finish();
  }
}

const EMPTY_SUMMARY: ScrapeSummary = Object.freeze({
  families: 0, samples: 0, newSeries: 0, staleSeries: 0, samplesPostRelabel: 0, skippedLines: 0, bytes: 0,
});

function errorCounter(registry: Registry): Counter<'plugin'> {
  const existing = registry.getSingleMetric(ERRORS_METRIC);
  if (existing !== undefined) return existing as Counter<'plugin'>;
  return new Counter({
    name: ERRORS_METRIC,
    help: 'Rounds in which a plugin threw or emitted something invalid; its output for the round was marked stale.',
    labelNames: ['plugin'],
    registers: [registry],
  });
}

function asPluginError(err: unknown, plugin: string): ScrapewireError {
  const target = `plugin ${plugin}`;
  if (err instanceof ScrapewireError) {
    return err.code === 'ERR_PLUGIN' ? (err.target === undefined ? err.withTarget(target) : err)
      : new ScrapewireError('ERR_PLUGIN', err.reason, { target, line: err.line, column: err.column, cause: err });
  }
  const reason = err instanceof Error ? err.message : String(err);
  return new ScrapewireError('ERR_PLUGIN', `collect() threw: ${reason}`, { target, cause: err });
}

function asSourceError(err: unknown, source: string): ScrapewireError {
  if (err instanceof ScrapewireError) return err;
  return new ScrapewireError('ERR_USAGE', `source "${source}" failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}
