/**
 * PluginHost: runs the enabled plugins over the scrapes of the targets they read, and keeps each
 * plugin's output in cores of its own. It is the scrape loop's TargetReaders
 * (src/scrape/scrape-loop.ts):
 *
 *   1. `observerFor(spec)`, once per new target: the plugins that read it (its job is in their
 *      `jobs`, its labels pass their `targets` filter) get a TargetSeriesCache fed by the target's
 *      resolver, so each new series' labels are decoded once for all of them;
 *   2. `fetched(fetchKey, results)`, once per fetch: the caches of the targets that scraped
 *      successfully are brought in line with the scrape, then every plugin reading any of the
 *      fetch's targets runs one round over those it reads (no request, no parse of its own:
 *      DESIGN invariant 4);
 *   3. what a round emits is rendered as exposition text and scraped into the plugin's output
 *      core for that fetch (timestamp: the fetch's), given the external labels and write
 *      relabeling like any sent series, and handed to the sink;
 *   4. `groupClosed(fetchKey)`: the fetch is gone (its targets were removed): its outputs get
 *      staleness markers and are dropped.
 *
 * A plugin that throws, rejects or emits something invalid fails alone: its output for that
 * fetch becomes an empty scrape (each of its series gets one staleness marker, as a failed
 * target's do), the error is counted in scrapewire_plugin_errors_total{plugin} and logged. A
 * round whose targets all failed is skipped the same way, but not counted as an error. Rounds of
 * one plugin run one at a time (an async collect() delays the next; a fetch whose previous round
 * has not started yet is skipped).
 */
import { Counter, type Registry } from 'prom-client';

import { Core } from '../core/core';
import { ScrapewireError } from '../errors';
import type { CoreOptions, NewSeries, NewSeriesResolver, ScrapeSummary } from '../core/types';
import type { Label } from '../labels';
import type { Relabeler } from '../relabel/relabeler';
import { writeScrape, type SampleSink } from '../scrape/sample-sink';
import type { FetchResult, TargetReaders } from '../scrape/scrape-loop';
import { finishLabels } from '../scrape/series-labels';
import type { TargetSpec } from '../scrape/target';
import { CollectingEmitter } from './emitter';
import type { RegisteredPlugin } from './registry';
import { TargetSeriesCache } from './series-cache';
import { PluginTargetSnapshot } from './target-snapshot';
import type { PluginSnapshot, TargetSnapshot } from './types';
import { silentLogger, type Logger } from '../logger';

/** A plugin's state after its last round. */
export type PluginStatus = 'ok' | 'failed' | 'skipped';

/** One plugin round: how long it took, what it emitted, its error if it failed. */
export interface PluginOutcome {
  plugin: string;
  /** The fetch the round read (src/scrape/fetch-key.ts). */
  fetchKey: string;
  /** ok: collected; failed: the plugin threw (counted); skipped: its targets failed, or its previous round is still waiting. */
  status: PluginStatus;
  /** Why it failed or was skipped (a ScrapewireError naming the plugin or the target). */
  error?: ScrapewireError;
  /** Timestamp of the plugin's output scrape, in ms. */
  timestampMs: number;
  /** Targets the round read (0 unless ok). */
  targets: number;
  /** Samples emitted (0 unless ok). */
  emitted: number;
  /** Summary of the output core's scrape (an empty one unless ok: staleSeries tells how many markers). */
  summary: ScrapeSummary;
  /** The plugin's output core for that fetch, already handed to the sink; read it only before the next round. */
  core?: Core;
}

/** The plugins to run and where their output goes. */
export interface PluginHostOptions {
  /** The enabled plugins, as PluginRegistry.enabled() returns them. */
  plugins: readonly RegisteredPlugin[];
  /** Where scrapewire_plugin_* metrics are registered (shared with the other self metrics). */
  registry: Registry;
  /** Where the plugins' output goes (the remote writer). */
  sink: SampleSink;
  logger?: Logger;
  /** global.external_labels, added to every output series that lacks them. */
  externalLabels?: readonly Label[];
  /** remote_write write_relabel_configs, after the external labels. */
  writeRelabeler?: Relabeler;
  maxSamplesPerRequest?: number;
  /** Options of the plugins' output cores. */
  coreOptions?: CoreOptions;
  /** Called after each round, its output already handed to the sink (tests, logs). */
  onRound?: (outcome: PluginOutcome) => void;
  /** Wall clock in ms, for the staleness markers of a fetch that went away. Default Date.now. */
  now?: () => number;
}

interface PluginState {
  registered: RegisteredPlugin;
  /** The plugin's slot in every series entry (its relabeled views). */
  slot: number;
  /** Its output core per fetch key. */
  outputs: Map<string, Output>;
  /** Its rounds, one after another. */
  chain: Promise<void>;
}

interface Output {
  core: Core;
  /** A round is queued or running for this fetch. */
  busy: boolean;
}

/** The plugins that read one target, and what they share about it. */
interface TargetReading {
  cache: TargetSeriesCache;
  readers: PluginState[];
  /** Each reader's TargetSnapshot.state, by slot. */
  memos: Map<number, { state: unknown }>;
}


/** Runs the enabled plugins over the targets they read, after each fetch, and sends what they emit. */
export class PluginHost implements TargetReaders {
  private readonly states: PluginState[];
  /** By the target's spec object: a target replaced on reload is a new spec, with a cache of its own. */
  private readonly readings = new WeakMap<TargetSpec, TargetReading>();
  private readonly nameMemo = new WeakMap<RegExp | ((name: string) => boolean), Map<string, boolean>>();
  private readonly errors: Counter<'plugin'>;
  private readonly rounds: Counter<'plugin' | 'result'>;
  private readonly logger: Logger;
  private readonly outputResolver: NewSeriesResolver;

  constructor(private readonly options: PluginHostOptions) {
    this.logger = options.logger ?? silentLogger;
    this.states = options.plugins.map((registered, slot) => ({ registered, slot, outputs: new Map(), chain: Promise.resolve() }));
    this.errors = counter(options.registry, 'scrapewire_plugin_errors_total',
      'Rounds in which a plugin threw or emitted something invalid; its output for the round was marked stale.', ['plugin']);
    this.rounds = counter(options.registry, 'scrapewire_plugin_rounds_total',
      'Plugin rounds (one per fetch of targets a plugin reads) by result: ok, failed (the plugin threw) or skipped (its targets failed, or its previous round was still waiting).',
      ['plugin', 'result']);
    // Every enabled plugin shows up at 0, so an alert on increase() sees its first error.
    for (const { registered } of this.states) this.errors.labels(registered.plugin.name).inc(0);
    const external = options.externalLabels ?? [];
    const write = options.writeRelabeler;
    this.outputResolver = (batch) => batch.map(({ labels }) => {
      const final = finishLabels(labels, external, write);
      return final === null ? { action: 'drop' as const } : final === labels ? { action: 'keep' as const } : { action: 'rewrite' as const, labels: [...final] };
    });
  }

  /** Names of the enabled plugins, in order. */
  plugins(): string[] {
    return this.states.map((state) => state.registered.plugin.name);
  }

  /** The plugins that read a target with these job and labels, by name. */
  readersOf(spec: Pick<TargetSpec, 'job' | 'labels'>): string[] {
    return this.readersFor(spec).map((state) => state.registered.plugin.name);
  }

  observerFor(spec: TargetSpec): ((batch: readonly NewSeries[]) => void) | undefined {
    const readers = this.readersFor(spec);
    if (readers.length === 0) return undefined;
    const reading: TargetReading = { cache: new TargetSeriesCache(), readers, memos: new Map() };
    this.readings.set(spec, reading);
    return (batch) => reading.cache.observe(batch);
  }

  fetched(fetchKey: string, results: readonly FetchResult[]): void {
    const byPlugin = new Map<PluginState, Array<{ result: FetchResult; reading: TargetReading }>>();
    for (const result of results) {
      const reading = this.readings.get(result.target.spec);
      if (reading === undefined) continue;
      const { outcome, target } = result;
      // Now, while the scrape is the target's current one.
      if (outcome.error === undefined && outcome.summary !== undefined) {
        reading.cache.sync({ core: target.scrapedCore, summary: outcome.summary, rebuilds: target.rebuilds });
      }
      for (const state of reading.readers) {
        let list = byPlugin.get(state);
        if (list === undefined) byPlugin.set(state, list = []);
        list.push({ result, reading });
      }
    }
    for (const [state, read] of byPlugin) {
      if (state.registered.plugin.collect === undefined) continue;
      let output = state.outputs.get(fetchKey);
      if (output === undefined) state.outputs.set(fetchKey, output = { core: Core.create(this.options.coreOptions), busy: false });
      const timestampMs = read[0].result.outcome.timestampMs;
      if (output.busy) {
        const name = state.registered.plugin.name;
        const error = new ScrapewireError('ERR_PLUGIN', 'skipped: its previous round for this fetch has not finished', { target: `plugin ${name}` });
        this.logger.warn({ plugin: name }, error.detail);
        this.finishRound(state, { plugin: name, fetchKey, status: 'skipped', error, timestampMs, targets: 0, emitted: 0, summary: EMPTY_SUMMARY });
        continue;
      }
      output.busy = true;
      const snapshots = this.snapshotsFor(state, read);
      const current = output;
      state.chain = state.chain
        .then(() => this.round(state, fetchKey, current, snapshots, timestampMs))
        .catch((err: unknown) => this.logger.error({ plugin: state.registered.plugin.name, err }, 'plugin round failed unexpectedly'))
        .finally(() => { current.busy = false; });
    }
  }

  groupClosed(fetchKey: string): void {
    for (const state of this.states) {
      const output = state.outputs.get(fetchKey);
      if (output === undefined) continue;
      state.outputs.delete(fetchKey);
      state.chain = state.chain.then(() => {
        const timestampMs = Math.floor((this.options.now ?? Date.now)());
        emptyScrape(output.core, timestampMs);
        this.push(state, fetchKey, output.core, timestampMs);
      }).catch(() => undefined);
    }
  }

  /** Resolves when every round queued so far has run and its output was handed to the sink. */
  async idle(): Promise<void> {
    await Promise.all(this.states.map((state) => state.chain));
  }

  /** The output core of a plugin for a fetch (tests). */
  output(plugin: string, fetchKey: string): Core | undefined {
    return this.states.find((state) => state.registered.plugin.name === plugin)?.outputs.get(fetchKey)?.core;
  }

  private readersFor(spec: Pick<TargetSpec, 'job' | 'labels'>): PluginState[] {
    const labels = Object.fromEntries(spec.labels);
    return this.states.filter((state) => {
      const { plugin } = state.registered;
      if (!plugin.jobs.includes(spec.job)) return false;
      if (plugin.targets === undefined) return true;
      try {
        return plugin.targets(labels) === true;
      } catch (err) {
        this.errors.labels(plugin.name).inc();
        this.logger.warn({ plugin: plugin.name, err, target: labels }, 'plugin targets() threw: it does not read this target');
        return false;
      }
    });
  }

  /** The successful targets of a round, built now, while their scrapes are current. */
  private snapshotsFor(state: PluginState, read: ReadonlyArray<{ result: FetchResult; reading: TargetReading }>): TargetSnapshot[] {
    const { plugin, relabeler } = state.registered;
    const snapshots: TargetSnapshot[] = [];
    for (const { result, reading } of read) {
      const { target, outcome } = result;
      if (outcome.error !== undefined) continue;
      const scrapeCount = target.scrapeCount;
      const rebuilds = target.rebuilds;
      let memo = reading.memos.get(state.slot);
      if (memo === undefined) reading.memos.set(state.slot, memo = { state: undefined });
      snapshots.push(new PluginTargetSnapshot({
        job: target.spec.job,
        labels: Object.fromEntries(target.spec.labels),
        url: target.target,
        timestampMs: outcome.timestampMs,
        core: target.scrapedCore,
        isCurrent: () => !target.busy && target.scrapeCount === scrapeCount && target.rebuilds === rebuilds,
      }, reading.cache, plugin.name, state.slot, relabeler, this.nameMemo, memo));
    }
    return snapshots;
  }

  private async round(state: PluginState, fetchKey: string, output: Output, targets: TargetSnapshot[], timestampMs: number): Promise<void> {
    const { plugin } = state.registered;
    const name = plugin.name;
    const base = { plugin: name, fetchKey, timestampMs, core: output.core };
    if (targets.length === 0) {
      const error = new ScrapewireError('ERR_PLUGIN', 'skipped: the scrapes of its targets failed', { target: `plugin ${name}` });
      this.logger.debug({ plugin: name }, error.detail);
      const summary = emptyScrape(output.core, timestampMs);
      this.push(state, fetchKey, output.core, timestampMs);
      this.finishRound(state, { ...base, status: 'skipped', error, targets: 0, emitted: 0, summary });
      return;
    }
    const emitter = new CollectingEmitter(name);
    try {
      await plugin.collect!(snapshotOf(plugin.name, plugin.jobs, targets, timestampMs), emitter);
      emitter.seal();
      const summary = await output.core.scrape([Buffer.from(emitter.render(), 'utf8')], { format: 'text', timestampMs }, this.outputResolver);
      this.push(state, fetchKey, output.core, timestampMs);
      this.finishRound(state, { ...base, status: 'ok', targets: targets.length, emitted: emitter.sampleCount, summary });
    } catch (err) {
      emitter.seal();
      const error = asPluginError(err, name);
      this.errors.labels(name).inc();
      this.logger.warn({ plugin: name, err: error }, 'plugin failed; its series are marked stale for this round');
      const summary = emptyScrape(output.core, timestampMs);
      this.push(state, fetchKey, output.core, timestampMs);
      this.finishRound(state, { ...base, status: 'failed', error, targets: 0, emitted: 0, summary });
    }
  }

  private finishRound(state: PluginState, outcome: PluginOutcome): void {
    this.rounds.labels(state.registered.plugin.name, outcome.status).inc();
    try {
      this.options.onRound?.(outcome);
    } catch {
      // An observer's failure is not the plugin's.
    }
  }

  private push(state: PluginState, fetchKey: string, core: Core, timestampMs: number): void {
    try {
      writeScrape(core, this.options.sink, {
        shardKey: `plugin/${state.registered.plugin.name}/${fetchKey}`,
        newestTimestampMs: timestampMs,
        maxSamplesPerRequest: this.options.maxSamplesPerRequest,
      });
    } catch (err) {
      // The sink must not throw (sample-sink.ts); if it does, the round's output is what is lost.
      this.logger.error({ plugin: state.registered.plugin.name, err }, 'the sample sink refused a plugin output');
    }
  }
}

function snapshotOf(plugin: string, jobs: readonly string[], targets: readonly TargetSnapshot[], timestampMs: number): PluginSnapshot {
  return {
    timestampMs,
    targets,
    target(job: string): TargetSnapshot | undefined {
      if (!jobs.includes(job)) {
        throw new ScrapewireError('ERR_PLUGIN', `reads job "${job}", which it does not list in jobs`, { target: `plugin ${plugin}` });
      }
      return targets.find((target) => target.job === job);
    },
  };
}

/** A scrape with no samples: every series of the output's last good round goes stale (once). */
function emptyScrape(core: Core, timestampMs: number): ScrapeSummary {
  core.begin({ format: 'text', timestampMs, honorTimestamps: false });
  return core.finish();
}

const EMPTY_SUMMARY: ScrapeSummary = Object.freeze({
  families: 0, samples: 0, newSeries: 0, staleSeries: 0, samplesPostRelabel: 0, skippedLines: 0, bytes: 0,
});

function counter<T extends string>(registry: Registry, name: string, help: string, labelNames: T[]): Counter<T> {
  const existing = registry.getSingleMetric(name);
  if (existing !== undefined) return existing as Counter<T>;
  return new Counter({ name, help, labelNames, registers: [registry] });
}

function asPluginError(err: unknown, plugin: string): ScrapewireError {
  const target = `plugin ${plugin}`;
  if (err instanceof ScrapewireError) {
    return err.code === 'ERR_PLUGIN' ? (err.target === undefined ? err.withTarget(target) : err)
      : new ScrapewireError('ERR_PLUGIN', err.detail, { target, line: err.line, column: err.column, reason: err.reason, cause: err });
  }
  const reason = err instanceof Error ? err.message : String(err);
  return new ScrapewireError('ERR_PLUGIN', `collect() threw: ${reason}`, { target, cause: err });
}
