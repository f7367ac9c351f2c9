/**
 * ScrapeLoop: schedules the scrapes of a set of targets, as Prometheus's scrape loops do.
 *
 * - Each target scrapes every `intervalMs` at a fixed phase within the interval: the start offset
 *   is a hash of the target's identity (job + URL) modulo the interval, so a thousand targets on
 *   a 1 s interval spread over the second instead of all firing at :00.
 * - A target never has two scrapes at once: a tick that finds the previous scrape still running
 *   is skipped and counted (scrapewire_scrape_skipped_ticks_total). Targets never wait for each
 *   other: every tick only starts a scrape; a slow target delays nobody.
 * - Ticks are re-aligned to the phase each time (the next slot after now), so event-loop lag does
 *   not accumulate into drift; slots missed by lag count as skipped too.
 *
 * The clock is injectable (tests drive it by hand); the default is Date.now and setTimeout.
 */
import { createHash } from 'node:crypto';
import { Registry } from 'prom-client';
import { ScrapewireError } from '../core/errors';
import type { SampleSink } from './sample-sink';
import { scrapeMetrics, type ScrapeMetrics } from './scrape-metrics';
import { TargetScraper, targetIdentity, type ScrapeOutcome, type TargetSpec } from './target';

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
  /** Mixed into the offset hash, like Prometheus's per-instance jitter seed. Default ''. */
  offsetSeed?: string;
  maxSamplesPerRequest?: number;
  /** See TargetScraperOptions.metadataIntervalMs. */
  metadataIntervalMs?: number;
  /** Called after every scrape (for logs and the /targets page). */
  onScrape?: (target: TargetScraper, outcome: ScrapeOutcome) => void;
}

/** The phase of a target within its interval, in ms: [0, intervalMs). */
export function scrapeOffset(identity: string, intervalMs: number, seed = ''): number {
  const digest = createHash('sha256').update(seed).update('\u0000').update(identity).digest();
  return Number(digest.readBigUInt64BE(0) % BigInt(Math.max(1, Math.floor(intervalMs))));
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
  offsetMs: number;
  timer: unknown;
  nextMs: number;
  stopping: boolean;
}

export class ScrapeLoop {
  readonly metrics: ScrapeMetrics;
  private readonly clock: LoopClock;
  private readonly scheduled = new Map<string, Scheduled>();
  private closed = false;

  constructor(private readonly options: ScrapeLoopOptions) {
    this.metrics = scrapeMetrics(options.registry ?? new Registry());
    this.clock = options.clock ?? systemClock;
  }

  /** The running targets. */
  targets(): TargetScraper[] {
    return [...this.scheduled.values()].map((entry) => entry.scraper);
  }

  /**
   * Makes the running set equal to `specs`: starts new targets, stops the ones not listed (their
   * series get staleness markers), leaves the others and their schedules alone. Returns the
   * targets that could not be started (bad HTTP settings), the others start regardless.
   */
  async sync(specs: readonly TargetSpec[]): Promise<ScrapewireError[]> {
    const wanted = new Map(specs.map((spec) => [targetKey(spec), spec]));
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

  /** Starts scraping a target; returns its key. Throws ERR_CONFIG for bad HTTP settings. */
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
    });
    const entry: Scheduled = {
      scraper,
      offsetMs: scrapeOffset(scraper.identity, spec.intervalMs, this.options.offsetSeed),
      timer: undefined,
      nextMs: 0,
      stopping: false,
    };
    this.scheduled.set(key, entry);
    this.metrics.targets.inc({ job: spec.job });
    this.schedule(entry, nextSlot(this.clock.now(), spec.intervalMs, entry.offsetMs));
    return key;
  }

  /** Stops one target: waits for its scrape in flight, then writes its staleness markers. */
  async remove(key: string): Promise<void> {
    const entry = this.scheduled.get(key);
    if (entry === undefined) return;
    this.scheduled.delete(key);
    entry.stopping = true;
    this.clock.clearTimeout(entry.timer);
    this.metrics.targets.dec({ job: entry.scraper.spec.job });
    await entry.scraper.stop();
  }

  /**
   * Swaps a running target's scraper for one with new settings (a reload changed its job): the
   * new one keeps the old one's slot in the schedule, the old one stops without staleness
   * markers, so the target's samples go on with no gap.
   */
  private async replace(key: string, spec: TargetSpec): Promise<void> {
    const old = this.scheduled.get(key)!;
    this.scheduled.delete(key);
    old.stopping = true;
    this.clock.clearTimeout(old.timer);
    this.metrics.targets.dec({ job: old.scraper.spec.job });
    await old.scraper.stop({ markStale: false });
    if (!this.closed) this.add(spec);
  }

  /** Stops every target (staleness markers for all their series) and the schedule. */
  async stop(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.scheduled.keys()].map((key) => this.remove(key)));
  }

  private schedule(entry: Scheduled, atMs: number): void {
    entry.nextMs = atMs;
    entry.timer = this.clock.setTimeout(() => this.tick(entry), Math.max(0, atMs - this.clock.now()));
  }

  private tick(entry: Scheduled): void {
    if (entry.stopping) return;
    const { scraper } = entry;
    const interval = scraper.spec.intervalMs;
    const job = scraper.spec.job;
    // Slots the event loop was too late for are skipped, not caught up in a burst. Counting from
    // the slot being served, not from now: a timer can fire a millisecond or two before Date.now()
    // reaches its slot (timers run on the monotonic clock), and nextSlot(now) would then be this
    // same slot again: a second scrape of the target a few ms after the first.
    const next = nextSlot(Math.max(this.clock.now(), entry.nextMs), interval, entry.offsetMs);
    const missed = Math.max(0, Math.round((next - entry.nextMs) / interval) - 1);
    if (missed > 0) this.metrics.skippedTicks.inc({ job }, missed);
    this.schedule(entry, next);

    if (scraper.busy) {
      this.metrics.skippedTicks.inc({ job });
      return;
    }
    scraper.scrape().then(
      (outcome) => {
        try {
          this.options.onScrape?.(scraper, outcome);
        } catch {
          // A failing observer must not break the schedule.
        }
      },
      () => { /* only misuse rejects (scrape after stop): the target is being removed */ },
    );
  }
}
