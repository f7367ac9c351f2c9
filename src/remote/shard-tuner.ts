/**
 * How many shards (requests in flight at once, and open batches) an endpoint needs, from what is
 * measured: the rate samples come in, the rate they are acknowledged, how long sending them
 * takes, and the backlog (queued and batched samples not yet acknowledged).
 *
 * Every interval (10 s by default, as Prometheus's shardUpdateDuration):
 *   seconds per sample  = time spent in successful sends / samples they carried (both smoothed)
 *   samples to send /s  = incoming rate + backlog / CATCH_UP_SECONDS
 *   desired shards      = seconds per sample * samples to send per second
 * rounded up and clamped to [min_shards, max_shards]. One shard keeps up as long as sending a
 * second's worth of samples takes it less than a second; a backlog adds the shards that drain it
 * in about CATCH_UP_SECONDS. The number changes only when the desired one is outside
 * +-TOLERANCE of it (a change closes every open batch), and never while the receiver is failing
 * (the last send failed: more shards would only add failing requests).
 * With nothing sent in the interval there is nothing to measure, and the number stays.
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
    if (desired >= current * (1 - TOLERANCE) && desired <= current * (1 + TOLERANCE)) return { shards: clamp(current), desired };
    return { shards: clamp(Math.ceil(desired)), desired };
  }
}
