/**
 * The host side of the WASM core: one instance per scrape source (its own series table and
 * snapshot). Chunks are copied into the instance's input window; the core parses complete lines
 * and keeps a partial last line for the next chunk. New series go to the resolver in batches
 * while the body streams (new-series.ts); requests are encoded into the instance's output buffer
 * and lent to a callback. A trap replaces the instance, and rebuild() makes a smaller one
 * (rebuild.ts); errors are built in core-error.ts.
 *
 * Views handed out (requests, snapshot columns, label bytes) point into WASM memory: they are
 * valid only until the next call on the same Core, since any call may grow (and so detach) the
 * memory or overwrite the buffer.
 */
import { Readable } from 'node:stream';
import { ScrapewireError } from '../errors';
import { CoreStatus } from './status';
import { Format, Protocol, SeriesState } from './enums';
import { instantiateCore, type CoreExports } from './wasm';
import { histogramOptions, type HistogramOptions } from './histogram-options';
import { coreLimits, memoryLimitPages, overMemoryLimit, type CoreLimits } from './limits';
import { coreError, sampleLimitError } from './core-error';
import { encodeLabels } from './label-codec';
import { resolveNewSeries, seriesLabels, setTargetLabelBytes, type TargetLabelBytes } from './new-series';
import { copyLiveState } from './rebuild';
import { createReportSeries, reportSeriesState, type ReportSeriesState } from './report-series';
import type {
  CompiledCoreModule, CoreMemoryStats, CoreOptions, EncodedRequest, EncodeOptions, ExpositionFormat, NewSeriesResolver,
  RemoteWriteProtocol, RequestEncoder, ScrapeOptions, ScrapeSummary, SnapshotView,
} from './types';
import type { Label } from '../labels';
import { RW1, RW2 } from '../remote-write-protocol';

const DEFAULT_MAX_LINE_BYTES = 1 << 20;
const DEFAULT_EVICT_AFTER_SCRAPES = 5;
const RESOLVE_BATCH = 4096;
/**
 * The most a feed copies into the input window at once (more when a partial line carried over is
 * longer, so a long line is rescanned at most about twice). Every byte of the window that a chunk
 * touched stays in the target's RSS (WASM memory is never given back): whole 64 KiB chunks kept
 * 64 KiB of window per target, pieces keep 16 KiB plus the longest line (bench/target-cost.bench.ts,
 * bench/RESULTS.md 2026-12-02).
 */
const FEED_PIECE_BYTES = 16 * 1024;

/** The core's protocol ids (enums.ts): the one place they are mapped. */
const CORE_PROTOCOL_ID: Readonly<Record<RemoteWriteProtocol, Protocol>> = { [RW1]: Protocol.RW1, [RW2]: Protocol.RW2 };

/** The WebAssembly core of one scrape source: exposition text in (streamed), remote-write requests out. */
export class Core {
  private exports: CoreExports;
  private bytes: Uint8Array;
  private readonly options: Required<Pick<CoreOptions, 'maxLineBytes' | 'evictAfterScrapes' | 'onParseError' | 'openMetricsValidation'>>;
  private readonly limits: CoreLimits;
  private readonly histograms: HistogramOptions;
  private readonly module: CompiledCoreModule | undefined;
  private scraping = false;
  /** The open RequestEncoder (openEncoder): while set, calls that change the scrape are refused. */
  private encoding: CoreRequestEncoder | undefined;
  /** setTargetLabels(): encoded target and external labels, kept to set again on a new instance. */
  private targetLabelBytes: TargetLabelBytes | undefined;
  /** The current scrape's resolver (begin()), and how many of its new series it has decided. */
  private resolver: NewSeriesResolver | undefined;
  private resolved = 0;
  private format: ExpositionFormat = 'text';
  private traps = 0;
  /** The input window's size (the core's: maxLineBytes, at least 64). */
  private readonly windowBytes: number;
  /** setReportSeries(): the labels, kept to make them again on a new instance, and their refs now. */
  private report: ReportSeriesState | undefined;

  private constructor(options: CoreOptions) {
    this.options = {
      maxLineBytes: options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
      evictAfterScrapes: options.evictAfterScrapes ?? DEFAULT_EVICT_AFTER_SCRAPES,
      onParseError: options.onParseError ?? 'fail',
      openMetricsValidation: options.openMetricsValidation ?? 'strict',
    };
    this.limits = coreLimits(options, this.options.maxLineBytes);
    this.windowBytes = Math.max(this.options.maxLineBytes, 64);
    this.histograms = options;
    this.module = options.module;
    this.exports = this.instantiate();
    this.bytes = new Uint8Array(this.exports.memory.buffer);
  }

  /** Creates a core (the WebAssembly module is compiled once per process). */
  static create(options: CoreOptions = {}): Core {
    return new Core(options);
  }

  private instantiate(): CoreExports {
    const exports = instantiateCore(this.module);
    exports.init(this.options.maxLineBytes, this.options.evictAfterScrapes);
    const { limits } = this;
    exports.setLimits(limits.sampleLimit, limits.seriesLimit, limits.labelLimit, limits.labelNameLengthLimit,
      limits.labelValueLengthLimit, memoryLimitPages(limits));
    exports.setHistogramOptions(...histogramOptions(this.histograms));
    exports.setNhcb(this.histograms.convertClassicHistogramsToNhcb === true ? 1 : 0);
    exports.setCreatedTimestampZeroIngestion(this.histograms.createdTimestampZeroIngestion === true ? 1 : 0);
    if (this.targetLabelBytes !== undefined) setTargetLabelBytes(exports, this.targetLabelBytes);
    if (this.report !== undefined && !this.report.retired) this.report.refs = createReportSeries(exports, this.report);
    return exports;
  }

  /**
   * Labels the core adds to every new series itself, before the resolver sees it: a scrape job's
   * target labels (job, instance, ...; with `honorLabels` a scraped label of the same name wins)
   * and external labels (added where the name is free). The resolver then gets only the series
   * whose own labels collide with a target label (Prometheus' exported_ rule is the host's). For
   * jobs without metric relabeling, write relabeling or label limits, where that is the whole
   * decision: done here it costs a merge of encoded labels instead of ~8 µs of JS per new series.
   * Labels must not have empty values. Call before a scrape; an empty call turns it off.
   */
  setTargetLabels(target: readonly Label[], external: readonly Label[] = [], honorLabels = false): void {
    this.notEncoding('setTargetLabels');
    if ([...target, ...external].some(([, value]) => value === '')) {
      throw new ScrapewireError('ERR_USAGE', 'setTargetLabels(): labels with empty values cannot be merged in the core');
    }
    this.targetLabelBytes = target.length + external.length === 0 ? undefined
      : { target: encodeLabels(target), external: encodeLabels(external), honorLabels };
    this.guarded(() => setTargetLabelBytes(this.exports, this.targetLabelBytes));
  }

  /**
   * Series written with every scrape after the page's samples, whatever became of the page: a
   * scrape target's `up`, `scrape_duration_seconds`... (src/scrape/report-series.ts), so they
   * take no second core and travel in the page's requests. `labelSets` are final (sorted or not,
   * `__name__` included; null: not written); no resolver sees them and no page line reaches them.
   * Their values are given after each finish() (appendReport); a finished scrape never marks them
   * stale, until retireReport(). Call once, before the first scrape.
   */
  setReportSeries(labelSets: readonly (readonly Label[] | null)[]): void {
    this.notEncoding('setReportSeries');
    if (this.report !== undefined) throw new ScrapewireError('ERR_USAGE', 'setReportSeries() called twice');
    const report = reportSeriesState(labelSets);
    this.report = report;
    this.guarded(() => { report.refs = createReportSeries(this.exports, report); });
  }

  /**
   * Appends the report series' samples to the last scrape (after finish(), or after a failed
   * scrape's abort() and an empty scrape), at its timestamp, in setReportSeries() order; they are
   * encoded with it. Not part of snapshot(). Returns the samples appended.
   */
  appendReport(values: readonly number[]): number {
    this.notEncoding('appendReport');
    const report = this.report;
    if (report === undefined || report.retired) return 0;
    if (this.scraping) throw new ScrapewireError('ERR_USAGE', 'appendReport() during a scrape: call finish() first');
    if (report.appended !== 0) throw new ScrapewireError('ERR_USAGE', 'appendReport() twice for one scrape');
    this.guarded(() => {
      for (let i = 0; i < report.refs.length; i++) {
        if (report.refs[i] === 0) continue;
        this.exports.reportSample(report.refs[i], values[i]);
        report.appended++;
      }
    });
    return report.appended;
  }

  /** The report series go away (the target did): the next finish() gives each one a staleness marker. */
  retireReport(): void {
    this.notEncoding('retireReport');
    if (this.report === undefined || this.report.retired) return;
    this.report.retired = true;
    this.guarded(() => this.exports.reportClear());
  }

  /** The memory as bytes, rebuilt when a grow detached the previous buffer. */
  private get view(): Uint8Array {
    if (this.bytes.buffer !== this.exports.memory.buffer) this.bytes = new Uint8Array(this.exports.memory.buffer);
    return this.bytes;
  }

  /** Runs a call into the core; a trap (a bug, never bad input) replaces the instance. */
  private guarded<T>(call: () => T): T {
    try {
      return call();
    } catch (err) {
      throw this.trapped(err);
    }
  }

  /**
   * What a call into the core that threw `err` throws: a trap (WebAssembly.RuntimeError) rebuilds
   * the instance, its series cache lost, and becomes ERR_CORE_TRAP; anything else is as it was.
   */
  private trapped(err: unknown): unknown {
    if (!(err instanceof WebAssembly.RuntimeError)) return err;
    this.traps++;
    this.scraping = false;
    this.encoding = undefined;
    this.exports = this.instantiate();
    this.bytes = new Uint8Array(this.exports.memory.buffer);
    return new ScrapewireError('ERR_CORE_TRAP', `the core trapped (${err.message}); its series cache was rebuilt`, { cause: err });
  }

  private notEncoding(method: string): void {
    if (this.encoding !== undefined) {
      throw new ScrapewireError('ERR_USAGE', `${method}() while a RequestEncoder is open: encode to its end or close() it first`);
    }
  }

  /** How many times the instance was rebuilt after a trap. */
  get trapCount(): number {
    return this.traps;
  }

  /**
   * Starts a scrape; the previous scrape's snapshot becomes the staleness reference. With
   * `resolve`, new series are decided while the body streams, RESOLVE_BATCH at a time, instead of
   * all at finish(): a first scrape of a huge page that times out still leaves its decided series
   * known, so the next one does not start over (a 200 MB page with 562k new series could otherwise
   * overrun its timeout every time).
   */
  begin(options: ScrapeOptions, resolve?: NewSeriesResolver): void {
    this.notEncoding('begin');
    // Memory never shrinks: a core that passed its memory limit (a scrape failed on it, or
    // encoding grew it) starts over with its live series first.
    if (!this.scraping && overMemoryLimit(this.limits, this.exports.memory.buffer.byteLength)) this.rebuild();
    this.resolver = resolve;
    this.resolved = 0;
    this.format = options.format;
    if (this.report !== undefined) this.report.appended = 0;
    const skip = this.options.onParseError === 'skip' ? 1 : 0;
    this.guarded(() =>
      this.exports.begin(
        options.format === 'openmetrics' ? Format.OPENMETRICS : options.format === 'protobuf' ? Format.PROTOBUF : Format.TEXT,
        options.timestampMs,
        options.honorTimestamps === false ? 0 : 1,
        skip,
        this.options.openMetricsValidation === 'strict' ? 1 : 0,
        resolve === undefined ? 0 : RESOLVE_BATCH,
      ),
    );
    this.scraping = true;
  }

  /** Parses a chunk of any size. Throws a ScrapewireError (with line and column) on bad input. */
  feed(chunk: Uint8Array): void {
    if (!this.scraping) throw new ScrapewireError('ERR_USAGE', 'feed() before begin() or after an error');
    const e = this.exports;
    let offset = 0;
    this.guarded(() => {
      while (offset < chunk.length) {
        const space = e.inputSpace();
        const carried = this.windowBytes - space;
        const n = Math.min(space, chunk.length - offset, Math.max(FEED_PIECE_BYTES, carried));
        this.view.set(chunk.subarray(offset, offset + n), e.inputPtr());
        offset += n;
        let status = e.feed(n);
        // The core paused for decisions on the new series so far (RESOLVE_BATCH of them, or
        // fewer once past the sample limit): made here, while the body streams.
        while (status === CoreStatus.RESOLVE) {
          this.resolveRange(this.resolver!, e.newSeriesCount());
          status = e.resumeFeed();
        }
        if (status !== CoreStatus.OK) this.raise();
      }
    });
  }

  private raise(): never {
    this.scraping = false;
    const e = this.exports;
    const text = e.errorTextPtr();
    throw coreError({
      code: e.errorCode(),
      line: e.errorLine(),
      column: e.errorColumn(),
      came: text === 0 ? undefined : this.view.slice(text, text + e.errorTextLen()),
    }, this.limits);
  }

  /**
   * Ends the body: parses a last line without newline, finds stale series, hands the new series
   * not decided yet to `resolve` (or begin()'s resolver; once each, and the core remembers the
   * decisions) and returns the summary.
   */
  finish(resolve?: NewSeriesResolver): ScrapeSummary {
    if (!this.scraping) throw new ScrapewireError('ERR_USAGE', 'finish() before begin() or after an error');
    const e = this.exports;
    const resolver = resolve ?? this.resolver;
    this.resolver = undefined;
    return this.guarded(() => {
      // Report series are written with every scrape: never stale while they are set.
      if (this.report !== undefined && !this.report.retired) e.reportTouch();
      if (e.finish() !== CoreStatus.OK) this.raise();
      this.scraping = false;
      const newSeries = e.newSeriesCount();
      if (resolver !== undefined && newSeries > this.resolved) this.resolveRange(resolver, newSeries);
      const kept = e.resolveDone();
      // Past the sample limit with the last decisions made (the core checked it line by line
      // as far as it could; see assembly/limits.ts).
      if (this.limits.sampleLimit !== 0 && kept > this.limits.sampleLimit) throw sampleLimitError(kept, this.limits);
      const summary: ScrapeSummary = {
        families: e.statFamilies(),
        samples: e.snapshotLength(),
        newSeries,
        staleSeries: e.staleCount(),
        samplesPostRelabel: kept,
        skippedLines: e.statSkippedLines(),
        bytes: e.statBytes(),
      };
      return summary;
    });
  }

  /**
   * New series go to the resolver in batches of RESOLVE_BATCH: a first scrape of a 100 MB page
   * has ~280k of them, and decoding them all at once held ~600 MB of JS objects at the peak
   * (collector on a 100 MB page: VmHWM 903 MB before, see bench/RESULTS.md 2026-11-24).
   */
  private resolveRange(resolve: NewSeriesResolver, end: number): void {
    for (let start = this.resolved; start < end; start += RESOLVE_BATCH) {
      // Target labels merged in the core first (setTargetLabels); the resolver gets the rest.
      const autoResolve = this.targetLabelBytes !== undefined;
      resolveNewSeries(this.exports, resolve, start, Math.min(end, start + RESOLVE_BATCH), autoResolve, (ref) => this.labelsOf(ref));
    }
    this.resolved = end;
  }

  /** Gives up on the current scrape (timeout, limit, transport error): nothing of it is encoded. */
  abort(): void {
    this.notEncoding('abort');
    this.resolver = undefined;
    if (this.report !== undefined) this.report.appended = 0;
    if (!this.scraping) {
      // Also valid after a parse error: the snapshot must not keep the failed scrape's samples.
      this.guarded(() => this.exports.abortScrape());
      return;
    }
    this.scraping = false;
    this.guarded(() => this.exports.abortScrape());
  }

  /** Feeds a whole body (a Node Readable or any iterable of chunks) and finishes the scrape. */
  async scrape(
    body: AsyncIterable<Uint8Array> | Iterable<Uint8Array> | Readable,
    options: ScrapeOptions,
    resolve?: NewSeriesResolver,
  ): Promise<ScrapeSummary> {
    this.begin(options, resolve);
    try {
      for await (const chunk of body as AsyncIterable<Uint8Array>) this.feed(chunk);
      return this.finish();
    } catch (err) {
      this.abort();
      throw err;
    }
  }

  /** A series' labels (sorted, `__name__` included). Decodes bytes: for new series, not per sample. */
  labelsOf(ref: number): Label[] {
    return seriesLabels(this.exports, ref);
  }

  /** Evicts a series now, so the next scrape treats it as new (used when it broke a limit). */
  forget(ref: number): void {
    this.notEncoding('forget');
    this.guarded(() => this.exports.forget(ref));
  }

  /**
   * Encodes the last scrape (and its staleness markers) as remote-write requests, calling
   * `onRequest` with each one. The bytes are a view into WASM memory, valid only during the
   * callback (snappy-compressed by the core with `compress`). Returns the number of requests.
   */
  encode(
    protocol: RemoteWriteProtocol,
    options: EncodeOptions,
    onRequest: (request: Uint8Array, samples: number) => void,
  ): number {
    const encoder = this.openEncoder(protocol, options);
    let requests = 0;
    try {
      for (let request = encoder.next(); request !== undefined; request = encoder.next()) {
        onRequest(request.body, request.samples);
        requests++;
      }
    } finally {
      encoder.close();
    }
    return requests;
  }

  /**
   * The last scrape's requests one at a time, for a host that yields to its event loop between
   * them (src/scrape/sample-sink.ts writeScrapeInSlices: the end of the first scrape of a 200 MB
   * page took ~1 s in one piece otherwise). Requests are the ones encode() would make, in the same
   * order. Until the encoder is done or closed, the Core refuses calls that change the scrape
   * (ERR_USAGE): the next scrape cannot begin while this one is being encoded.
   */
  openEncoder(protocol: RemoteWriteProtocol, options: EncodeOptions = {}): RequestEncoder {
    if (this.scraping) throw new ScrapewireError('ERR_USAGE', 'encode() during a scrape: call finish() first');
    this.notEncoding('encode');
    this.guarded(() => {
      const e = this.exports;
      e.setEncodeHistograms(options.nativeHistograms === false ? 0 : 1);
      e.setEncodeExemplars(options.exemplars === true ? 1 : 0);
      e.encodeBegin(CORE_PROTOCOL_ID[protocol], options.maxSamplesPerRequest ?? 0, options.includeStale === false ? 0 : 1);
    });
    const encoder = new CoreRequestEncoder(this, protocol, options.compress === true);
    this.encoding = encoder;
    return encoder;
  }

  /** @internal CoreRequestEncoder.next: the encoder's next request, or undefined when done. */
  encoderNext(encoder: CoreRequestEncoder): EncodedRequest | undefined {
    if (this.encoding !== encoder) return undefined;
    try {
      const e = this.exports;
      const len = e.encodeNext();
      if (len === 0) {
        this.encoding = undefined;
        return undefined;
      }
      let at: number;
      let length: number;
      if (encoder.compress) {
        // encodeNext() reserved the room compressing needs, so it never grows the memory.
        length = e.compressOutput();
        at = e.compressedPtr();
      } else {
        at = e.outputPtr();
        length = len;
      }
      return { protocol: encoder.protocol, body: this.view.subarray(at, at + length), samples: e.requestSamples() };
    } catch (err) {
      throw this.trapped(err);
    }
  }

  /** @internal CoreRequestEncoder.close and .open. */
  encoderOpen(encoder: CoreRequestEncoder, close: boolean): boolean {
    const open = this.encoding === encoder;
    if (open && close) this.encoding = undefined;
    return open;
  }

  /**
   * The hand-off to delivery: encodes the last scrape in `protocol` and gives each request to
   * `onRequest` finished (protocol, bytes, samples) and uncompressed: the send queue copies it
   * into a batch with other targets' requests and compresses once per batch. `body` is a view
   * into WASM memory, valid only during the callback: copying it there into a buffer the queue
   * reuses costs 1-2 us for ~95 KB, a fresh owned copy 30-75 us (bench/RESULTS.md, delivery,
   * 2026-12-02). One request at a time, so a huge page never holds all its requests at once.
   * Returns the number of requests.
   */
  encodeRequests(
    protocol: RemoteWriteProtocol,
    options: Pick<EncodeOptions, 'maxSamplesPerRequest' | 'includeStale' | 'nativeHistograms' | 'exemplars'>,
    onRequest: (request: EncodedRequest) => void,
  ): number {
    return this.encode(protocol, { ...options, compress: false }, (body, samples) => onRequest({ protocol, body, samples }));
  }

  /**
   * The last scrape's families' metadata as remote-write 1.0 WriteRequests of at most
   * `maxPerRequest` entries each (metadata_config.max_samples_per_send, counted in MetricMetadata
   * entries as Prometheus counts them; 0: one request), each handed to `onRequest` with its entry
   * count; the view is valid only during the callback. Returns the number of requests.
   */
  encodeMetadataRequests(maxPerRequest: number, onRequest: (request: Uint8Array, entries: number) => void): number {
    return this.guarded(() => {
      const e = this.exports;
      let requests = 0;
      for (let first = 0; ; first = e.metadataNext()) {
        const len = e.encodeMetadataFrom(first, maxPerRequest);
        if (len === 0) return requests;
        const ptr = e.outputPtr();
        onRequest(this.view.subarray(ptr, ptr + len), e.metadataEntries());
        requests++;
      }
    });
  }

  /**
   * A remote-write 1.0 WriteRequest holding only metadata (type, help, unit) of the last scrape's
   * families, or undefined when there is none. The view is valid until the next call on the Core.
   */
  encodeMetadata(): Uint8Array | undefined {
    this.notEncoding('encodeMetadata');
    return this.guarded(() => {
      const len = this.exports.encodeMetadata();
      if (len === 0) return undefined;
      const ptr = this.exports.outputPtr();
      return this.view.subarray(ptr, ptr + len);
    });
  }

  /** The last scrape's columns, the page's samples only (see SnapshotView for how long they stay valid). */
  snapshot(): SnapshotView {
    const e = this.exports;
    // Report samples (appendReport) come last, and are not the page's.
    const n = e.snapshotLength() - (this.report?.appended ?? 0);
    const buffer = this.exports.memory.buffer;
    const stale = e.staleCount();
    return {
      refs: new Uint32Array(buffer, e.snapshotRefs(), n),
      values: new Float64Array(buffer, e.snapshotValues(), n),
      timestamps: new Float64Array(buffer, e.snapshotTimestamps(), n),
      staleRefs: new Uint32Array(buffer, e.staleRefsPtr(), stale),
    };
  }

  /** Whether a series is kept (encoded), by ref. */
  isKept(ref: number): boolean {
    return this.exports.seriesState(ref) === SeriesState.KEPT;
  }

  /** The format of the current or last scrape. */
  get lastFormat(): ExpositionFormat {
    return this.format;
  }

  /** The core's memory and the live series it holds. */
  memoryStats(): CoreMemoryStats {
    const e = this.exports;
    return {
      wasmBytes: e.memory.buffer.byteLength,
      series: e.statSeries(),
      labelArenaBytes: e.statLabelArenaBytes(),
      labelTextBytes: e.statLabelTextBytes(),
      labelPairs: e.statLabelPairs(),
      indexBytes: e.statIndexBytes(),
      symbolBytes: e.statSymbolBytes(),
      symbols: e.statSymbols(),
    };
  }

  /**
   * Replaces the instance by a fresh one holding only the live series, the last scrape and its
   * staleness markers: WASM memory never shrinks, so after a spike (a page with many series
   * that went away) this is how the memory goes back. Series refs change: views and ref-keyed
   * host state from before are invalid. Dropped series are not carried over (the resolver decides
   * on them again when they come back), nor is the last scrape's metadata (the next scrape has it).
   * Call it between scrapes. Returns the bytes of WASM memory given back.
   */
  rebuild(): number {
    this.notEncoding('rebuild');
    if (this.scraping) throw new ScrapewireError('ERR_USAGE', 'rebuild() during a scrape');
    const old = this.exports;
    const before = old.memory.buffer.byteLength;
    const oldReportRefs = this.report?.refs ?? [];
    const next = this.instantiate();
    this.exports = next;
    this.bytes = new Uint8Array(next.memory.buffer);
    // Report series are made anew by instantiate(): the old ones map to them, not copied as page series.
    const reportRefs = new Map<number, number>();
    if (this.report !== undefined && !this.report.retired) oldReportRefs.forEach((ref, i) => { if (ref !== 0) reportRefs.set(ref, this.report!.refs[i]); });
    copyLiveState(old, next, reportRefs);
    return before - next.memory.buffer.byteLength;
  }

  /** Samples dropped because their series appeared twice in one scrape (the first one counts). */
  get duplicateSamples(): number {
    return this.exports.statDuplicates();
  }

  /** Series evicted at the end of the last scrape (not seen for evictAfterScrapes scrapes). */
  get evictedSeries(): number {
    return this.exports.statEvicted();
  }
}

/**
 * Core.openEncoder's encoder: one object per encode, its state in the Core (which encoder is
 * open), so a scrape's hand-off allocates no closures (they were ~1 KB of a small scrape's
 * allocations; bench/RESULTS.md, 2026-12-03).
 */
class CoreRequestEncoder implements RequestEncoder {
  constructor(private readonly core: Core, readonly protocol: RemoteWriteProtocol, readonly compress: boolean) {}

  get open(): boolean {
    return this.core.encoderOpen(this, false);
  }

  next(): EncodedRequest | undefined {
    return this.core.encoderNext(this);
  }

  close(): void {
    this.core.encoderOpen(this, true);
  }
}
