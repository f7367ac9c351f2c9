/**
 * The slice of the Core API the benchmarks drive, loaded from src/core at run time so that the
 * benchmarks build and their baselines run even before the core exists.
 */
import type { RemoteWriteProtocol, ScrapeOptions, ScrapeSummary } from '../../src/core/types';

export interface BenchCore {
  scrape(chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>, options: ScrapeOptions): Promise<ScrapeSummary>;
  /** `request` is a view into WASM memory, valid only during the callback; returns the request count. */
  encode(protocol: RemoteWriteProtocol, options: { maxSamplesPerRequest: number; compress?: boolean }, onRequest: (request: Uint8Array, samples: number) => void): number;
  dispose?(): void;
  close?(): void;
}

export interface BenchCoreFactory {
  create(options?: { maxLineBytes?: number; scrapeNativeHistograms?: boolean }): BenchCore;
}

/** src/core's Core, or undefined with the reason while it is missing or does not load. */
export function loadCore(): { Core?: BenchCoreFactory; reason?: string } {
  const modulePath = '../../src/core';
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const loaded = require(modulePath) as { Core?: BenchCoreFactory };
    if (!loaded.Core || typeof loaded.Core.create !== 'function') return { reason: 'src/core has no Core.create export yet' };
    return { Core: loaded.Core };
  } catch (error) {
    return { reason: `src/core not loadable: ${(error as Error).message.split('\n')[0]}` };
  }
}

/** Releases a core's instance if the API offers a way; otherwise leaves it to the GC. */
export function releaseCore(core: BenchCore | undefined): void {
  if (!core) return;
  if (typeof core.dispose === 'function') core.dispose();
  else if (typeof core.close === 'function') core.close();
}
