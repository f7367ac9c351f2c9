// Number parsing straight from bytes: sample values (Go ParseFloat's decimal and special
// spellings, as Prometheus accepts them) and timestamps (integer ms, or OpenMetrics float s).

import { decimalToDouble } from "./decimal";
import { Char, CASE_BIT, isDigit } from "./chars";

/** The value parsed by the last successful parseFloatBytes/parseIntBytes call. */
export let parsedNumber: f64 = 0;

// Exact powers of ten representable in f64 (10^0 .. 10^22): the fast-path range.
const POW10: StaticArray<f64> = [
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/** Case-insensitive comparison of [p, end) with an ASCII lowercase word. */
function equalsIgnoreCase(p: usize, end: usize, word: string): bool {
  const n = word.length;
  if (<i32>(end - p) != n) return false;
  for (let i = 0; i < n; i++) {
    if ((<u32>load<u8>(p + i) | CASE_BIT) != <u32>word.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * Parses a float in [p, end): [sign] digits [. digits] [e [sign] digits], or inf/infinity with
 * an optional sign, or nan without one (case-insensitive). `allowSpecial` false rejects the
 * non-finite spellings (OpenMetrics timestamps).
 */
export function parseFloatBytes(p: usize, end: usize, allowSpecial: bool): bool {
  if (p >= end) return false;
  const start = p;
  let negative = false;
  let c = <u32>load<u8>(p);
  if (c == Char.PLUS || c == Char.MINUS) {
    negative = c == Char.MINUS;
    if (++p >= end) return false;
    c = <u32>load<u8>(p);
  }
  if (!isDigit(c) && c != Char.DOT) {
    if (!allowSpecial) return false;
    if (equalsIgnoreCase(p, end, "inf") || equalsIgnoreCase(p, end, "infinity")) {
      parsedNumber = negative ? -Infinity : Infinity;
      return true;
    }
    if (p == start && equalsIgnoreCase(p, end, "nan")) {
      parsedNumber = NaN;
      return true;
    }
    return false;
  }
  let mantissa: u64 = 0;
  let significant: i32 = 0;   // digits accumulated into mantissa (after leading zeros)
  let exponent: i32 = 0;      // decimal exponent applied to mantissa
  let truncated = false;      // a non-zero digit did not fit in the mantissa
  let digits = 0;
  while (p < end && isDigit(c = <u32>load<u8>(p))) {
    if (significant < 19) {
      mantissa = mantissa * 10 + (c - Char.DIGIT_0);
      if (mantissa != 0) significant++;
    } else {
      exponent++;
      if (c != Char.DIGIT_0) truncated = true;
    }
    digits++;
    p++;
  }
  if (p < end && c == Char.DOT) {
    p++;
    while (p < end && isDigit(c = <u32>load<u8>(p))) {
      if (significant < 19) {
        mantissa = mantissa * 10 + (c - Char.DIGIT_0);
        if (mantissa != 0) significant++;
        exponent--;
      } else if (c != Char.DIGIT_0) {
        truncated = true;
      }
      digits++;
      p++;
    }
  }
  if (digits == 0) return false;
  if (p < end && (c | CASE_BIT) == Char.LOWER_E) {
    p++;
    if (p >= end) return false;
    let expNegative = false;
    c = <u32>load<u8>(p);
    if (c == Char.PLUS || c == Char.MINUS) {
      expNegative = c == Char.MINUS;
      if (++p >= end) return false;
    }
    let e: i32 = 0;
    let expDigits = 0;
    while (p < end && isDigit(c = <u32>load<u8>(p))) {
      if (e < 100000) e = e * 10 + <i32>(c - Char.DIGIT_0);
      expDigits++;
      p++;
    }
    if (expDigits == 0) return false;
    exponent += expNegative ? -e : e;
  }
  if (p != end) return false;
  let value: f64;
  if (mantissa == 0) {
    value = 0;
  } else if (!truncated && mantissa <= 9007199254740992 && exponent >= -22 && exponent <= 22) {
    // Clinger's fast path: both operands exact, one correctly rounded operation.
    value = exponent >= 0 ? <f64>mantissa * POW10[exponent] : <f64>mantissa / POW10[-exponent];
  } else {
    // Rare: the exact conversion (decimal.ts). A number too large for a double is an error, as
    // Go's ParseFloat reports it (ErrRange).
    value = decimalToDouble(start, end);
    parsedNumber = value;
    return isFinite(value);
  }
  parsedNumber = negative ? -value : value;
  return true;
}

/**
 * Parses a decimal integer in [p, end) with an optional sign (text-format timestamps, ms), in
 * int64's range as Go's ParseInt takes it: -9223372036854775808 to 9223372036854775807.
 */
export function parseIntBytes(p: usize, end: usize): bool {
  if (p >= end) return false;
  let negative = false;
  let c = <u32>load<u8>(p);
  if (c == Char.PLUS || c == Char.MINUS) {
    negative = c == Char.MINUS;
    if (++p >= end) return false;
  }
  while (p + 1 < end && load<u8>(p) == Char.DIGIT_0) p++; // leading zeros
  let v: u64 = 0;
  let n = 0;
  while (p < end) {
    c = <u32>load<u8>(p);
    if (!isDigit(c)) return false;
    // 19 digits always fit in a u64 (< 1.9e19); int64's range is checked after.
    if (++n > 19) return false;
    v = v * 10 + (c - Char.DIGIT_0);
    p++;
  }
  if (v > (negative ? <u64>0x8000000000000000 : <u64>0x7FFFFFFFFFFFFFFF)) return false;
  parsedNumber = negative ? -<f64>v : <f64>v;
  return true;
}
