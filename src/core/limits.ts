/**
 * A core's limits (CoreOptions): what one source's page may cost, enforced by the core while it
 * parses (assembly/limits.ts), so that a hostile or broken target fails its own scrape with a
 * typed error instead of growing the process. 0 turns a limit off.
 */
import { ScrapewireError } from '../errors';
import type { CoreOptions } from './types';

/**
 * Default memory limit of one core: 256 MiB. The core's memory grows with live series, not with
 * page size: a 100 MB cAdvisor-like page (281,400 series) takes 64 MiB, a 200 MB one (562,323
 * series) 128 MiB (the allocator doubles the memory as it grows, so those are its sizes; measured
 * 2026-12-02 with bench/payload's cadvisor generator). 256 MiB holds a page of ~1 M such series;
 * past it a scrape fails with ERR_MEMORY_LIMIT and the core is rebuilt with its live series.
 */
export const DEFAULT_MAX_MEMORY_BYTES = 256 * 2 ** 20;
/** The smallest memory limit accepted: the core's own tables and buffers need ~2 MiB, plus the input window. */
const MIN_MEMORY_BYTES = 8 * 2 ** 20;
const WASM_PAGE = 65536;

export type CoreLimits = Required<Pick<CoreOptions,
  'sampleLimit' | 'seriesLimit' | 'labelLimit' | 'labelNameLengthLimit' | 'labelValueLengthLimit' | 'maxMemoryBytes'>>;

/** The limits of `options`, defaulted and checked (a bad one is ERR_USAGE). */
export function coreLimits(options: CoreOptions, maxLineBytes: number): CoreLimits {
  const limits: CoreLimits = {
    sampleLimit: options.sampleLimit ?? 0,
    seriesLimit: options.seriesLimit ?? 0,
    labelLimit: options.labelLimit ?? 0,
    labelNameLengthLimit: options.labelNameLengthLimit ?? 0,
    labelValueLengthLimit: options.labelValueLengthLimit ?? 0,
    maxMemoryBytes: options.maxMemoryBytes ?? Math.max(DEFAULT_MAX_MEMORY_BYTES, smallestMemoryLimit(maxLineBytes)),
  };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      throw new ScrapewireError('ERR_USAGE', `Core: ${name} must be an integer from 0 (no limit) to 2^32-1, not ${value}`);
    }
  }
  const smallest = smallestMemoryLimit(maxLineBytes);
  if (limits.maxMemoryBytes !== 0 && limits.maxMemoryBytes < smallest) {
    throw new ScrapewireError('ERR_USAGE', `Core: maxMemoryBytes must be 0 (no limit) or at least ${smallest} (8 MiB plus twice maxLineBytes), not ${limits.maxMemoryBytes}`);
  }
  return limits;
}

function smallestMemoryLimit(maxLineBytes: number): number {
  return MIN_MEMORY_BYTES + 2 * maxLineBytes;
}

/** The memory limit in 64 KiB pages, as the core takes it. */
export function memoryLimitPages(limits: CoreLimits): number {
  return Math.floor(limits.maxMemoryBytes / WASM_PAGE);
}

/** Whether a core whose memory is `bytes` has passed its limit (then it is rebuilt before the next scrape). */
export function overMemoryLimit(limits: CoreLimits, bytes: number): boolean {
  return limits.maxMemoryBytes !== 0 && bytes > memoryLimitPages(limits) * WASM_PAGE;
}
