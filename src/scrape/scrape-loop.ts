/**
 * ScrapeLoop: schedules the scrapes of a set of targets, as Prometheus's scrape loops do, with
 * one request per interval for all the targets that ask for the same thing.
 *
 * - Targets are grouped by fetch key (fetch-key.ts: URL, params, credentials, TLS, timeout,
 *   interval). A group is one shared fetch: one HttpScraper, one phase, one request per tick,
 *   whose body streams into every member's core (shared-fetch.ts); each member applies its own
 *   job's rules and limits and fails alone. A target alone in its group is simply scraped.
 * - Each group fetches every `intervalMs` at a fixed phase within the interval: the start offset
 *   is a hash of its fetch key modulo the interval, so a thousand targets on a 1 s interval
 *   spread over the second instead of all firing at :00, and targets sharing a fetch share the phase.
 * - A group never has two fetches at once: a tick that finds the previous one still running is
 *   skipped and counted for each member (scrapewire_scrape_skipped_ticks_total). Groups never
 *   wait for each other: every tick only starts a fetch; a slow target delays nobody.
 * - Ticks are re-aligned to the phase each time (the next slot after now), so event-loop lag does
 *   not accumulate into drift; slots missed by lag count as skipped too. How late each tick
 *   starts is recorded (scrapewire_scrape_tick_delay_seconds).
 * - The groups' connections come from one ConnectionPools: targets on one host:port share a
 *   keep-alive pool of sockets (connection-pools.ts).
 *
 * The clock is injectable (tests drive it by hand); the default is Date.now and setTimeout.
 */
import { createHash } from 'node:crypto';
import { Registry } from 'prom-client';
import { ScrapewireError } from '../errors';
import type { SampleSink } from './sample-sink';
import type { NewSeries } from '../core/types';
import { ConnectionPools } from './connection-pools';
import { fetchKeyOf } from './fetch-key';
import { createFetcher, type Fetcher } from './fetcher';
import { isLocalUrl, type LocalSources } from './local-source';
import { HttpScraper } from './http-scraper';
import { scrapeMetrics, type ScrapeMetrics } from './scrape-metrics';
import { fetchInto, type BodyConsumer, type FetchOptions } from './shared-fetch';
import { TargetScraper, targetIdentity, type ScrapeOutcome, type ScrapeRun, type TargetSpec } from './target';

export interface LoopClock {
  now(): number;
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: LoopClock = {
  now: () => Date.now(),
  setTimeout: (callback, delayMs) => {
    const handle = setTimeout(callback, delayMs);
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface ScrapeLoopOptions {
  sink: SampleSink;
  /** Self-metrics go here; default a private Registry. */
  registry?: Registry;
  clock?: LoopClock;
  /** Mixed into the offset hash, like Prometheus's per-instance jitter seed (scrapeOffsetSeed). Default ''. */
  offsetSeed?: string;
  maxSamplesPerRequest?: number;
  /** See TargetScraperOptions.metadataIntervalMs. */
  metadataIntervalMs?: number;
  /** See TargetScraperOptions.metadataMaxPerRequest. */
  metadataMaxPerRequest?: number;
  /** Called after every scrape (for logs and the /targets page). */
  onScrape?: (target: TargetScraper, outcome: ScrapeOutcome) => void;
  /**
   * Readers of targets' scrapes (the plugin host): asked once per new target; an observer it
   * returns is shown the target's new series as scraped (TargetScraperOptions.observeNewSeries).
   */
  readers?: TargetReaders;
  /** See FetchOptions.onBodyBytes. */
  onBodyBytes?: (bytes: number) => void;
  /** The sources of in-process targets (`local://name` URLs): local-source.ts. */
  localSources?: LocalSources;
  /**
   * Fetches (requests with their members' scrapes) running at once, across all targets; 0: no
   * limit. A tick that finds every slot taken waits for one, and is skipped (counted in
   * skipped_ticks_total) if its target's next slot comes first.
   */
  maxConcurrentFetches?: number;
  /** See TargetScraperOptions.sliceMs (tests set 0: every chunk and every request of a scrape's end is its own slice). */
  sliceMs?: number;
}

/** What the plugin host needs from the loop: which targets it reads, and each fetch once it is done. */
export interface TargetReaders {
  /** Undefined when nobody reads this target. */
  observerFor(spec: TargetSpec): ((batch: readonly NewSeries[]) => void) | undefined;
  /**
   * A fetch has settled for every member that took part in it (successful or not); members' cores
   * hold that scrape until their next one begins, one interval later at the earliest.
   */
  fetched(fetchKey: string, results: readonly FetchResult[]): void;
  /** A fetch group is gone (its last member left): whatever was derived from it goes stale. */
  groupClosed(fetchKey: string): void;
}

/** One target's part of a fetch: the target and its scrape's outcome. */
export interface FetchResult {
  target: TargetScraper;
  outcome: ScrapeOutcome;
}

/** sync() starts targets for at most this long before letting the event loop run (timers, sockets). */
const SYNC_SLICE_MS = 10;

function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The phase of a target within its interval, in ms: [0, intervalMs). */
export function scrapeOffset(identity: string, intervalMs: number, seed = ''): number {
  const digest = createHash('sha256').update(seed).update('\u0000').update(identity).digest();
  return Number(digest.readBigUInt64BE(0) % BigInt(Math.max(1, Math.floor(intervalMs))));
}

/**
 * The seed mixed into every offset of one collector, as Prometheus's jitter seed: the host name
 * and the external labels. Two collectors that scrape the same URL (an HA pair, or a replica that
 * differs only by its external labels) then do it at different phases, and one collector keeps
 * its phases across restarts.
 */
export function scrapeOffsetSeed(hostname: string, externalLabels: Readonly<Record<string, string>>): string {
  const labels = Object.keys(externalLabels).sort().map((name) => `${name}=${JSON.stringify(externalLabels[name])}`);
  return `${hostname}{${labels.join(', ')}}`;
}

/** The first time after `now` (strictly) that is `offset` past a multiple of `interval`. */
export function nextSlot(now: number, intervalMs: number, offsetMs: number): number {
  const base = now - (((now - offsetMs) % intervalMs) + intervalMs) % intervalMs;
  return base > now ? base : base + intervalMs;
}

/** The key that tells targets apart: identity plus labels (a label change replaces the target). */
export function targetKey(spec: TargetSpec): string {
  return `${targetIdentity(spec)}\u0000${JSON.stringify(spec.labels)}`;
}

interface Scheduled {
  scraper: TargetScraper;
  group: FetchGroup;
  stopping: boolean;
}

/** Targets with one fetch key: one request per tick feeds them all. */
interface FetchGroup {
  key: string;
  http: Fetcher;
  intervalMs: number;
  offsetMs: number;
  timer: unknown;
  nextMs: number;
  /** By targetKey. */
  members: Map<string, Scheduled>;
  running: Promise<void> | undefined;
  /** Queued for a fetch slot (maxConcurrentFetches), its tick not started yet. */
  waiting: boolean;
  abort: AbortController;
  /** What every fetch of the group passes fetchInto, made once. */
  fetchOptions: FetchOptions;
  closed: boolean;
}

export class ScrapeLoop {
  readonly metrics: ScrapeMetrics;
  private readonly clock: LoopClock;
  private readonly scheduled = new Map<string, Scheduled>();
  private readonly groups = new Map<string, FetchGroup>();
  /** Keep-alive connections shared by the groups: one pool per host:port and connection settings. */
  private readonly pools = new ConnectionPools();
  private closed = false;
  /** Fetches started and not settled (their members' scrapes included). */
  private fetching = 0;
  /** Groups whose tick waits for a fetch slot, oldest first. */
  private readonly waiting: FetchGroup[] = [];
  private readonly maxConcurrentFetches: number;
  private readonly countRequest = (): void => {
    this.metrics.requests.inc();
  };

  constructor(private readonly options: ScrapeLoopOptions) {
    this.metrics = scrapeMetrics(options.registry ?? new Registry());
    this.clock = options.clock ?? systemClock;
    this.maxConcurrentFetches = options.maxConcurrentFetches ?? 0;
  }

  /** The running targets. */
  targets(): TargetScraper[] {
    return [...this.scheduled.values()].map((entry) => entry.scraper);
  }

  /** The fetch key a running target's requests are shared under. */
  fetchKeyOf(target: TargetScraper): string | undefined {
    for (const entry of this.scheduled.values()) if (entry.scraper === target) return entry.group.key;
    return undefined;
  }

  /** Distinct fetches (requests per round of ticks) and the targets each feeds, for /targets and tests. */
  fetchGroups(): Array<{ key: string; targets: TargetScraper[] }> {
    return [...this.groups.values()].map((group) => ({ key: group.key, targets: [...group.members.values()].map((m) => m.scraper) }));
  }

  /**
   * Makes the running set equal to `specs`: starts new targets, stops the ones not listed (their
   * series get staleness markers), leaves the others and their schedules alone. Returns the
   * targets that could not be started (bad HTTP settings), the others start regardless. Many
   * new targets are started in slices of SYNC_SLICE_MS, the event loop running in between, so
   * that a burst of discovery does not make the running targets late.
   */
  async sync(specs: readonly TargetSpec[]): Promise<ScrapewireError[]> {
    const wanted = new Map(specs.map((spec) => [targetKey(spec), spec]));
    let sliceStart = performance.now();
    const removals: Promise<void>[] = [];
    const errors: ScrapewireError[] = [];
    for (const key of this.scheduled.keys()) if (!wanted.has(key)) removals.push(this.remove(key));
    for (const [key, spec] of wanted) {
      const running = this.scheduled.get(key);
      if (running !== undefined && running.scraper.spec.fingerprint !== spec.fingerprint) {
        removals.push(this.replace(key, spec).catch((err: unknown) => {
          errors.push(err instanceof ScrapewireError ? err : new ScrapewireError('ERR_CONFIG', String(err), { target: spec.http.url, cause: err }));
        }));
        continue;
      }
      if (running !== undefined) continue;
      // Starting a target builds its cores (WebAssembly instances, ~1-5 ms each): hundreds of
      // new targets at once would hold the event loop for seconds (4.4 s for 500 on a loaded
      // 2-core machine, bench/tick-delay.bench.ts) while the running ones wait for their ticks.
      if (performance.now() - sliceStart > SYNC_SLICE_MS) {
        await yieldToLoop();
        sliceStart = performance.now();
        if (this.closed) break;
      }
      try {
        this.add(spec);
      } catch (err) {
        // One target's bad settings (a reserved header, a bad URL) must not keep the others out.
        errors.push(err instanceof ScrapewireError ? err : new ScrapewireError('ERR_CONFIG', String(err), { target: spec.http.url, cause: err }));
      }
    }
    await Promise.all(removals);
    return errors;
  }

  /** Starts scraping a target (in the fetch group of its key); returns its key. Throws ERR_CONFIG for bad HTTP settings. */
  add(spec: TargetSpec): string {
    if (this.closed) throw new ScrapewireError('ERR_USAGE', 'add() after the loop was stopped');
    if (!(spec.intervalMs > 0)) throw new ScrapewireError('ERR_CONFIG', `scrape interval must be positive, not ${spec.intervalMs}`, { target: spec.http.url });
    const key = targetKey(spec);
    if (this.scheduled.has(key)) return key;
    const scraper = new TargetScraper(spec, {
      sink: this.options.sink,
      metrics: this.metrics,
      now: () => this.clock.now(),
      maxSamplesPerRequest: this.options.maxSamplesPerRequest,
      metadataIntervalMs: this.options.metadataIntervalMs,
      metadataMaxPerRequest: this.options.metadataMaxPerRequest,
      observeNewSeries: this.options.readers?.observerFor(spec),
      onBodyBytes: this.options.onBodyBytes,
      localSources: this.options.localSources,
      sliceMs: this.options.sliceMs,
    });
    const group = this.groupFor(spec);
    const entry: Scheduled = { scraper, group, stopping: false };
    group.members.set(key, entry);
    this.scheduled.set(key, entry);
    this.metrics.targets.inc({ job: spec.job });
    return key;
  }

  /** Stops one target: fails its scrape in flight, then writes its staleness markers. */
  async remove(key: string): Promise<void> {
    const entry = this.scheduled.get(key);
    if (entry === undefined) return;
    this.detach(key, entry);
    await entry.scraper.stop();
    await this.closeIfEmpty(entry.group);
  }

  /**
   * Swaps a running target's scraper for one with new settings (a reload changed its job): the
   * new one joins its fetch group (the same one, with the same phase, unless the HTTP settings
   * changed), the old one stops without staleness markers, so the target's samples go on with no
   * gap. A fetch in flight finishes and is delivered by the old one.
   */
  private async replace(key: string, spec: TargetSpec): Promise<void> {
    const old = this.scheduled.get(key)!;
    this.detach(key, old);
    try {
      // The new scraper waits for the old one's scrape in flight to be delivered (a scrape's end
      // runs in slices): the two write the same series, which must reach the queue in order.
      if (!this.closed) this.scheduled.get(this.add(spec))!.scraper.holdUntil(old.scraper.idle());
    } finally {
      await old.scraper.stop({ markStale: false });
      await this.closeIfEmpty(old.group);
    }
  }

  /** Stops every target (staleness markers for all their series) and the schedule. */
  async stop(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.scheduled.keys()].map((key) => this.remove(key)));
  }

  private detach(key: string, entry: Scheduled): void {
    this.scheduled.delete(key);
    entry.group.members.delete(key);
    entry.stopping = true;
    this.metrics.targets.dec({ job: entry.scraper.spec.job });
  }

  private groupFor(spec: TargetSpec): FetchGroup {
    const key = fetchKeyOf(spec);
    const existing = this.groups.get(key);
    if (existing !== undefined && !existing.closed) return existing;
    // The shared request reads the whole body: each member enforces its own body_size_limit on
    // it, and when all of them have stopped reading the request is given up.
    const options = { ...spec.http, bodySizeLimitBytes: 0 };
    // HTTP(S) fetches lease sockets from the loop's keep-alive pools; in-process sources have none.
    const http = isLocalUrl(options.url) ? createFetcher(options, this.options.localSources) : new HttpScraper(options, this.pools);
    const abort = new AbortController();
    const group: FetchGroup = {
      key,
      http,
      intervalMs: spec.intervalMs,
      offsetMs: scrapeOffset(key, spec.intervalMs, this.options.offsetSeed),
      timer: undefined,
      nextMs: 0,
      members: new Map(),
      running: undefined,
      waiting: false,
      abort,
      fetchOptions: {
        signal: abort.signal,
        onRequest: this.countRequest,
        onBodyBytes: this.options.onBodyBytes,
        sliceMs: this.options.sliceMs,
      },
      closed: false,
    };
    this.groups.set(key, group);
    this.metrics.fetchGroups.inc();
    this.schedule(group, nextSlot(this.clock.now(), group.intervalMs, group.offsetMs));
    return group;
  }

  /** A group without members stops its schedule, aborts a fetch still running, and closes its client. */
  private async closeIfEmpty(group: FetchGroup): Promise<void> {
    if (group.members.size > 0 || group.closed) return;
    group.closed = true;
    if (this.groups.get(group.key) === group) this.groups.delete(group.key);
    this.metrics.fetchGroups.dec();
    this.clock.clearTimeout(group.timer);
    group.abort.abort(new ScrapewireError('ERR_USAGE', 'target stopped', { target: group.http.target }));
    await group.running?.catch(() => undefined);
    await group.http.close();
    this.options.readers?.groupClosed(group.key);
  }

  private schedule(group: FetchGroup, atMs: number): void {
    group.nextMs = atMs;
    group.timer = this.clock.setTimeout(() => this.tick(group), Math.max(0, atMs - this.clock.now()));
  }

  private tick(group: FetchGroup): void {
    if (group.closed) return;
    const interval = group.intervalMs;
    // Early timers (see below) count as on time.
    this.metrics.tickDelay.observe(Math.max(0, this.clock.now() - group.nextMs) / 1000);
    // Slots the event loop was too late for are skipped, not caught up in a burst. Counting from
    // the slot being served, not from now: a timer can fire a millisecond or two before Date.now()
    // reaches its slot (timers run on the monotonic clock), and nextSlot(now) would then be this
    // same slot again: a second scrape of the target a few ms after the first.
    const next = nextSlot(Math.max(this.clock.now(), group.nextMs), interval, group.offsetMs);
    const missed = Math.max(0, Math.round((next - group.nextMs) / interval) - 1);
    if (missed > 0) for (const member of group.members.values()) this.metrics.skippedTicks.inc({ job: member.scraper.spec.job }, missed);
    this.schedule(group, next);

    if (group.running !== undefined || group.waiting) {
      for (const member of group.members.values()) this.metrics.skippedTicks.inc({ job: member.scraper.spec.job });
      return;
    }
    if (this.maxConcurrentFetches > 0 && this.fetching >= this.maxConcurrentFetches) {
      group.waiting = true;
      this.waiting.push(group);
      return;
    }
    this.fetch(group);
  }

  /** Starts the waiting groups' fetches while slots are free; a wait past the group's next slot is a skipped tick. */
  private startWaiting(): void {
    while (this.waiting.length > 0 && this.fetching < this.maxConcurrentFetches) {
      const group = this.waiting.shift()!;
      group.waiting = false;
      if (group.closed) continue;
      if (this.clock.now() >= group.nextMs) {
        for (const member of group.members.values()) this.metrics.skippedTicks.inc({ job: member.scraper.spec.job });
        continue;
      }
      this.fetch(group);
    }
  }

  private fetch(group: FetchGroup): void {
    const timestampMs = Math.floor(this.clock.now());
    const targets: TargetScraper[] = [];
    const runs: ScrapeRun[] = [];
    const consumers: BodyConsumer[] = [];
    for (const member of group.members.values()) {
      if (member.stopping || member.scraper.busy) {
        this.metrics.skippedTicks.inc({ job: member.scraper.spec.job });
        continue;
      }
      const run = member.scraper.startScrape(timestampMs);
      targets.push(member.scraper);
      runs.push(run);
      consumers.push(run.consumer);
    }
    if (runs.length === 0) return;
    this.fetching++;
    group.running = this.runFetch(group, targets, runs, consumers);
  }

  /**
   * One fetch of a group, to the end of its members' scrapes: onScrape for each, then the
   * readers. Never rejects. One async function per fetch instead of a promise chain and a
   * closure per member (what a small scrape allocated: bench/RESULTS.md, 2026-12-03).
   */
  private async runFetch(group: FetchGroup, targets: TargetScraper[], runs: ScrapeRun[], consumers: BodyConsumer[]): Promise<void> {
    try {
      await fetchInto(group.http, consumers, group.fetchOptions);
      const results: FetchResult[] = [];
      for (let i = 0; i < runs.length; i++) {
        const outcome = await runs[i].outcome;
        try {
          this.options.onScrape?.(targets[i], outcome);
        } catch {
          // A failing observer must not break the schedule.
        }
        results.push({ target: targets[i], outcome });
      }
      if (!group.closed) this.options.readers?.fetched(group.key, results);
    } catch {
      // A failing reader must not break the schedule either.
    } finally {
      group.running = undefined;
      this.fetching--;
      this.startWaiting();
    }
  }
}
