// Exact decimal to binary64 conversion, for the numbers number.ts cannot convert with one
// correctly rounded operation (more than 19 significant digits, or a decimal exponent past ±22:
// rare on real pages). The digits are kept as a decimal (up to MAX_DIGITS of them, and whether
// any non-zero digit was cut off), scaled by powers of two until the integer part holds the 53
// bits of the mantissa, then rounded half to even, as Go's strconv.ParseFloat rounds. (The
// standard library's parseFloat was used before: it is off by one unit in the last place on
// inputs such as 5.361533595562474e+38, found by the fuzz tests.)
//
// The digits of [p, end) must already be a valid decimal number (number.ts checked the syntax).

import { Char, CASE_BIT } from "./chars";

const MAX_DIGITS: i32 = 800;
// Digits (0-9, not characters) at `digits`; the value is 0.d1d2d3... * 10^point.
const digits: usize = memory.data(MAX_DIGITS + 32);
const shifted: usize = memory.data(MAX_DIGITS + 32);
let count: i32 = 0;
let point: i32 = 0;
/** A non-zero digit was dropped past MAX_DIGITS: the value is a little above the digits. */
let truncated: bool = false;

// How many bits to scale by while the decimal point is i places from where it must be: the
// largest k with 2^k <= 10^i (1 for i = 0), so a step never overshoots [0.5, 1); 27 from 9 places on.
const SHIFT_FOR_POINT: StaticArray<i32> = [1, 3, 6, 9, 13, 16, 19, 23, 26];
const MAX_SHIFT: i32 = 27;

function readDecimal(p: usize, end: usize): void {
  count = 0;
  point = 0;
  truncated = false;
  let sawPoint = false;
  let sawNonZero = false;
  let c: u32 = 0;
  if (p < end && (load<u8>(p) == Char.PLUS || load<u8>(p) == Char.MINUS)) p++;
  for (; p < end; p++) {
    c = <u32>load<u8>(p);
    if (c == Char.DOT) { sawPoint = true; continue; }
    if (c - Char.DIGIT_0 >= 10) break;
    if (c == Char.DIGIT_0 && !sawNonZero) {
      if (sawPoint) point--;
      continue;
    }
    sawNonZero = true;
    if (!sawPoint) point++;
    if (count < MAX_DIGITS) store<u8>(digits + <usize>(count++), <u8>(c - Char.DIGIT_0));
    else if (c != Char.DIGIT_0) truncated = true;
  }
  if (p < end && (c | CASE_BIT) == Char.LOWER_E) {
    p++;
    let negative = false;
    if (p < end && (load<u8>(p) == Char.PLUS || load<u8>(p) == Char.MINUS)) negative = load<u8>(p++) == Char.MINUS;
    let e: i32 = 0;
    for (; p < end; p++) if (e < 100000) e = e * 10 + <i32>(load<u8>(p) - Char.DIGIT_0);
    point += negative ? -e : e;
  }
  trim();
}

function trim(): void {
  while (count > 0 && load<u8>(digits + <usize>(count - 1)) == 0) count--;
  if (count == 0) point = 0;
}

/** Divides the decimal by 2^k (k <= MAX_SHIFT), keeping MAX_DIGITS digits. */
function shiftRight(k: i32): void {
  let read: i32 = 0;
  let write: i32 = 0;
  let n: u64 = 0;
  // Take digits until the running number reaches 2^k: the first digit of the quotient.
  while ((n >> k) == 0) {
    if (read >= count) {
      if (n == 0) { count = 0; return; }
      while ((n >> k) == 0) { n *= 10; read++; }
      break;
    }
    n = n * 10 + <u64>load<u8>(digits + <usize>(read++));
  }
  point -= read - 1;
  const mask: u64 = (<u64>1 << k) - 1;
  for (; read < count; read++) {
    store<u8>(digits + <usize>(write++), <u8>(n >> k));
    n = (n & mask) * 10 + <u64>load<u8>(digits + <usize>read);
  }
  while (n > 0) {
    const digit = <u8>(n >> k);
    if (write < MAX_DIGITS) store<u8>(digits + <usize>(write++), digit);
    else if (digit > 0) truncated = true;
    n = (n & mask) * 10;
  }
  count = write;
  trim();
}

/** Multiplies the decimal by 2^k (k <= 60), keeping MAX_DIGITS digits. */
function shiftLeft(k: i32): void {
  // Least significant digit first, into `shifted` from its end; at most 19 new digits.
  let w: i32 = count + 20;
  const end = w;
  let n: u64 = 0;
  for (let r = count - 1; r >= 0; r--) {
    n += <u64>load<u8>(digits + <usize>r) << k;
    const quotient = n / 10;
    store<u8>(shifted + <usize>(--w), <u8>(n - quotient * 10));
    n = quotient;
  }
  while (n > 0) {
    const quotient = n / 10;
    store<u8>(shifted + <usize>(--w), <u8>(n - quotient * 10));
    n = quotient;
  }
  const produced = end - w;
  point += produced - count;
  const kept = min<i32>(produced, MAX_DIGITS);
  for (let i = kept; i < produced; i++) if (load<u8>(shifted + <usize>(w + i)) != 0) truncated = true;
  memory.copy(digits, shifted + <usize>w, <usize>kept);
  count = kept;
  trim();
}

/** Whether rounding the decimal to an integer goes up: above one half, or one half and odd (or truncated). */
function roundsUp(): bool {
  if (point < 0 || point >= count) return false;
  const first = load<u8>(digits + <usize>point);
  if (first == 5 && point + 1 == count) {
    if (truncated) return true;
    return point > 0 && (load<u8>(digits + <usize>(point - 1)) & 1) != 0;
  }
  return first >= 5;
}

/** The integer part, rounded half to even (the decimal holds at most 2^54 here). */
function roundedInteger(): u64 {
  let n: u64 = 0;
  for (let i: i32 = 0; i < point; i++) n = n * 10 + (i < count ? <u64>load<u8>(digits + <usize>i) : 0);
  if (roundsUp()) n++;
  return n;
}

/** The double nearest to the decimal number [p, end) (half to even); ±Infinity when it is too large for one. */
export function decimalToDouble(p: usize, end: usize): f64 {
  const negative = p < end && load<u8>(p) == Char.MINUS;
  readDecimal(p, end);
  const sign: u64 = negative ? <u64>1 << 63 : 0;
  if (count == 0 || point < -330) return reinterpret<f64>(sign);     // zero, or below the smallest denormal
  if (point > 310) return negative ? -Infinity : Infinity;
  // Scale into [0.5, 1) by powers of two, counting them.
  let exponent: i32 = 0;
  while (point > 0) {
    const k = point >= SHIFT_FOR_POINT.length ? MAX_SHIFT : SHIFT_FOR_POINT[point];
    shiftRight(k);
    exponent += k;
  }
  while (point < 0 || (point == 0 && load<u8>(digits) < 5)) {
    const k = -point >= SHIFT_FOR_POINT.length ? MAX_SHIFT : SHIFT_FOR_POINT[-point];
    shiftLeft(k);
    exponent -= k;
  }
  // Now value = d * 2^exponent with d in [0.5, 1): as a double 1.x * 2^(exponent - 1).
  exponent--;
  const BIAS: i32 = -1023;
  // Below the smallest normal exponent: a denormal, with fewer mantissa bits.
  if (exponent < BIAS + 1) {
    const k = BIAS + 1 - exponent;
    for (let left = k; left > 0; left -= MAX_SHIFT) shiftRight(min<i32>(left, MAX_SHIFT));
    exponent += k;
  }
  if (exponent - BIAS >= 0x7FF) return negative ? -Infinity : Infinity;
  // The 53 bits of the mantissa as an integer, rounded.
  shiftLeft(53);
  let mantissa = roundedInteger();
  if (mantissa == <u64>1 << 53) {
    mantissa >>= 1;
    exponent++;
    if (exponent - BIAS >= 0x7FF) return negative ? -Infinity : Infinity;
  }
  let biased: u64 = <u64>(exponent - BIAS);
  if ((mantissa & (<u64>1 << 52)) == 0) biased = 0; // denormal
  return reinterpret<f64>(sign | (biased << 52) | (mantissa & ((<u64>1 << 52) - 1)));
}
