/**
 * Mirror of assembly/enums.ts: the enumerations that cross the boundary with the core as bare
 * integers. Names and numbers must stay in step with the AssemblyScript side
 * (test/core/enums.test.ts compares the two files); status and error codes are in status.ts.
 */

/** The exposition format of a scrape (the core's begin). */
export const enum Format {
  TEXT = 0,
  OPENMETRICS = 1,
  /** The delimited protobuf exposition (io.prometheus.client.MetricFamily). */
  PROTOBUF = 2,
}

/** The remote-write protocol of a request (the core's encodeBegin). */
export const enum Protocol {
  RW1 = 1,
  RW2 = 2,
}

/** What the host decided about a series (the core's seriesState, importSeries). */
export const enum SeriesState {
  FREE = 0,
  /** Seen for the first time in this scrape; not decided yet. */
  PENDING = 1,
  KEPT = 2,
  /** Dropped by the resolver; remembered so the decision is made once. */
  DROPPED = 3,
}

/**
 * What Command.QUERY reads (query.ts): the core's getters. An export costs each instance V8's
 * wrapper objects (~0.27 KiB of V8 heap per export per instance: 1,000 instances of 81 vs 40
 * exports, bench/RESULTS.md 2026-12-03), so values the host reads a few times per scrape share
 * one. The argument is a series ref for SERIES_LAST_SEEN, unused otherwise.
 */
export const enum Query {
  // Counters and sizes (stats.ts)
  STAT_FAMILIES = 0,
  STAT_SKIPPED_LINES = 1,
  STAT_BYTES = 2,
  STAT_DUPLICATES = 3,
  STAT_EVICTED = 4,
  STAT_SERIES = 5,
  STAT_LABEL_ARENA_BYTES = 6,
  STAT_LABEL_TEXT_BYTES = 7,
  STAT_LABEL_PAIRS = 8,
  STAT_INDEX_BYTES = 9,
  STAT_SYMBOL_BYTES = 10,
  STAT_SYMBOLS = 11,
  HISTOGRAM_COUNT = 12,
  // The scrape's first error (status.ts)
  ERROR_CODE = 13,
  ERROR_LINE = 14,
  ERROR_COLUMN = 15,
  ERROR_TEXT_PTR = 16,
  ERROR_TEXT_LEN = 17,
  // The last scrape's columns (snapshot.ts) and new series (resolve.ts)
  SNAPSHOT_LENGTH = 18,
  SNAPSHOT_REFS = 19,
  SNAPSHOT_VALUES = 20,
  SNAPSHOT_TIMESTAMPS = 21,
  STALE_COUNT = 22,
  STALE_REFS_PTR = 23,
  NEW_SERIES_COUNT = 24,
  // The last request (encode.ts) and metadata request
  OUTPUT_PTR = 25,
  COMPRESSED_PTR = 26,
  REQUEST_SAMPLES = 27,
  METADATA_ENTRIES = 28,
  METADATA_NEXT = 29,
  // What a rebuild reads from the old instance (rebuild.ts)
  SERIES_LAST_SEEN = 30,
  SERIES_REF_LIMIT = 31,
  CURRENT_EPOCH = 32,
  LAST_TIMESTAMP = 33,
  KEEPS_PREVIOUS = 34,
  PREVIOUS_COUNT = 35,
  PREVIOUS_REFS_PTR = 36,
  // A batch instance's merged request (batch.ts)
  BATCH_OUTPUT = 37,
}

/** What Command.SET_OPTION sets (query.ts), from up to four numbers a..d. */
export const enum CoreOption {
  /** a scrapeNative, b alwaysClassic, c bucketLimit, d maxSchema (i32): from the next begin */
  HISTOGRAMS = 0,
  /** a on: whether the next encodeBegin's requests carry histogram samples */
  ENCODE_HISTOGRAMS = 1,
  /** a on: whether the next encodeBegin's 1.0 requests carry exemplars */
  ENCODE_EXEMPLARS = 2,
  /** a on: convert_classic_histograms_to_nhcb, from the next begin */
  NHCB = 3,
  /** a on: created_timestamp_zero_ingestion, from the next begin */
  CREATED_TIMESTAMP_ZERO_INGESTION = 4,
}

/**
 * What `command(op, a, b, c, d, e, f)` does (command.ts): every export but the few called per
 * chunk, per new series or per request, as one. Arguments and result are f64 (refs, lengths and
 * flags as numbers; a bool is `!= 0`); each member says what a..f are and what it returns (0 when
 * nothing).
 */
export const enum Command {
  /** a Query, b its argument: the value (query.ts) */
  QUERY = 0,
  /** a CoreOption, b..e its values (query.ts) */
  SET_OPTION = 1,
  /** a maxLineBytes, b evictAfterScrapes: allocates the window and tables */
  INIT = 2,
  /** a samples, b series, c labels, d name length, e value length, f memory pages (0: none); from the next begin */
  SET_LIMITS = 3,
  /** a Format, b timestampMs, c honorTimestamps, d skipErrors, e strictOpenMetrics, f resolveBatch: a scrape starts */
  BEGIN = 4,
  /** goes on after RESOLVE once the new series so far are decided; a Status */
  RESUME_FEED = 5,
  /** end of body: a last line without newline, staleness, eviction; a Status */
  FINISH = 6,
  /** the host gave up on the scrape: nothing of it is kept */
  ABORT_SCRAPE = 7,
  /** a ref: never encoded, decision remembered */
  DROP = 8,
  /** a length: room for labels the host writes (rewrite, targetLabels, importSeries); its address */
  REWRITE_BUFFER_PTR = 9,
  /** a ref, b length: the series' labels become the sorted labels at the rewrite buffer */
  REWRITE = 10,
  /** a targetLen, b externalLen, c honorLabels: a job's labels at the rewrite buffer (0, 0: none) */
  TARGET_LABELS = 11,
  /** a from, b to: merges target labels into pending new series; how many are left to the host */
  AUTO_RESOLVE = 12,
  /** a ref: evicts the series now (the next scrape decides again) */
  FORGET = 13,
  /** every series still pending is kept; the samples kept */
  RESOLVE_DONE = 14,
  /** a Protocol, b samples per request (0: all), c includeStale */
  ENCODE_BEGIN = 15,
  /** a first family, b at most this many entries (0: all): a 1.0 metadata request at Query.OUTPUT_PTR; its length (0: none left) */
  ENCODE_METADATA_FROM = 16,
  /** snappy-compresses the last request (never grows memory); the compressed length, at Query.COMPRESSED_PTR */
  COMPRESS_OUTPUT = 17,
  /** a epoch, b timestampMs: a new instance continues the old one's scrape numbering */
  RESTORE = 18,
  /** a length, b SeriesState, c lastSeen: a kept series, its labels at the rewrite buffer; its new ref */
  IMPORT_SERIES = 19,
  /** a ref, b value, c timestampMs: one sample of the old instance's last scrape */
  IMPORT_SAMPLE = 20,
  /** a ref: one series the old instance's last scrape found stale */
  IMPORT_STALE = 21,
  /** a ref: one series of the old instance's staleness reference */
  IMPORT_PREVIOUS = 22,
  /** a length: a report series from final labels at the rewrite buffer (not indexed); its ref */
  REPORT_SERIES = 23,
  /** before finish: the report series stay out of the staleness pass */
  REPORT_TOUCH = 24,
  /** a ref, b value: a report sample, after finish */
  REPORT_SAMPLE = 25,
  /** the report series go stale */
  REPORT_CLEAR = 26,
  /** a length: room for a batch's requests; its address (batch.ts) */
  BATCH_INPUT = 27,
  /** a length: the 1.0 requests there as one, compressed; its length (at Query.BATCH_OUTPUT) */
  BATCH_COMPRESS_RW1 = 28,
  /** a count, b length: the 2.0 requests there as one, compressed; its length (0: a part is malformed) */
  BATCH_COMPRESS_RW2 = 29,
}
