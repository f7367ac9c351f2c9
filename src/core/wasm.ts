/**
 * Finds, compiles (once per process) and instantiates the core's WebAssembly module.
 * The module has no imports: every instance owns its memory and nothing else.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ScrapewireError } from '../errors';
import type { CompiledCoreModule } from './types';
import { Command, CoreOption, Query } from './enums';

/**
 * The core's ABI as the host calls it, one method per function (assembly/index.ts). Pointers and
 * lengths are byte offsets in `memory`. Most of them are one export in the module, `command` (V8
 * builds wrapper objects per export per instance: assembly/command.ts); CoreAbi gives them their
 * names back with methods on its prototype, shared by every instance.
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

/** What the module exports (assembly/index.ts): the calls made per chunk, new series or request, and `command`. */
interface RawCoreExports {
  memory: WebAssembly.Memory;
  /** command(op, a, b, c, d, e, f): a Command (enums.ts) */
  command(op: Command, a?: number, b?: number, c?: number, d?: number, e?: number, f?: number): number;
  inputPtr(): number;
  inputSpace(): number;
  feed(length: number): number;
  newSeriesRef(i: number): number;
  seriesState(ref: number): number;
  labelsPtr(ref: number): number;
  labelsLen(ref: number): number;
  keep(ref: number): void;
  encodeNext(): number;
}

/** CoreExports over the module's exports: one small object per instance, its methods shared. */
class CoreAbi implements CoreExports {
  readonly memory: WebAssembly.Memory;
  constructor(private readonly raw: RawCoreExports) {
    this.memory = raw.memory;
  }
  private query(what: Query, arg = 0): number { return this.raw.command(Command.QUERY, what, arg); }
  private option(option: CoreOption, a: number, b = 0, c = 0, d = 0): void { this.raw.command(Command.SET_OPTION, option, a, b, c, d); }
  init(maxLineBytes: number, evictAfterScrapes: number): void { this.raw.command(Command.INIT, maxLineBytes, evictAfterScrapes); }
  setLimits(samples: number, series: number, labels: number, nameLength: number, valueLength: number, memoryPages: number): void {
    this.raw.command(Command.SET_LIMITS, samples, series, labels, nameLength, valueLength, memoryPages);
  }
  setHistogramOptions(scrapeNative: number, alwaysClassic: number, bucketLimit: number, maxSchema: number): void {
    this.option(CoreOption.HISTOGRAMS, scrapeNative, alwaysClassic, bucketLimit, maxSchema);
  }
  setEncodeHistograms(on: number): void { this.option(CoreOption.ENCODE_HISTOGRAMS, on); }
  setEncodeExemplars(on: number): void { this.option(CoreOption.ENCODE_EXEMPLARS, on); }
  setNhcb(on: number): void { this.option(CoreOption.NHCB, on); }
  setCreatedTimestampZeroIngestion(on: number): void { this.option(CoreOption.CREATED_TIMESTAMP_ZERO_INGESTION, on); }
  histogramCount(): number { return this.query(Query.HISTOGRAM_COUNT); }
  begin(format: number, timestampMs: number, honorTimestamps: number, skipErrors: number, strictOpenMetrics: number, resolveBatch: number): void {
    this.raw.command(Command.BEGIN, format, timestampMs, honorTimestamps, skipErrors, strictOpenMetrics, resolveBatch);
  }
  inputPtr(): number { return this.raw.inputPtr(); }
  inputSpace(): number { return this.raw.inputSpace(); }
  feed(length: number): number { return this.raw.feed(length); }
  resumeFeed(): number { return this.raw.command(Command.RESUME_FEED); }
  finish(): number { return this.raw.command(Command.FINISH); }
  abortScrape(): void { this.raw.command(Command.ABORT_SCRAPE); }
  newSeriesCount(): number { return this.query(Query.NEW_SERIES_COUNT); }
  newSeriesRef(i: number): number { return this.raw.newSeriesRef(i); }
  labelsPtr(ref: number): number { return this.raw.labelsPtr(ref); }
  labelsLen(ref: number): number { return this.raw.labelsLen(ref); }
  keep(ref: number): void { this.raw.keep(ref); }
  targetLabels(targetLen: number, externalLen: number, honorLabels: number): void { this.raw.command(Command.TARGET_LABELS, targetLen, externalLen, honorLabels); }
  autoResolve(from: number, to: number): number { return this.raw.command(Command.AUTO_RESOLVE, from, to); }
  drop(ref: number): void { this.raw.command(Command.DROP, ref); }
  rewriteBufferPtr(length: number): number { return this.raw.command(Command.REWRITE_BUFFER_PTR, length); }
  rewrite(ref: number, length: number): void { this.raw.command(Command.REWRITE, ref, length); }
  forget(ref: number): void { this.raw.command(Command.FORGET, ref); }
  resolveDone(): number { return this.raw.command(Command.RESOLVE_DONE); }
  encodeBegin(protocol: number, maxSamples: number, includeStale: number): void { this.raw.command(Command.ENCODE_BEGIN, protocol, maxSamples, includeStale); }
  encodeNext(): number { return this.raw.encodeNext(); }
  encodeMetadata(): number { return this.raw.command(Command.ENCODE_METADATA_FROM, 0, 0); }
  encodeMetadataFrom(first: number, max: number): number { return this.raw.command(Command.ENCODE_METADATA_FROM, first, max); }
  metadataEntries(): number { return this.query(Query.METADATA_ENTRIES); }
  metadataNext(): number { return this.query(Query.METADATA_NEXT); }
  outputPtr(): number { return this.query(Query.OUTPUT_PTR); }
  compressOutput(): number { return this.raw.command(Command.COMPRESS_OUTPUT); }
  compressedPtr(): number { return this.query(Query.COMPRESSED_PTR); }
  requestSamples(): number { return this.query(Query.REQUEST_SAMPLES); }
  snapshotLength(): number { return this.query(Query.SNAPSHOT_LENGTH); }
  snapshotRefs(): number { return this.query(Query.SNAPSHOT_REFS); }
  snapshotValues(): number { return this.query(Query.SNAPSHOT_VALUES); }
  snapshotTimestamps(): number { return this.query(Query.SNAPSHOT_TIMESTAMPS); }
  staleCount(): number { return this.query(Query.STALE_COUNT); }
  staleRefsPtr(): number { return this.query(Query.STALE_REFS_PTR); }
  seriesState(ref: number): number { return this.raw.seriesState(ref); }
  statFamilies(): number { return this.query(Query.STAT_FAMILIES); }
  statSkippedLines(): number { return this.query(Query.STAT_SKIPPED_LINES); }
  statBytes(): number { return this.query(Query.STAT_BYTES); }
  statDuplicates(): number { return this.query(Query.STAT_DUPLICATES); }
  statEvicted(): number { return this.query(Query.STAT_EVICTED); }
  statSeries(): number { return this.query(Query.STAT_SERIES); }
  statLabelArenaBytes(): number { return this.query(Query.STAT_LABEL_ARENA_BYTES); }
  statLabelTextBytes(): number { return this.query(Query.STAT_LABEL_TEXT_BYTES); }
  statLabelPairs(): number { return this.query(Query.STAT_LABEL_PAIRS); }
  statIndexBytes(): number { return this.query(Query.STAT_INDEX_BYTES); }
  statSymbolBytes(): number { return this.query(Query.STAT_SYMBOL_BYTES); }
  statSymbols(): number { return this.query(Query.STAT_SYMBOLS); }
  errorCode(): number { return this.query(Query.ERROR_CODE); }
  errorLine(): number { return this.query(Query.ERROR_LINE); }
  errorColumn(): number { return this.query(Query.ERROR_COLUMN); }
  errorTextPtr(): number { return this.query(Query.ERROR_TEXT_PTR); }
  errorTextLen(): number { return this.query(Query.ERROR_TEXT_LEN); }
  seriesLastSeen(ref: number): number { return this.query(Query.SERIES_LAST_SEEN, ref); }
  seriesRefLimit(): number { return this.query(Query.SERIES_REF_LIMIT); }
  currentEpoch(): number { return this.query(Query.CURRENT_EPOCH); }
  lastTimestamp(): number { return this.query(Query.LAST_TIMESTAMP); }
  restore(epoch: number, timestampMs: number): void { this.raw.command(Command.RESTORE, epoch, timestampMs); }
  importSeries(length: number, state: number, lastSeen: number): number { return this.raw.command(Command.IMPORT_SERIES, length, state, lastSeen); }
  importSample(ref: number, value: number, timestampMs: number): void { this.raw.command(Command.IMPORT_SAMPLE, ref, value, timestampMs); }
  importStale(ref: number): void { this.raw.command(Command.IMPORT_STALE, ref); }
  keepsPrevious(): number { return this.query(Query.KEEPS_PREVIOUS); }
  previousCount(): number { return this.query(Query.PREVIOUS_COUNT); }
  previousRefsPtr(): number { return this.query(Query.PREVIOUS_REFS_PTR); }
  importPrevious(ref: number): void { this.raw.command(Command.IMPORT_PREVIOUS, ref); }
  reportSeries(length: number): number { return this.raw.command(Command.REPORT_SERIES, length); }
  reportTouch(): void { this.raw.command(Command.REPORT_TOUCH); }
  reportSample(ref: number, value: number): void { this.raw.command(Command.REPORT_SAMPLE, ref, value); }
  reportClear(): void { this.raw.command(Command.REPORT_CLEAR); }
  batchInput(length: number): number { return this.raw.command(Command.BATCH_INPUT, length); }
  batchCompressRw1(length: number): number { return this.raw.command(Command.BATCH_COMPRESS_RW1, length); }
  batchCompressRw2(count: number, length: number): number { return this.raw.command(Command.BATCH_COMPRESS_RW2, count, length); }
  batchOutput(): number { return this.query(Query.BATCH_OUTPUT); }
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
