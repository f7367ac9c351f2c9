// Enumerations that cross the boundary as bare integers. Mirrored in src/core/enums.ts: keep the
// names and numbers in step (test/core/enums.test.ts compares the two files). Status and
// ErrorCode, which cross it too, are in status.ts.

/** The exposition format of a scrape (begin). */
export const enum Format {
  TEXT = 0,
  OPENMETRICS = 1,
  /** The delimited protobuf exposition (io.prometheus.client.MetricFamily). */
  PROTOBUF = 2,
}

/** The remote-write protocol of a request (encodeBegin). */
export const enum Protocol {
  RW1 = 1,
  RW2 = 2,
}

/** What the host decided about a series (seriesState, importSeries). */
export const enum SeriesState {
  FREE = 0,
  /** Seen for the first time in this scrape; the host has not decided yet. */
  PENDING = 1,
  KEPT = 2,
  /** Dropped by the host's decision (relabeling); remembered so the decision is made once. */
  DROPPED = 3,
}

/**
 * What `query(what, arg)` reads: the core's getters as one export (query.ts). An export costs
 * each instance V8's wrapper objects (~0.27 KiB of V8 heap per export per instance, 1,000
 * instances of 81 vs 40 exports, bench/RESULTS.md 2026-12-03), so values the host reads a few
 * times per scrape share one. `arg` is a series ref for SERIES_LAST_SEEN, unused otherwise.
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

/** What `setOption(option, a, b, c, d)` sets (query.ts); each takes effect as its setter says. */
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
