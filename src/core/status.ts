/**
 * Mirror of assembly/status.ts: the core's error codes and what they mean. The numbers must stay
 * in step with the AssemblyScript enum (test/core/status.test.ts compares the two files).
 */
import type { ErrorCode as ScrapewireErrorCode } from '../errors';

export const enum CoreStatus {
  OK = 0,
  ERROR = 1,
  /** feed() paused: decide the new series so far, then resumeFeed(). */
  RESOLVE = 2,
}

/**
 * Index = the core's ErrorCode. `name` is the error's stable reason (ScrapewireError.reason);
 * `text` says what was expected or what is wrong, and the message adds what came there when the
 * core reports it (", got ..."; `came` words it when "got" alone would not).
 */
export const CORE_ERRORS = [
  { name: 'NONE', text: 'no error' },
  { name: 'LINE_TOO_LONG', text: 'line longer than the maximum line length' },
  { name: 'INVALID_METRIC_NAME', text: 'invalid or missing metric name' },
  { name: 'INVALID_LABEL_NAME', text: 'invalid label name' },
  { name: 'EXPECTED_EQUAL', text: 'expected "=" after label name' },
  { name: 'EXPECTED_LABEL_VALUE', text: 'expected a quoted label value' },
  { name: 'UNTERMINATED_LABEL_VALUE', text: 'unterminated quoted string' },
  { name: 'EXPECTED_COMMA_OR_BRACE', text: 'expected "," or "}" after label value' },
  { name: 'DUPLICATE_LABEL', text: 'duplicate label name', came: (text: string) => `${text} twice` },
  { name: 'EXPECTED_VALUE', text: 'expected a space and a sample value' },
  { name: 'INVALID_VALUE', text: 'invalid sample value' },
  { name: 'INVALID_TIMESTAMP', text: 'invalid timestamp' },
  { name: 'UNEXPECTED_TEXT', text: 'unexpected text after the sample' },
  { name: 'INVALID_UTF8', text: 'invalid UTF-8' },
  { name: 'INVALID_COMMENT', text: 'invalid comment (OpenMetrics allows only HELP, TYPE, UNIT and EOF)' },
  { name: 'INVALID_TYPE', text: 'invalid metric type' },
  { name: 'INVALID_HELP', text: 'invalid HELP text' },
  { name: 'INVALID_UNIT', text: 'invalid UNIT (the metric name must end with _<unit>)' },
  { name: 'DUPLICATE_METADATA', text: 'repeated metadata for the metric family' },
  { name: 'METADATA_AFTER_SAMPLES', text: 'metadata after samples of the metric family' },
  { name: 'CLASHING_FAMILY', text: 'metric family declared twice or clashing with another family' },
  { name: 'FAMILY_NOT_CONTIGUOUS', text: 'samples of a metric family (or of one of its label groups) are not together' },
  { name: 'BLANK_LINE', text: 'blank line (not allowed in OpenMetrics)' },
  { name: 'MISSING_EOF', text: 'missing "# EOF" at the end of the exposition' },
  { name: 'TEXT_AFTER_EOF', text: 'text after "# EOF"' },
  { name: 'INVALID_EXEMPLAR', text: 'invalid exemplar' },
  { name: 'EXEMPLAR_NOT_ALLOWED', text: 'exemplar not allowed on this sample' },
  { name: 'EXEMPLAR_TOO_LONG', text: 'exemplar labels longer than 128 characters' },
  { name: 'INVALID_SUFFIX', text: 'metric name suffix does not fit the metric type' },
  { name: 'INVALID_COUNTER_VALUE', text: 'invalid counter value (negative or NaN)' },
  { name: 'INVALID_BUCKET', text: 'invalid histogram bucket (le value or count)' },
  { name: 'MISSING_INF_BUCKET', text: 'histogram without a +Inf bucket' },
  { name: 'BUCKETS_NOT_SORTED', text: 'histogram buckets not in increasing le order' },
  { name: 'INVALID_QUANTILE', text: 'invalid quantile' },
  { name: 'MISSING_LABEL', text: 'missing le or quantile label' },
  { name: 'INVALID_STATESET_VALUE', text: 'stateset value must be 0 or 1' },
  { name: 'INVALID_INFO_VALUE', text: 'info value must be 1' },
  { name: 'TIMESTAMP_DECREASED', text: 'timestamps of a metric point go backwards' },
  { name: 'INVALID_COUNT', text: 'invalid _count (negative, fractional, or not equal to the +Inf bucket)' },
  { name: 'BAD_STATE', text: 'internal: the core was called out of order' },
  { name: 'SAMPLE_LIMIT', text: 'sample_limit exceeded' },
  { name: 'SERIES_LIMIT', text: 'series limit exceeded' },
  { name: 'LABEL_LIMIT', text: 'label_limit exceeded' },
  { name: 'LABEL_NAME_LENGTH_LIMIT', text: 'label_name_length_limit exceeded' },
  { name: 'LABEL_VALUE_LENGTH_LIMIT', text: 'label_value_length_limit exceeded' },
  { name: 'MEMORY_LIMIT', text: 'memory limit of the core exceeded' },
  { name: 'INVALID_PROTOBUF', text: 'malformed protobuf exposition (a bad varint, a length past the end of its message, a group, or a length prefix over 5 bytes)' },
  { name: 'TRUNCATED_PROTOBUF', text: 'the body ended inside a MetricFamily message' },
  { name: 'PROTOBUF_FIELD_ORDER', text: 'a MetricFamily name or type after its metrics is not supported' },
  { name: 'HISTOGRAM_SPANS', text: 'native histogram spans do not cover as many buckets as it has counts' },
  { name: 'BUCKET_LIMIT', text: 'native_histogram_bucket_limit exceeded (histogram bucket limit exceeded)' },
  {
    name: 'INVALID_HISTOGRAM_SCHEMA',
    text: 'histogram has an invalid schema, which must be between -4 and 8 for exponential buckets, or -53 for custom buckets',
    came: (text: string) => `schema ${text.replace(/^"|"$/g, '')}`,
  },
  {
    name: 'INVALID_CUSTOM_BUCKETS',
    text: 'custom buckets (schema -53) must have zero threshold and zero count 0, no negative buckets, and without custom bounds in the page only the +Inf bucket',
  },
] as const satisfies readonly { name: string; text: string; came?: (text: string) => string }[];

/**
 * Why the core refused a scrape, as ScrapewireError.reason: its ErrorCode's name, such as
 * 'INVALID_LABEL_NAME' (code ERR_PARSE) or 'SAMPLE_LIMIT' (code ERR_SAMPLE_LIMIT). Spelled out
 * for the API reference; the check below keeps it in step with CORE_ERRORS, which
 * test/core/status.test.ts keeps in step with the core.
 */
export type CoreErrorReason =
  | 'LINE_TOO_LONG' | 'INVALID_METRIC_NAME' | 'INVALID_LABEL_NAME' | 'EXPECTED_EQUAL'
  | 'EXPECTED_LABEL_VALUE' | 'UNTERMINATED_LABEL_VALUE' | 'EXPECTED_COMMA_OR_BRACE'
  | 'DUPLICATE_LABEL' | 'EXPECTED_VALUE' | 'INVALID_VALUE' | 'INVALID_TIMESTAMP'
  | 'UNEXPECTED_TEXT' | 'INVALID_UTF8' | 'INVALID_COMMENT' | 'INVALID_TYPE' | 'INVALID_HELP'
  | 'INVALID_UNIT' | 'DUPLICATE_METADATA' | 'METADATA_AFTER_SAMPLES' | 'CLASHING_FAMILY'
  | 'FAMILY_NOT_CONTIGUOUS' | 'BLANK_LINE' | 'MISSING_EOF' | 'TEXT_AFTER_EOF' | 'INVALID_EXEMPLAR'
  | 'EXEMPLAR_NOT_ALLOWED' | 'EXEMPLAR_TOO_LONG' | 'INVALID_SUFFIX' | 'INVALID_COUNTER_VALUE'
  | 'INVALID_BUCKET' | 'MISSING_INF_BUCKET' | 'BUCKETS_NOT_SORTED' | 'INVALID_QUANTILE'
  | 'MISSING_LABEL' | 'INVALID_STATESET_VALUE' | 'INVALID_INFO_VALUE' | 'TIMESTAMP_DECREASED'
  | 'INVALID_COUNT' | 'BAD_STATE' | 'SAMPLE_LIMIT' | 'SERIES_LIMIT' | 'LABEL_LIMIT'
  | 'LABEL_NAME_LENGTH_LIMIT' | 'LABEL_VALUE_LENGTH_LIMIT' | 'MEMORY_LIMIT' | 'INVALID_PROTOBUF'
  | 'TRUNCATED_PROTOBUF' | 'PROTOBUF_FIELD_ORDER' | 'HISTOGRAM_SPANS' | 'BUCKET_LIMIT' | 'INVALID_HISTOGRAM_SCHEMA'
  | 'INVALID_CUSTOM_BUCKETS';

/** Compiles only while CoreErrorReason and CORE_ERRORS name the same errors. */
const reasonsInStep: [CoreErrorReason, TableReason] extends [TableReason, CoreErrorReason] ? true : never = true;
void reasonsInStep;
type TableReason = Exclude<(typeof CORE_ERRORS)[number]['name'], 'NONE'>;

/** The ScrapewireError code for a core error code. */
export function scrapewireCodeFor(coreCode: number): ScrapewireErrorCode {
  switch (CORE_ERRORS[coreCode]?.name) {
    case 'LINE_TOO_LONG': return 'ERR_LINE_TOO_LONG';
    case 'BAD_STATE': return 'ERR_CORE_STATE';
    case 'SAMPLE_LIMIT': return 'ERR_SAMPLE_LIMIT';
    case 'SERIES_LIMIT': return 'ERR_SERIES_LIMIT';
    case 'LABEL_LIMIT': return 'ERR_LABEL_LIMIT';
    case 'LABEL_NAME_LENGTH_LIMIT': return 'ERR_LABEL_NAME_LENGTH_LIMIT';
    case 'LABEL_VALUE_LENGTH_LIMIT': return 'ERR_LABEL_VALUE_LENGTH_LIMIT';
    case 'MEMORY_LIMIT': return 'ERR_MEMORY_LIMIT';
    default: return 'ERR_PARSE';
  }
}
