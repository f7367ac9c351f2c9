// The tags (field number << 3 | wire type) of the remote-write messages the core writes and
// reads, named after their .proto fields: prometheus/prompb/remote.proto and types.proto (1.0),
// io/prometheus/write/v2/types.proto (2.0); copies are in test/fixtures/remote-write/, where the
// encoders' output is decoded field by field. Wire types: 0 varint, 1 64-bit, 2 length-delimited.

// Remote write 1.0: prometheus.WriteRequest, TimeSeries, Label, Sample, MetricMetadata.
export const enum WriteRequestTag { TIMESERIES = 1 << 3 | 2, METADATA = 3 << 3 | 2 }
export const enum TimeSeriesTag { LABELS = 1 << 3 | 2, SAMPLES = 2 << 3 | 2, HISTOGRAMS = 4 << 3 | 2 }
/** Histogram (1.0 and 2.0 alike up to 16): the timestamp the encoders add to a body kept without it (histograms.ts). */
export const enum HistogramTag { TIMESTAMP = 15 << 3 | 0 }
export const enum LabelTag { NAME = 1 << 3 | 2, VALUE = 2 << 3 | 2 }
/** Also io.prometheus.write.v2.Sample. */
export const enum SampleTag { VALUE = 1 << 3 | 1, TIMESTAMP = 2 << 3 | 0 }
export const enum MetricMetadataTag { TYPE = 1 << 3 | 0, METRIC_FAMILY_NAME = 2 << 3 | 2, HELP = 4 << 3 | 2, UNIT = 5 << 3 | 2 }

// Remote write 2.0: io.prometheus.write.v2.Request, TimeSeries, Exemplar, Metadata. labels_refs
// may also come unpacked (one varint field per ref), which readers (batch.ts) must accept.
export const enum RequestTag { SYMBOLS = 4 << 3 | 2, TIMESERIES = 5 << 3 | 2 }
export const enum SeriesV2Tag {
  LABELS_REFS = 1 << 3 | 2, LABELS_REFS_UNPACKED = 1 << 3 | 0, SAMPLES = 2 << 3 | 2, HISTOGRAMS = 3 << 3 | 2, EXEMPLARS = 4 << 3 | 2,
  METADATA = 5 << 3 | 2,
}
export const enum ExemplarTag { LABELS_REFS = 1 << 3 | 2, LABELS_REFS_UNPACKED = 1 << 3 | 0, VALUE = 2 << 3 | 1, TIMESTAMP = 3 << 3 | 0 }
export const enum MetadataV2Tag { TYPE = 1 << 3 | 0, HELP_REF = 3 << 3 | 0, UNIT_REF = 4 << 3 | 0 }
