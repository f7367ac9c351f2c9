// Status and error codes shared with the host. Mirrored in src/core/status.ts: keep the numbers
// and the order in step (test/core/status.test.ts compares the two files).

/** What an exported call returns. */
export const enum Status {
  OK = 0,
  /** The input is invalid (or over a limit): see errorCode(), errorLine(), errorColumn(). */
  ERROR = 1,
}

export const enum ErrorCode {
  NONE = 0,
  LINE_TOO_LONG = 1,
  INVALID_METRIC_NAME = 2,
  INVALID_LABEL_NAME = 3,
  EXPECTED_EQUAL = 4,
  EXPECTED_LABEL_VALUE = 5,
  INVALID_ESCAPE = 6,
  UNTERMINATED_LABEL_VALUE = 7,
  EXPECTED_COMMA_OR_BRACE = 8,
  DUPLICATE_LABEL = 9,
  EXPECTED_VALUE = 10,
  INVALID_VALUE = 11,
  INVALID_TIMESTAMP = 12,
  UNEXPECTED_TEXT = 13,
  INVALID_UTF8 = 14,
  INVALID_COMMENT = 15,
  INVALID_TYPE = 16,
  INVALID_HELP = 17,
  INVALID_UNIT = 18,
  DUPLICATE_METADATA = 19,
  METADATA_AFTER_SAMPLES = 20,
  CLASHING_FAMILY = 21,
  FAMILY_NOT_CONTIGUOUS = 22,
  BLANK_LINE = 23,
  MISSING_EOF = 24,
  TEXT_AFTER_EOF = 25,
  INVALID_EXEMPLAR = 26,
  EXEMPLAR_NOT_ALLOWED = 27,
  EXEMPLAR_TOO_LONG = 28,
  INVALID_SUFFIX = 29,
  INVALID_COUNTER_VALUE = 30,
  INVALID_BUCKET = 31,
  MISSING_INF_BUCKET = 32,
  BUCKETS_NOT_SORTED = 33,
  INVALID_QUANTILE = 34,
  MISSING_LABEL = 35,
  INVALID_STATESET_VALUE = 36,
  INVALID_INFO_VALUE = 37,
  TIMESTAMP_DECREASED = 38,
  INVALID_COUNT = 39,
  SAMPLE_LIMIT = 40,
  LABEL_LIMIT = 41,
  LABEL_NAME_LENGTH_LIMIT = 42,
  LABEL_VALUE_LENGTH_LIMIT = 43,
  RESERVED_LABEL = 44,
  BAD_STATE = 45,
}

// The first error of the current scrape. Line and column are 1-based; the column counts bytes.
let errCode: ErrorCode = ErrorCode.NONE;
let errLine: u32 = 0;
let errColumn: u32 = 0;

export function setError(code: ErrorCode, line: u32, column: u32): void {
  if (errCode != ErrorCode.NONE) return;
  errCode = code;
  errLine = line;
  errColumn = column;
}

export function clearError(): void {
  errCode = ErrorCode.NONE;
  errLine = 0;
  errColumn = 0;
}

export function errorCode(): ErrorCode { return errCode; }
export function errorLine(): u32 { return errLine; }
export function errorColumn(): u32 { return errColumn; }

/** `abort` is for bugs only: bad input never reaches it. It traps, and the host rebuilds the instance. */
export function abortHandler(message: string | null, fileName: string | null, line: u32, column: u32): void {
  unreachable();
}
