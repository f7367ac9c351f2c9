/**
 * Young-generation garbage collection paced by scraped bytes.
 *
 * Every read from a socket hands JS a fresh ArrayBuffer (Node allocates one per read; undici
 * passes it through as a body chunk), and its memory comes back only when V8 collects the chunk's
 * wrapper. The scrape path allocates almost nothing else on the JS heap, so V8 rarely has a reason
 * to collect: streaming a 100 MB page left up to ~30 MiB of dead chunks waiting at any time, a
 * fifth of the process's peak RSS. With pacing on, a minor (scavenge) collection runs after every
 * `everyBytes` of body fed to a core: well under a millisecond each, 24 per 100 MB page at the
 * default 4 MiB, no change in scrape time that the benchmark can see.
 * Measured on that page (bench/scrape-memory.bench.ts, bench/RESULTS.md): peak RSS 152 -> 122 MiB.
 *
 * It is process-wide and off by default in the library (an embedding agent may have its own GC
 * policy): `enableGcPacing()` turns it on. The collector (`scrapewire run`) turns it on, with
 * `--gc.pace-bytes` to change the step or 0 to turn it off. The scrape path does not call it:
 * `countScrapedBytes` is the hook a Collector hands its scrape loop (`onBodyBytes`), and what
 * scrapes outside a collector pass to `scrapeIntoCore` to be paced.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type GcFunction = (options?: { type?: 'major' | 'minor'; execution?: 'sync' | 'async' }) => void;

export const DEFAULT_GC_PACE_BYTES = 4 << 20;

let collect: GcFunction | undefined;
let everyBytes = 0;
let pending = 0;
let collections = 0;

/**
 * V8's gc(): the global one when Node was started with --expose-gc, otherwise one taken from a
 * fresh context created while the flag is briefly on (the flag is turned off again, so no other
 * context gets a `gc` global).
 */
function gcFunction(): GcFunction {
  const existing = (globalThis as { gc?: unknown }).gc;
  if (typeof existing === 'function') return existing as GcFunction;
  setFlagsFromString('--expose-gc');
  try {
    return runInNewContext('gc') as GcFunction;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}

/** Turns pacing on: a minor GC after every `everyBytes` (default 4 MiB) of scraped body; 0 turns it off. */
export function enableGcPacing(options: { everyBytes?: number } = {}): void {
  const step = options.everyBytes ?? DEFAULT_GC_PACE_BYTES;
  if (!Number.isFinite(step) || step < 0) throw new RangeError(`everyBytes must be a non-negative number, not ${step}`);
  if (step === 0) {
    disableGcPacing();
    return;
  }
  collect ??= gcFunction();
  everyBytes = step;
  pending = 0;
}

/** Turns GC pacing off (see enableGcPacing). */
export function disableGcPacing(): void {
  everyBytes = 0;
  pending = 0;
}

/** The body-bytes hook: counts bytes fed to a core; runs a minor GC when a step is reached (pacing on only). */
export function countScrapedBytes(bytes: number): void {
  if (everyBytes === 0) return;
  pending += bytes;
  if (pending < everyBytes) return;
  pending %= everyBytes;
  collections++;
  collect!({ type: 'minor' });
}

/** Pacing state, for self-metrics and tests. */
export function gcPacingStats(): { everyBytes: number; collections: number } {
  return { everyBytes, collections };
}
