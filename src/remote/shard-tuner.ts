/**
 * How many shards (requests in flight at once, and open batches) an endpoint needs, from what is
 * measured: the rate samples come in, the rate they are acknowledged, how long sending them
 * takes, and the backlog (queued and batched samples not yet acknowledged).
 *
 * Every interval (1 s by default: send-queue.ts):
 *   seconds per sample  = time spent in successful sends / samples they carried (both smoothed)
 *   samples to send /s  = incoming rate + backlog / CATCH_UP_SECONDS
 *   desired shards      = seconds per sample * samples to send per second
 * rounded up and clamped to [min_shards, max_shards]. One shard keeps up as long as sending a
 * second's worth of samples takes it less than a second; a backlog adds the shards that drain it
 * in about CATCH_UP_SECONDS. Inside +-TOLERANCE of the current count nothing changes (a change
 * closes every open batch). Above it, the count goes up at once; below it, only after
 * DOWN_AFTER_INTERVALS intervals in a row. Prometheus reconsiders every 10 s in both directions;
 * scrapewire grows sooner because a collector starting on a busy node queued 10 s of samples at
 * one shard first (500 targets x 3,000 samples/s: 1.1 GB peak RSS and 12 s to drain,
 * bench/RESULTS.md, delivery, 2026-12-02) and shrinks as slowly, so a pause does not flap it.
 * Nothing changes while the receiver is failing (the last send failed: more shards would only
 * add failing requests), nor when nothing was sent in the interval (nothing to measure).
 *
 * The rates are exponentially weighted (SMOOTHING per interval), so one slow interval does not
 * flip the number back and forth.
 */

/** The weight of the newest interval in the smoothed rates. */
const SMOOTHING = 0.3;
/** A backlog is planned to be drained in about this long. */
const CATCH_UP_SECONDS = 20;
/** The shard count moves only when the desired one differs by more than this fraction. */
const TOLERANCE = 0.3;
/** Intervals in a row the desired count must stay below the band before the count goes down. */
export const DOWN_AFTER_INTERVALS = 10;

export interface ShardTunerOptions {
  minShards: number;
  maxShards: number;
}

export interface ShardDecision {
  /** The shards to run from now on. */
  shards: number;
  /** What the measurements asked for, before tolerance and clamping (NaN when nothing was measured). */
  desired: number;
}

export class ShardTuner {
  private samplesIn = 0;
  private samplesOut = 0;
  private sendSeconds = 0;
  private inRate: number | undefined;
  private outRate: number | undefined;
  private busyRate: number | undefined;
  private intervalsBelow = 0;

  constructor(private readonly options: ShardTunerOptions) {}

  /** Samples handed to the queue. */
  recordIn(samples: number): void {
    this.samplesIn += samples;
  }

  /** An acknowledged request: its samples and how long its successful send took. */
  recordSent(samples: number, seconds: number): void {
    this.samplesOut += samples;
    this.sendSeconds += seconds;
  }

  /**
   * Ends an interval of `elapsedSeconds`: folds its measurements into the rates and returns the
   * shards to run. `receiverHealthy`: the last send did not fail.
   */
  next(current: number, backlogSamples: number, elapsedSeconds: number, receiverHealthy: boolean): ShardDecision {
    const smooth = (old: number | undefined, now: number): number => (old === undefined ? now : old + SMOOTHING * (now - old));
    const dt = Math.max(elapsedSeconds, 1e-3);
    this.inRate = smooth(this.inRate, this.samplesIn / dt);
    this.outRate = smooth(this.outRate, this.samplesOut / dt);
    this.busyRate = smooth(this.busyRate, this.sendSeconds / dt);
    this.samplesIn = this.samplesOut = this.sendSeconds = 0;

    const { minShards, maxShards } = this.options;
    const clamp = (n: number): number => Math.min(maxShards, Math.max(minShards, n));
    if (this.outRate <= 0 || this.busyRate <= 0) return { shards: clamp(current), desired: NaN };
    const secondsPerSample = this.busyRate / this.outRate;
    const desired = secondsPerSample * (this.inRate + backlogSamples / CATCH_UP_SECONDS);
    if (!receiverHealthy) return { shards: clamp(current), desired };
    if (desired > current * (1 + TOLERANCE)) {
      this.intervalsBelow = 0;
      return { shards: clamp(Math.ceil(desired)), desired };
    }
    if (desired < current * (1 - TOLERANCE) && ++this.intervalsBelow >= DOWN_AFTER_INTERVALS) {
      this.intervalsBelow = 0;
      return { shards: clamp(Math.ceil(desired)), desired };
    }
    if (desired >= current * (1 - TOLERANCE)) this.intervalsBelow = 0;
    return { shards: clamp(current), desired };
  }
}
