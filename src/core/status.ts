/**
 * Mirror of assembly/status.ts: the core's error codes and what they mean. The numbers must stay
 * in step with the AssemblyScript enum (test/core/status.test.ts compares the two files).
 */
import type { ErrorCode as ScrapewireErrorCode } from './errors';

export const enum CoreStatus {
  OK = 0,
  ERROR = 1,
  /** feed() paused: decide the new series so far, then resumeFeed(). */
  RESOLVE = 2,
}

/** Index = the core's ErrorCode; each entry is the reason shown to users. */
export const CORE_ERRORS: readonly { name: string; reason: string }[] = [
  { name: 'NONE', reason: 'no error' },
  { name: 'LINE_TOO_LONG', reason: 'line longer than the maximum line length' },
  { name: 'INVALID_METRIC_NAME', reason: 'invalid or missing metric name' },
  { name: 'INVALID_LABEL_NAME', reason: 'invalid label name' },
  { name: 'EXPECTED_EQUAL', reason: 'expected "=" after label name' },
  { name: 'EXPECTED_LABEL_VALUE', reason: 'expected a quoted label value' },
  { name: 'UNTERMINATED_LABEL_VALUE', reason: 'unterminated quoted string' },
  { name: 'EXPECTED_COMMA_OR_BRACE', reason: 'expected "," or "}" after label value' },
  { name: 'DUPLICATE_LABEL', reason: 'duplicate label name' },
  { name: 'EXPECTED_VALUE', reason: 'expected a space and a sample value' },
  { name: 'INVALID_VALUE', reason: 'invalid sample value' },
  { name: 'INVALID_TIMESTAMP', reason: 'invalid timestamp' },
  { name: 'UNEXPECTED_TEXT', reason: 'unexpected text after the sample' },
  { name: 'INVALID_UTF8', reason: 'invalid UTF-8' },
  { name: 'INVALID_COMMENT', reason: 'invalid comment (OpenMetrics allows only HELP, TYPE, UNIT and EOF)' },
  { name: 'INVALID_TYPE', reason: 'invalid metric type' },
  { name: 'INVALID_HELP', reason: 'invalid HELP text' },
  { name: 'INVALID_UNIT', reason: 'invalid UNIT (the metric name must end with _<unit>)' },
  { name: 'DUPLICATE_METADATA', reason: 'repeated metadata for the metric family' },
  { name: 'METADATA_AFTER_SAMPLES', reason: 'metadata after samples of the metric family' },
  { name: 'CLASHING_FAMILY', reason: 'metric family declared twice or clashing with another family' },
  { name: 'FAMILY_NOT_CONTIGUOUS', reason: 'samples of a metric family (or of one of its label groups) are not together' },
  { name: 'BLANK_LINE', reason: 'blank line (not allowed in OpenMetrics)' },
  { name: 'MISSING_EOF', reason: 'missing "# EOF" at the end of the exposition' },
  { name: 'TEXT_AFTER_EOF', reason: 'text after "# EOF"' },
  { name: 'INVALID_EXEMPLAR', reason: 'invalid exemplar' },
  { name: 'EXEMPLAR_NOT_ALLOWED', reason: 'exemplar not allowed on this sample' },
  { name: 'EXEMPLAR_TOO_LONG', reason: 'exemplar labels longer than 128 characters' },
  { name: 'INVALID_SUFFIX', reason: 'metric name suffix does not fit the metric type' },
  { name: 'INVALID_COUNTER_VALUE', reason: 'invalid counter value (negative or NaN)' },
  { name: 'INVALID_BUCKET', reason: 'invalid histogram bucket (le value or count)' },
  { name: 'MISSING_INF_BUCKET', reason: 'histogram without a +Inf bucket' },
  { name: 'BUCKETS_NOT_SORTED', reason: 'histogram buckets not in increasing le order' },
  { name: 'INVALID_QUANTILE', reason: 'invalid quantile' },
  { name: 'MISSING_LABEL', reason: 'missing le or quantile label' },
  { name: 'INVALID_STATESET_VALUE', reason: 'stateset value must be 0 or 1' },
  { name: 'INVALID_INFO_VALUE', reason: 'info value must be 1' },
  { name: 'TIMESTAMP_DECREASED', reason: 'timestamps of a metric point go backwards' },
  { name: 'INVALID_COUNT', reason: 'invalid _count (negative, fractional, or not equal to the +Inf bucket)' },
  { name: 'BAD_STATE', reason: 'internal: the core was called out of order' },
  { name: 'SAMPLE_LIMIT', reason: 'sample_limit exceeded' },
  { name: 'SERIES_LIMIT', reason: 'series limit exceeded' },
  { name: 'LABEL_LIMIT', reason: 'label_limit exceeded' },
  { name: 'LABEL_NAME_LENGTH_LIMIT', reason: 'label_name_length_limit exceeded' },
  { name: 'LABEL_VALUE_LENGTH_LIMIT', reason: 'label_value_length_limit exceeded' },
  { name: 'MEMORY_LIMIT', reason: 'memory limit of the core exceeded' },
];

export const CORE_ERROR_LINE_TOO_LONG = 1;

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
