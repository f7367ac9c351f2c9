/**
 * Public types of the core wrapper (src/core/). The WASM core parses exposition text and
 * encodes remote-write requests; these are the shapes the host sees.
 */
import type { RemoteWriteProtocol } from '../remote-write-protocol';
import type { Label } from '../labels';

/**
 * `text` is the Prometheus text format (0.0.4 and 1.0.0); `openmetrics` is OpenMetrics 1.0 text;
 * `protobuf` the delimited protobuf exposition (io.prometheus.client.MetricFamily messages).
 */
export type ExpositionFormat = 'text' | 'openmetrics' | 'protobuf';

export type { RemoteWriteProtocol };

/** One finished remote-write request (Core.encodeRequests). */
export interface EncodedRequest {
  protocol: RemoteWriteProtocol;
  /** The serialized request, uncompressed; a view valid only while it is handed over (copy to keep it). */
  body: Uint8Array;
  /**
   * Samples in it as max_samples_per_send counts them (Prometheus' queue: each item one):
   * samples, staleness markers, histograms, 1.0 zero samples (createdTimestampZeroIngestion) and
   * exemplars.
   */
  samples: number;
}

export type { Label };

/**
 * A scrape's requests one at a time (Core.openEncoder), for a host that lets its event loop run
 * between requests. `next()` encodes the next request, or returns undefined when there is none
 * left; its body is a view into WASM memory, valid until the next call on the encoder or the Core.
 * While an encoder is open (until `next()` returned undefined, or `close()`), the Core refuses
 * every call that would change the scrape or its encoding (ERR_USAGE): begin, finish, abort,
 * appendReport, another encode, rebuild...
 */
export interface RequestEncoder {
  /** The next request, or undefined when the scrape is all encoded (the encoder is then closed). */
  next(): EncodedRequest | undefined;
  /** Gives the Core back before the end (what was not encoded yet is not). Idempotent. */
  close(): void;
  /** False once next() returned undefined, close() was called, or the core trapped. */
  readonly open: boolean;
}

/** A metric family's TYPE, as the exposition formats name it. */
export type MetricType =
  | 'unknown'
  | 'counter'
  | 'gauge'
  | 'histogram'
  | 'gaugehistogram'
  | 'summary'
  | 'info'
  | 'stateset';

/** Limits and parsing choices of a core (Core.create). */
export interface CoreOptions {
  /** Longest accepted exposition line in bytes; a longer line is an error, never an allocation. Default 1 MiB. */
  maxLineBytes?: number;
  /** A series not seen for this many scrapes is evicted and its memory reused. Default 5. */
  evictAfterScrapes?: number;
  /** `fail` (Prometheus): the first bad line fails the scrape. `skip` (vmagent): bad lines are counted and skipped. */
  onParseError?: 'fail' | 'skip';
  /**
   * `strict` (default): OpenMetrics input must follow every rule of the specification, as the
   * OpenMetrics parser suite requires (`scrapewire check`). `syntax`: only its syntax, as
   * Prometheus' scraper checks it; real client libraries break some family-level rules (a
   * histogram with negative buckets and a _sum), and a scrape should not fail for that.
   */
  openMetricsValidation?: 'strict' | 'syntax';
  /**
   * Limits, checked by the core while it parses (0: none; see src/core/limits.ts). Each ends the
   * scrape with a ScrapewireError naming the limit and the line, the moment it is passed:
   * - sampleLimit: samples of series not dropped by the resolver (Prometheus' sample_limit).
   *   Series the resolver has not decided yet count as kept: with a resolver given to begin(),
   *   the core stops to ask for its decisions before it concludes (ERR_SAMPLE_LIMIT).
   * - seriesLimit: series the core holds, kept, dropped or undecided (ERR_SERIES_LIMIT).
   * - labelLimit, labelNameLengthLimit, labelValueLengthLimit: a new series' labels as scraped,
   *   before they are sorted or stored (ERR_LABEL_LIMIT...). Exact only when nothing removes labels
   *   afterwards (no metric relabeling); otherwise leave them to the resolver.
   */
  sampleLimit?: number;
  seriesLimit?: number;
  labelLimit?: number;
  labelNameLengthLimit?: number;
  labelValueLengthLimit?: number;
  /**
   * Size the core's memory may grow to, in bytes. Past it a scrape fails (ERR_MEMORY_LIMIT) and
   * the core is rebuilt with its live series before the next one. Default 256 MiB (a 200 MB page
   * of 562k series takes 128 MiB); 0: no limit.
   */
  maxMemoryBytes?: number;
  /**
   * Native histograms in protobuf pages (Prometheus' scrape_native_histograms): a histogram with
   * native parts is read as one histogram sample instead of classic series. Default false.
   */
  scrapeNativeHistograms?: boolean;
  /** always_scrape_classic_histograms: a native histogram's classic buckets are read too. Default false. */
  alwaysScrapeClassicHistograms?: boolean;
  /** native_histogram_bucket_limit: past it a histogram's resolution is reduced, and the scrape fails at schema -4. 0: none. */
  nativeHistogramBucketLimit?: number;
  /** native_histogram_min_bucket_factor: histograms of a finer schema are reduced to the one it gives. 0: none. */
  nativeHistogramMinBucketFactor?: number;
  /**
   * convert_classic_histograms_to_nhcb: the _bucket, _count and _sum samples of a classic
   * histogram (text, OpenMetrics or protobuf) become one native histogram with custom buckets
   * (schema -53); the classic series are ingested too only with alwaysScrapeClassicHistograms.
   * Default false.
   */
  convertClassicHistogramsToNhcb?: boolean;
  /**
   * created_timestamp_zero_ingestion (scrapewire's per-job form of Prometheus'
   * `--enable-feature=created-timestamp-zero-ingestion`): an OpenMetrics `_created` line of a
   * counter, summary or histogram family is not a series but the start timestamp of its samples
   * (2.0 start_timestamp, as protobuf created timestamps are), and remote write 1.0 gets a zero
   * sample at a start timestamp older than its sample and newer than the series' last sample.
   * Default false.
   */
  createdTimestampZeroIngestion?: boolean;
  /** A compiled core module other than the release build (loadCoreModule('build/debug.wasm')): for tests. */
  module?: CompiledCoreModule;
}

/**
 * A compiled core module: a WebAssembly.Module, typed opaquely so that the package's declarations
 * compile for consumers whose `lib` has no WebAssembly namespace (ES2022 with @types/node).
 */
export type CompiledCoreModule = object;

/** One scrape's format, timestamp and timestamp policy (Core.begin, Core.scrape). */
export interface ScrapeOptions {
  format: ExpositionFormat;
  /** The scrape's timestamp in ms, used for samples that carry none. */
  timestampMs: number;
  /** When false, samples' own timestamps are ignored (Prometheus honor_timestamps: false). Default true. */
  honorTimestamps?: boolean;
}

/** One series seen for the first time (or after eviction), waiting for the host's decision. */
export interface NewSeries {
  /** Stable for the series' life in this core. */
  readonly ref: number;
  /** Sorted by name, `__name__` included. */
  readonly labels: Label[];
}

/**
 * The host's verdict on a new series: keep as is, drop (never encoded, decided once),
 * or keep with a rewritten label set (it is then sorted and encoded once).
 */
export type SeriesDecision =
  | { action: 'keep' }
  | { action: 'drop' }
  | { action: 'rewrite'; labels: Label[] };

/**
 * Called with the new series of a scrape, in batches (several calls per scrape when there are
 * many), once per series; returns a decision per series (same order) or nothing (keep all).
 */
export type NewSeriesResolver = (batch: readonly NewSeries[]) => readonly SeriesDecision[] | void;

/** What one scrape held: samples, series new and kept, lines skipped (Core.finish). */
export interface ScrapeSummary {
  /** Metric families (distinct metric names with metadata, or bare names) seen. */
  families: number;
  /** Sample lines accepted. */
  samples: number;
  /** Series newly added to the series table by this scrape. */
  newSeries: number;
  /** Series of the previous scrape missing from this one (they get staleness markers). */
  staleSeries: number;
  /** Samples kept after the resolver's drop decisions. */
  samplesPostRelabel: number;
  /** Lines skipped with onParseError 'skip'. */
  skippedLines: number;
  /** Bytes of exposition text consumed. */
  bytes: number;
}

/** How Core.encode and Core.encodeRequests split and compress requests. */
export interface EncodeOptions {
  /**
   * Split requests at this many samples (Prometheus' max_samples_per_send), exemplars, histograms
   * and zero samples each counting as one, as Prometheus counts them. 0 = one request.
   */
  maxSamplesPerRequest?: number;
  /** Add staleness markers for series that vanished in this scrape. Default true. */
  includeStale?: boolean;
  /**
   * Write native histogram samples (scraped from protobuf pages with scrapeNativeHistograms).
   * Default true; false leaves them out, as an endpoint without send_native_histograms wants.
   */
  nativeHistograms?: boolean;
  /**
   * Remote write 1.0 requests carry the scrape's exemplars (OpenMetrics and protobuf), each in its
   * sample's TimeSeries (send_exemplars). Default false. 2.0 requests always carry them.
   */
  exemplars?: boolean;
  /**
   * Hand out requests snappy-compressed (block format, as remote write sends them), compressed
   * inside the core. Default false.
   */
  compress?: boolean;
}

/** The current scrape's columns. Valid until the next call on the Core (src/core/core.ts). */
export interface SnapshotView {
  /** Series refs, one per sample. */
  refs: Uint32Array;
  values: Float64Array;
  /** Milliseconds since the epoch (exact integers in a double). */
  timestamps: Float64Array;
  /** Series present in the previous scrape and missing from this one. */
  staleRefs: Uint32Array;
}

/** What a core's memory holds (Core.memoryStats). */
export interface CoreMemoryStats {
  /** Size of the instance's linear memory. */
  wasmBytes: number;
  /** Live series in the series table. */
  series: number;
  /**
   * Bytes the core holds for labels (the label arena): each distinct label pair once, encoded
   * as remote write sends it, plus 4 bytes per label of each series for its pair ids.
   */
  labelArenaBytes: number;
  /** Bytes of the live series' label names and values, counted per series (as text would hold them). */
  labelTextBytes: number;
  /** Distinct label pairs (name and value) held. */
  labelPairs: number;
  indexBytes: number;
  symbolBytes: number;
  symbols: number;
}
