// Status and error codes shared with the host. Mirrored in src/core/status.ts: keep the numbers
// and the order in step (test/core/status.test.ts compares the two files).

/** What an exported call returns. */
export const enum Status {
  OK = 0,
  /** The input is invalid (or over a limit): see errorCode(), errorLine(), errorColumn(). */
  ERROR = 1,
  /**
   * feed() paused for the host to decide the new series so far (limits.ts): decide them, then
   * call resumeFeed(). The input window must not be written meanwhile.
   */
  RESOLVE = 2,
}

export const enum ErrorCode {
  NONE = 0,
  LINE_TOO_LONG = 1,
  INVALID_METRIC_NAME = 2,
  INVALID_LABEL_NAME = 3,
  EXPECTED_EQUAL = 4,
  EXPECTED_LABEL_VALUE = 5,
  UNTERMINATED_LABEL_VALUE = 6,
  EXPECTED_COMMA_OR_BRACE = 7,
  DUPLICATE_LABEL = 8,
  EXPECTED_VALUE = 9,
  INVALID_VALUE = 10,
  INVALID_TIMESTAMP = 11,
  UNEXPECTED_TEXT = 12,
  INVALID_UTF8 = 13,
  INVALID_COMMENT = 14,
  INVALID_TYPE = 15,
  INVALID_HELP = 16,
  INVALID_UNIT = 17,
  DUPLICATE_METADATA = 18,
  METADATA_AFTER_SAMPLES = 19,
  CLASHING_FAMILY = 20,
  FAMILY_NOT_CONTIGUOUS = 21,
  BLANK_LINE = 22,
  MISSING_EOF = 23,
  TEXT_AFTER_EOF = 24,
  INVALID_EXEMPLAR = 25,
  EXEMPLAR_NOT_ALLOWED = 26,
  EXEMPLAR_TOO_LONG = 27,
  INVALID_SUFFIX = 28,
  INVALID_COUNTER_VALUE = 29,
  INVALID_BUCKET = 30,
  MISSING_INF_BUCKET = 31,
  BUCKETS_NOT_SORTED = 32,
  INVALID_QUANTILE = 33,
  MISSING_LABEL = 34,
  INVALID_STATESET_VALUE = 35,
  INVALID_INFO_VALUE = 36,
  TIMESTAMP_DECREASED = 37,
  INVALID_COUNT = 38,
  BAD_STATE = 39,
  SAMPLE_LIMIT = 40,
  SERIES_LIMIT = 41,
  LABEL_LIMIT = 42,
  LABEL_NAME_LENGTH_LIMIT = 43,
  LABEL_VALUE_LENGTH_LIMIT = 44,
  MEMORY_LIMIT = 45,
  INVALID_PROTOBUF = 46,
  TRUNCATED_PROTOBUF = 47,
  PROTOBUF_FIELD_ORDER = 48,
  HISTOGRAM_SPANS = 49,
  BUCKET_LIMIT = 50,
  INVALID_HISTOGRAM_SCHEMA = 51,
  INVALID_CUSTOM_BUCKETS = 52,
}

/** Errors that end a scrape even when bad lines are skipped (onParseError 'skip'). */
export function isFatal(code: ErrorCode): bool {
  return code == ErrorCode.TEXT_AFTER_EOF || code == ErrorCode.BAD_STATE || code >= ErrorCode.SAMPLE_LIMIT;
}

// The first error of the current scrape. Line and column are 1-based; the column counts bytes.
let errCode: ErrorCode = ErrorCode.NONE;
let errLine: u32 = 0;
let errColumn: u32 = 0;
// What came where the error is: a copy of up to ERROR_TEXT_MAX + 1 bytes (one more than shown,
// so the host can tell that it was cut), or nothing at the end of a line (errTextLen 0). No text
// at all (errTextSet false) for errors without a position on a line (limits, the end of input).
const ERROR_TEXT_MAX: u32 = 40;
let errText: usize = 0;
let errTextLen: u32 = 0;
let errTextSet: bool = false;

/** Records the scrape's first error; returns whether this one was it (later ones are ignored). */
export function setError(code: ErrorCode, line: u32, column: u32): bool {
  if (errCode != ErrorCode.NONE) return false;
  errCode = code;
  errLine = line;
  errColumn = column;
  return true;
}

/** What came at the first error's position: the `len` bytes at `p` (0: the end of the line). */
export function setErrorText(p: usize, len: u32): void {
  if (errText == 0) errText = heap.alloc(<usize>ERROR_TEXT_MAX + 1);
  errTextLen = min<u32>(len, ERROR_TEXT_MAX + 1);
  memory.copy(errText, p, <usize>errTextLen);
  errTextSet = true;
}

export function clearError(): void {
  errCode = ErrorCode.NONE;
  errLine = 0;
  errColumn = 0;
  errTextSet = false;
  errTextLen = 0;
}

export function errorCode(): ErrorCode { return errCode; }
export function errorLine(): u32 { return errLine; }
export function errorColumn(): u32 { return errColumn; }
export function errorTextPtr(): usize { return errTextSet ? errText : 0; }
export function errorTextLen(): u32 { return errTextLen; }

/** `abort` is for bugs only: bad input never reaches it. It traps, and the host rebuilds the instance. */
export function abortHandler(message: string | null, fileName: string | null, line: u32, column: u32): void {
  unreachable();
}
