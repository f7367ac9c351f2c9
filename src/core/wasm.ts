/**
 * Finds, compiles (once per process) and instantiates the core's WebAssembly module.
 * The module has no imports: every instance owns its memory and nothing else.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ScrapewireError } from '../errors';
import type { CompiledCoreModule } from './types';
import { CoreOption, Query } from './enums';

/**
 * The core's ABI as the host calls it, one method per function (assembly/index.ts). Pointers and
 * lengths are byte offsets in `memory`. The getters and option setters are one export each in
 * the module (`query`, `setOption`: V8 builds wrapper objects per export per instance); CoreAbi
 * gives them their names back with methods on its prototype, shared by every instance.
 */
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

/** What the module exports (assembly/index.ts). */
interface RawCoreExports {
  memory: WebAssembly.Memory;
  init(maxLineBytes: number, evictAfterScrapes: number): void;
  setLimits(samples: number, series: number, labels: number, nameLength: number, valueLength: number, memoryPages: number): void;
  query(what: Query, arg: number): number;
  setOption(option: CoreOption, a: number, b: number, c: number, d: number): void;
  begin(format: number, timestampMs: number, honorTimestamps: number, skipErrors: number, strictOpenMetrics: number, resolveBatch: number): void;
  inputPtr(): number;
  inputSpace(): number;
  feed(length: number): number;
  resumeFeed(): number;
  finish(): number;
  abortScrape(): void;
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
  encodeMetadataFrom(first: number, max: number): number;
  compressOutput(): number;
  seriesState(ref: number): number;
  restore(epoch: number, timestampMs: number): void;
  importSeries(length: number, state: number, lastSeen: number): number;
  importSample(ref: number, value: number, timestampMs: number): void;
  importStale(ref: number): void;
  importPrevious(ref: number): void;
  reportSeries(length: number): number;
  reportTouch(): void;
  reportSample(ref: number, value: number): void;
  reportClear(): void;
  batchInput(length: number): number;
  batchCompressRw1(length: number): number;
  batchCompressRw2(count: number, length: number): number;
}

/** CoreExports over the module's exports: one small object per instance, its methods shared. */
class CoreAbi implements CoreExports {
  readonly memory: WebAssembly.Memory;
  constructor(private readonly raw: RawCoreExports) {
    this.memory = raw.memory;
  }
  init(maxLineBytes: number, evictAfterScrapes: number): void { this.raw.init(maxLineBytes, evictAfterScrapes); }
  setLimits(samples: number, series: number, labels: number, nameLength: number, valueLength: number, memoryPages: number): void {
    this.raw.setLimits(samples, series, labels, nameLength, valueLength, memoryPages);
  }
  setHistogramOptions(scrapeNative: number, alwaysClassic: number, bucketLimit: number, maxSchema: number): void {
    this.raw.setOption(CoreOption.HISTOGRAMS, scrapeNative, alwaysClassic, bucketLimit, maxSchema);
  }
  setEncodeHistograms(on: number): void { this.raw.setOption(CoreOption.ENCODE_HISTOGRAMS, on, 0, 0, 0); }
  setEncodeExemplars(on: number): void { this.raw.setOption(CoreOption.ENCODE_EXEMPLARS, on, 0, 0, 0); }
  setNhcb(on: number): void { this.raw.setOption(CoreOption.NHCB, on, 0, 0, 0); }
  setCreatedTimestampZeroIngestion(on: number): void { this.raw.setOption(CoreOption.CREATED_TIMESTAMP_ZERO_INGESTION, on, 0, 0, 0); }
  histogramCount(): number { return this.raw.query(Query.HISTOGRAM_COUNT, 0); }
  begin(format: number, timestampMs: number, honorTimestamps: number, skipErrors: number, strictOpenMetrics: number, resolveBatch: number): void {
    this.raw.begin(format, timestampMs, honorTimestamps, skipErrors, strictOpenMetrics, resolveBatch);
  }
  inputPtr(): number { return this.raw.inputPtr(); }
  inputSpace(): number { return this.raw.inputSpace(); }
  feed(length: number): number { return this.raw.feed(length); }
  resumeFeed(): number { return this.raw.resumeFeed(); }
  finish(): number { return this.raw.finish(); }
  abortScrape(): void { this.raw.abortScrape(); }
  newSeriesCount(): number { return this.raw.query(Query.NEW_SERIES_COUNT, 0); }
  newSeriesRef(i: number): number { return this.raw.newSeriesRef(i); }
  labelsPtr(ref: number): number { return this.raw.labelsPtr(ref); }
  labelsLen(ref: number): number { return this.raw.labelsLen(ref); }
  keep(ref: number): void { this.raw.keep(ref); }
  targetLabels(targetLen: number, externalLen: number, honorLabels: number): void { this.raw.targetLabels(targetLen, externalLen, honorLabels); }
  autoResolve(from: number, to: number): number { return this.raw.autoResolve(from, to); }
  drop(ref: number): void { this.raw.drop(ref); }
  rewriteBufferPtr(length: number): number { return this.raw.rewriteBufferPtr(length); }
  rewrite(ref: number, length: number): void { this.raw.rewrite(ref, length); }
  forget(ref: number): void { this.raw.forget(ref); }
  resolveDone(): number { return this.raw.resolveDone(); }
  encodeBegin(protocol: number, maxSamples: number, includeStale: number): void { this.raw.encodeBegin(protocol, maxSamples, includeStale); }
  encodeNext(): number { return this.raw.encodeNext(); }
  encodeMetadata(): number { return this.raw.encodeMetadataFrom(0, 0); }
  encodeMetadataFrom(first: number, max: number): number { return this.raw.encodeMetadataFrom(first, max); }
  metadataEntries(): number { return this.raw.query(Query.METADATA_ENTRIES, 0); }
  metadataNext(): number { return this.raw.query(Query.METADATA_NEXT, 0); }
  outputPtr(): number { return this.raw.query(Query.OUTPUT_PTR, 0); }
  compressOutput(): number { return this.raw.compressOutput(); }
  compressedPtr(): number { return this.raw.query(Query.COMPRESSED_PTR, 0); }
  requestSamples(): number { return this.raw.query(Query.REQUEST_SAMPLES, 0); }
  snapshotLength(): number { return this.raw.query(Query.SNAPSHOT_LENGTH, 0); }
  snapshotRefs(): number { return this.raw.query(Query.SNAPSHOT_REFS, 0); }
  snapshotValues(): number { return this.raw.query(Query.SNAPSHOT_VALUES, 0); }
  snapshotTimestamps(): number { return this.raw.query(Query.SNAPSHOT_TIMESTAMPS, 0); }
  staleCount(): number { return this.raw.query(Query.STALE_COUNT, 0); }
  staleRefsPtr(): number { return this.raw.query(Query.STALE_REFS_PTR, 0); }
  seriesState(ref: number): number { return this.raw.seriesState(ref); }
  statFamilies(): number { return this.raw.query(Query.STAT_FAMILIES, 0); }
  statSkippedLines(): number { return this.raw.query(Query.STAT_SKIPPED_LINES, 0); }
  statBytes(): number { return this.raw.query(Query.STAT_BYTES, 0); }
  statDuplicates(): number { return this.raw.query(Query.STAT_DUPLICATES, 0); }
  statEvicted(): number { return this.raw.query(Query.STAT_EVICTED, 0); }
  statSeries(): number { return this.raw.query(Query.STAT_SERIES, 0); }
  statLabelArenaBytes(): number { return this.raw.query(Query.STAT_LABEL_ARENA_BYTES, 0); }
  statLabelTextBytes(): number { return this.raw.query(Query.STAT_LABEL_TEXT_BYTES, 0); }
  statLabelPairs(): number { return this.raw.query(Query.STAT_LABEL_PAIRS, 0); }
  statIndexBytes(): number { return this.raw.query(Query.STAT_INDEX_BYTES, 0); }
  statSymbolBytes(): number { return this.raw.query(Query.STAT_SYMBOL_BYTES, 0); }
  statSymbols(): number { return this.raw.query(Query.STAT_SYMBOLS, 0); }
  errorCode(): number { return this.raw.query(Query.ERROR_CODE, 0); }
  errorLine(): number { return this.raw.query(Query.ERROR_LINE, 0); }
  errorColumn(): number { return this.raw.query(Query.ERROR_COLUMN, 0); }
  errorTextPtr(): number { return this.raw.query(Query.ERROR_TEXT_PTR, 0); }
  errorTextLen(): number { return this.raw.query(Query.ERROR_TEXT_LEN, 0); }
  seriesLastSeen(ref: number): number { return this.raw.query(Query.SERIES_LAST_SEEN, ref); }
  seriesRefLimit(): number { return this.raw.query(Query.SERIES_REF_LIMIT, 0); }
  currentEpoch(): number { return this.raw.query(Query.CURRENT_EPOCH, 0); }
  lastTimestamp(): number { return this.raw.query(Query.LAST_TIMESTAMP, 0); }
  restore(epoch: number, timestampMs: number): void { this.raw.restore(epoch, timestampMs); }
  importSeries(length: number, state: number, lastSeen: number): number { return this.raw.importSeries(length, state, lastSeen); }
  importSample(ref: number, value: number, timestampMs: number): void { this.raw.importSample(ref, value, timestampMs); }
  importStale(ref: number): void { this.raw.importStale(ref); }
  keepsPrevious(): number { return this.raw.query(Query.KEEPS_PREVIOUS, 0); }
  previousCount(): number { return this.raw.query(Query.PREVIOUS_COUNT, 0); }
  previousRefsPtr(): number { return this.raw.query(Query.PREVIOUS_REFS_PTR, 0); }
  importPrevious(ref: number): void { this.raw.importPrevious(ref); }
  reportSeries(length: number): number { return this.raw.reportSeries(length); }
  reportTouch(): void { this.raw.reportTouch(); }
  reportSample(ref: number, value: number): void { this.raw.reportSample(ref, value); }
  reportClear(): void { this.raw.reportClear(); }
  batchInput(length: number): number { return this.raw.batchInput(length); }
  batchCompressRw1(length: number): number { return this.raw.batchCompressRw1(length); }
  batchCompressRw2(count: number, length: number): number { return this.raw.batchCompressRw2(count, length); }
  batchOutput(): number { return this.raw.query(Query.BATCH_OUTPUT, 0); }
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
  return new CoreAbi(instance.exports as unknown as RawCoreExports);
}
