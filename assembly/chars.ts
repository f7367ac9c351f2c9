// Character codes and the character classes of the exposition formats (bytes, ASCII only: every
// byte at or above 0x80 is part of a UTF-8 sequence, and none of these classes holds one).

export const enum Char {
  TAB = 0x09, NEWLINE = 0x0A, SPACE = 0x20, QUOTE = 0x22, HASH = 0x23, PLUS = 0x2B, COMMA = 0x2C, MINUS = 0x2D, DOT = 0x2E,
  DIGIT_0 = 0x30, COLON = 0x3A, EQUAL = 0x3D, BACKSLASH = 0x5C, UNDERSCORE = 0x5F,
  LOWER_A = 0x61, LOWER_E = 0x65, LOWER_N = 0x6E, OPEN_BRACE = 0x7B, CLOSE_BRACE = 0x7D,
}

/** OR-ing it into an ASCII letter makes it lower case. */
export const CASE_BIT: u32 = 0x20;

/** `__name__` read as a little-endian u64: the metric name's label name, compared in one load. */
const METRIC_NAME_WORD: u64 = 0x5F5F656D616E5F5F;

// @ts-ignore: decorator
@inline function isLetter(c: u32): bool { return (c | CASE_BIT) - Char.LOWER_A < 26; }
// @ts-ignore: decorator
@inline export function isDigit(c: u32): bool { return c - Char.DIGIT_0 < 10; }

/** Metric names: [a-zA-Z_:][a-zA-Z0-9_:]* */
// @ts-ignore: decorator
@inline export function isNameStart(c: u32): bool {
  return isLetter(c) || c == Char.UNDERSCORE || c == Char.COLON;
}
// @ts-ignore: decorator
@inline export function isNameChar(c: u32): bool {
  return isLetter(c) || isDigit(c) || c == Char.UNDERSCORE || c == Char.COLON;
}
/** Label names: [a-zA-Z_][a-zA-Z0-9_]* */
// @ts-ignore: decorator
@inline export function isLabelStart(c: u32): bool {
  return isLetter(c) || c == Char.UNDERSCORE;
}
// @ts-ignore: decorator
@inline export function isLabelChar(c: u32): bool {
  return isLetter(c) || isDigit(c) || c == Char.UNDERSCORE;
}
// @ts-ignore: decorator
@inline export function isBlank(c: u32): bool { return c == Char.SPACE || c == Char.TAB; }

/** Whether [p, p+len) is a name that needs no quotes: a legacy metric name, or label name. */
// @ts-ignore: decorator
@inline export function isLegacyName(p: usize, len: u32, metric: bool): bool {
  if (len == 0) return false;
  const c = <u32>load<u8>(p);
  if (!(metric ? isNameStart(c) : isLabelStart(c))) return false;
  for (let i: u32 = 1; i < len; i++) {
    const d = <u32>load<u8>(p + i);
    if (!(metric ? isNameChar(d) : isLabelChar(d))) return false;
  }
  return true;
}

/** Whether [p, p+len) is `__name__`. */
// @ts-ignore: decorator
@inline export function isMetricNameLabel(p: usize, len: u32): bool {
  return len == 8 && load<u64>(p) == METRIC_NAME_WORD;
}

/** Bytes that end a token on their own (and are one when they come first). */
// @ts-ignore: decorator
@inline function isDelimiter(c: u32): bool {
  return c == Char.OPEN_BRACE || c == Char.CLOSE_BRACE || c == Char.COMMA || c == Char.EQUAL || c == Char.QUOTE || c == Char.HASH;
}

/**
 * Where the token at p ends, for error messages ("got ..."): a delimiter or blank alone, or the
 * bytes up to the next blank or delimiter; p itself at the end of the line.
 */
export function tokenEnd(p: usize, end: usize): usize {
  if (p >= end) return p;
  if (isDelimiter(load<u8>(p)) || isBlank(load<u8>(p))) return p + 1;
  while (p < end && !isBlank(load<u8>(p)) && !isDelimiter(load<u8>(p))) p++;
  return p;
}
