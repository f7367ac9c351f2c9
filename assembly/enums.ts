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
