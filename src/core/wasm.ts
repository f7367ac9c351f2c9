/**
 * Finds, compiles (once per process) and instantiates the core's WebAssembly module.
 * The module has no imports: every instance owns its memory and nothing else.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ScrapewireError } from '../errors';
import type { CompiledCoreModule } from './types';

/** The core's exports (assembly/index.ts). Pointers and lengths are byte offsets in `memory`. */
export interface CoreExports {
  memory: WebAssembly.Memory;
  init(maxLineBytes: number, evictAfterScrapes: number): void;
  setLimits(samples: number, series: number, labels: number, nameLength: number, valueLength: number, memoryPages: number): void;
  setHistogramOptions(scrapeNative: number, alwaysClassic: number, bucketLimit: number, maxSchema: number): void;
  setEncodeHistograms(on: number): void;
  setEncodeExemplars(on: number): void;
  setNhcb(on: number): void;
  setCreatedTimestampZeroIngestion(on: number): void;
  histogramCount(): number;
  begin(format: number, timestampMs: number, honorTimestamps: number, skipErrors: number, strictOpenMetrics: number, resolveBatch: number): void;
  inputPtr(): number;
  inputSpace(): number;
  feed(length: number): number;
  resumeFeed(): number;
  finish(): number;
  abortScrape(): void;
  newSeriesCount(): number;
  newSeriesRef(i: number): number;
  labelsPtr(ref: number): number;
  labelsLen(ref: number): number;
  keep(ref: number): void;
  targetLabels(targetLen: number, externalLen: number, honorLabels: number): void;
  autoResolve(from: number, to: number): number;
  drop(ref: number): void;
  rewriteBufferPtr(length: number): number;
  rewrite(ref: number, length: number): void;
  forget(ref: number): void;
  resolveDone(): number;
  encodeBegin(protocol: number, maxSamples: number, includeStale: number): void;
  encodeNext(): number;
  encodeMetadata(): number;
  encodeMetadataFrom(first: number, max: number): number;
  metadataEntries(): number;
  metadataNext(): number;
  outputPtr(): number;
  compressOutput(): number;
  compressedPtr(): number;
  requestSamples(): number;
  snapshotLength(): number;
  snapshotRefs(): number;
  snapshotValues(): number;
  snapshotTimestamps(): number;
  staleCount(): number;
  staleRefsPtr(): number;
  seriesState(ref: number): number;
  statFamilies(): number;
  statSkippedLines(): number;
  statBytes(): number;
  statDuplicates(): number;
  statEvicted(): number;
  statSeries(): number;
  statLabelArenaBytes(): number;
  statLabelTextBytes(): number;
  statLabelPairs(): number;
  statIndexBytes(): number;
  statSymbolBytes(): number;
  statSymbols(): number;
  errorCode(): number;
  errorLine(): number;
  errorColumn(): number;
  errorTextPtr(): number;
  errorTextLen(): number;
  seriesLastSeen(ref: number): number;
  seriesRefLimit(): number;
  currentEpoch(): number;
  lastTimestamp(): number;
  restore(epoch: number, timestampMs: number): void;
  importSeries(length: number, state: number, lastSeen: number): number;
  importSample(ref: number, value: number, timestampMs: number): void;
  importStale(ref: number): void;
  keepsPrevious(): number;
  previousCount(): number;
  previousRefsPtr(): number;
  importPrevious(ref: number): void;
  reportSeries(length: number): number;
  reportTouch(): void;
  reportSample(ref: number, value: number): void;
  reportClear(): void;
}

let compiled: WebAssembly.Module | undefined;

function readWasmBytes(): Uint8Array<ArrayBuffer> {
  // In a single executable the module travels as an asset.
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const sea = require('node:sea') as { isSea(): boolean; getAsset(key: string): ArrayBuffer };
    if (sea.isSea()) return new Uint8Array(sea.getAsset('scrapewire.wasm'));
  } catch {
    // node:sea is missing outside a SEA on some Node builds: fall through to the file.
  }
  const candidates = [
    process.env.SCRAPEWIRE_WASM,
    join(__dirname, '../../build/release.wasm'),     // src/core (ts-jest, ts-node)
    join(__dirname, '../../../build/release.wasm'),  // dist/src/core
  ].filter((p): p is string => p !== undefined && p !== '');
  for (const path of candidates) {
    if (existsSync(path)) return new Uint8Array(readFileSync(path));
  }
  throw new ScrapewireError(
    'ERR_CORE_STATE',
    `cannot find the core's WebAssembly module (looked in ${candidates.join(', ')}); run "npm run build"`,
  );
}

/** The compiled module, compiled on first use and shared by every instance in the process. */
export function coreModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(readWasmBytes());
  return compiled;
}

/**
 * A compiled core from another build of assembly/ (e.g. build/debug.wasm, with assertions and the
 * runtime's checks), for CoreOptions.module: the fuzz tests run on it.
 */
export function loadCoreModule(path: string): WebAssembly.Module {
  if (!existsSync(path)) throw new ScrapewireError('ERR_USAGE', `no core module at ${path} (npm run build builds build/release.wasm and build/debug.wasm)`);
  return new WebAssembly.Module(new Uint8Array(readFileSync(path)));
}

/** A fresh instance with its own memory, of `module` (default: the release build). */
export function instantiateCore(module: CompiledCoreModule = coreModule()): CoreExports {
  const instance = new WebAssembly.Instance(module as WebAssembly.Module, {});
  return instance.exports as unknown as CoreExports;
}
