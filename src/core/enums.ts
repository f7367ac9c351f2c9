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
