/**
 * Long work cut into slices, with the event loop running in between: other targets' timers and
 * sockets wait at most about a slice for a long piece of work (the end of a big scrape), instead
 * of for all of it.
 *
 * A slice ends once `sliceMs` have passed since it began (0: after every step); `pause()` then
 * lets the event loop run (setImmediate: due timers and ready I/O run before the next slice; see
 * `yieldToEventLoop`) and begins the next slice.
 */

/** Default slice: ~10 ms of work between turns of the event loop (ScrapeLoop.sync uses the same). */
export const DEFAULT_SLICE_MS = 10;

/**
 * Resolves after the event loop has gone round: an immediate queued from the check phase runs in
 * the next iteration, after its timers and I/O; one queued from I/O or a timer runs in this
 * iteration's check phase, after the poll phase, so two of them in a row always pass the timers.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class Slices {
  private start = performance.now();
  /** How many times the work let the event loop run. */
  pauses = 0;

  constructor(private readonly sliceMs: number = DEFAULT_SLICE_MS) {}

  /** Whether the current slice is used up (the caller then awaits pause()). */
  get due(): boolean {
    return this.sliceMs <= 0 || performance.now() - this.start >= this.sliceMs;
  }

  /** Lets the event loop run, then begins a new slice. */
  async pause(): Promise<void> {
    this.pauses++;
    await yieldToEventLoop();
    this.start = performance.now();
  }
}
