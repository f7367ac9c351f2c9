// A double as Prometheus writes le and quantile label values it did not read as text
// (labels.FormatOpenMetricsFloat): Go's strconv.FormatFloat(v, 'g', -1, 64), the shortest digits
// that read back as the same double, in exponent form when the decimal exponent is < -4 or >= 6
// (Go decides with precision 6 for the shortest form), the exponent signed and of two digits at
// least; then ".0" when the result has neither "." nor "e" (`1` -> `1.0`, `1e6` -> `1e+06`),
// and `NaN`, `+Inf`, `-Inf`.
//
// Runs once per new series of a protobuf page (a bucket's or quantile's bound), never per
// sample, so it is written to be obviously right rather than fast: the exact decimal expansion
// of the double (a big integer in base 1e9), rounded to 1, 2, ... 17 digits until the core's own
// exact parser (number.ts) reads it back as the same double.

import { ByteBuffer } from "./buffer";
import { parseFloatBytes, parsedNumber } from "./number";

// Big integer, little-endian limbs in base 1e9. m * 5^1074 (the smallest subnormal's expansion)
// has 767 digits: 86 limbs.
const LIMBS: i32 = 90;
const BASE: u64 = 1000000000;
let limbs: usize = 0;
let limbCount: i32 = 0;
/** The exact decimal digits of the last expand() (ASCII), and where the point goes. */
let digits: usize = 0;
let digitCount: i32 = 0;
/** value = 0.d1d2d3... x 10^pointAt */
let pointAt: i32 = 0;
let text: usize = 0;

function ensureBuffers(): void {
  if (limbs != 0) return;
  limbs = heap.alloc(<usize>LIMBS << 2);
  digits = heap.alloc(800);
  text = heap.alloc(64);
}

function multiplySmall(factor: u32): void {
  let carry: u64 = 0;
  for (let i = 0; i < limbCount; i++) {
    const at = limbs + (<usize>i << 2);
    const v = <u64>load<u32>(at) * <u64>factor + carry;
    store<u32>(at, <u32>(v % BASE));
    carry = v / BASE;
  }
  while (carry != 0) {
    store<u32>(limbs + (<usize>limbCount << 2), <u32>(carry % BASE));
    limbCount++;
    carry /= BASE;
  }
}

/** The exact decimal expansion of the finite, positive `v` into digits/digitCount/pointAt. */
function expand(v: f64): void {
  const bits = reinterpret<u64>(v);
  const biased = <i32>((bits >> 52) & 0x7FF);
  let mantissa = bits & 0xFFFFFFFFFFFFF;
  let exponent: i32;
  if (biased == 0) exponent = -1074;
  else { mantissa |= <u64>1 << 52; exponent = biased - 1075; }
  // The integer m * 2^e (e >= 0) or m * 5^-e (e < 0, then the point moves -e places left).
  limbCount = 0;
  while (mantissa != 0) {
    store<u32>(limbs + (<usize>limbCount << 2), <u32>(mantissa % BASE));
    limbCount++;
    mantissa /= BASE;
  }
  if (exponent >= 0) {
    let e = exponent;
    while (e >= 28) { multiplySmall(1 << 28); e -= 28; }
    if (e > 0) multiplySmall(<u32>1 << <u32>e);
  } else {
    let e = -exponent;
    while (e >= 12) { multiplySmall(244140625); e -= 12; } // 5^12
    let f: u32 = 1;
    while (e > 0) { f *= 5; e--; }
    if (f != 1) multiplySmall(f);
  }
  // Limbs to digits, most significant first.
  digitCount = 0;
  for (let i = limbCount - 1; i >= 0; i--) {
    let limb = load<u32>(limbs + (<usize>i << 2));
    const width = i == limbCount - 1 ? decimalWidth(limb) : 9;
    for (let k = width - 1; k >= 0; k--) {
      store<u8>(digits + <usize>(digitCount + k), <u8>(48 + limb % 10));
      limb /= 10;
    }
    digitCount += width;
  }
  pointAt = exponent >= 0 ? digitCount : digitCount + exponent;
  while (digitCount > 1 && load<u8>(digits + <usize>(digitCount - 1)) == 48) digitCount--;
}

function decimalWidth(v: u32): i32 {
  let n = 1;
  while (v >= 10) { v /= 10; n++; }
  return n;
}

// The candidate being tried: `count` digits at `text + 1` (text[0] spare for a carry), point at `point`.
let candidateStart: usize = 0;
let candidateCount: i32 = 0;
let candidatePoint: i32 = 0;

/** The exact digits rounded (half to even) to `n` significant digits, into the candidate. */
function roundTo(n: i32): void {
  candidateStart = text + 1;
  candidatePoint = pointAt;
  memory.copy(candidateStart, digits, <usize>min<i32>(n, digitCount));
  if (n >= digitCount) { candidateCount = digitCount; return; }
  candidateCount = n;
  const next = <i32>load<u8>(digits + <usize>n) - 48;
  let up = next > 5;
  if (next == 5) {
    let rest = false;
    for (let i = n + 1; i < digitCount; i++) if (load<u8>(digits + <usize>i) != 48) { rest = true; break; }
    up = rest || ((<i32>load<u8>(candidateStart + <usize>(n - 1)) - 48) & 1) == 1;
  }
  if (up) {
    let i = n - 1;
    while (i >= 0 && load<u8>(candidateStart + <usize>i) == 57) { store<u8>(candidateStart + <usize>i, 48); i--; }
    if (i >= 0) {
      store<u8>(candidateStart + <usize>i, load<u8>(candidateStart + <usize>i) + 1);
    } else {
      candidateStart = text;
      store<u8>(candidateStart, 49);
      candidatePoint++;
    }
  }
  while (candidateCount > 1 && load<u8>(candidateStart + <usize>(candidateCount - 1)) == 48) candidateCount--;
}

/** Whether the candidate reads back as `v`: "0.<digits>e<point>" through the core's parser. */
function roundTrips(v: f64): bool {
  const at = text + 24;
  let w = at;
  store<u8>(w++, 48);
  store<u8>(w++, 46);
  memory.copy(w, candidateStart, <usize>candidateCount);
  w += <usize>candidateCount;
  store<u8>(w++, 101);
  w = writeInt(w, candidatePoint);
  return parseFloatBytes(at, w, false) && parsedNumber == v;
}

function writeInt(w: usize, v: i32): usize {
  if (v < 0) { store<u8>(w++, 45); v = -v; }
  const width = decimalWidth(<u32>v);
  let u = <u32>v;
  for (let k = width - 1; k >= 0; k--) { store<u8>(w + <usize>k, <u8>(48 + u % 10)); u /= 10; }
  return w + <usize>width;
}

// @ts-ignore: decorator
@inline function push(into: ByteBuffer, s: string): void {
  for (let i = 0; i < s.length; i++) into.pushU8(<u8>s.charCodeAt(i));
}

/** Appends labels.FormatOpenMetricsFloat(v) to `into`. */
export function formatOpenMetricsFloat(v: f64, into: ByteBuffer): void {
  if (isNaN(v)) { push(into, "NaN"); return; }
  if (v == Infinity) { push(into, "+Inf"); return; }
  if (v == -Infinity) { push(into, "-Inf"); return; }
  if ((reinterpret<u64>(v) >> 63) != 0) { into.pushU8(45); v = -v; }
  if (v == 0) { push(into, "0.0"); return; }
  ensureBuffers();
  expand(v);
  let n = 1;
  while (true) {
    roundTo(n);
    if (n >= 17 || roundTrips(v)) break;
    n++;
  }
  const count = candidateCount;
  const exp = candidatePoint - 1;
  if (exp < -4 || exp >= 6) {
    into.pushU8(load<u8>(candidateStart));
    if (count > 1) {
      into.pushU8(46);
      into.pushBytes(candidateStart + 1, <u32>(count - 1));
    }
    into.pushU8(101);
    into.pushU8(exp < 0 ? 45 : 43);
    const magnitude = exp < 0 ? -exp : exp;
    if (magnitude < 10) into.pushU8(48);
    const at = into.reserve(4);
    into.length += <u32>(writeInt(at, magnitude) - at);
    return;
  }
  if (candidatePoint <= 0) {
    into.pushU8(48);
    into.pushU8(46);
    for (let i = candidatePoint; i < 0; i++) into.pushU8(48);
    into.pushBytes(candidateStart, <u32>count);
  } else if (candidatePoint >= count) {
    into.pushBytes(candidateStart, <u32>count);
    for (let i = count; i < candidatePoint; i++) into.pushU8(48);
    push(into, ".0");
  } else {
    into.pushBytes(candidateStart, <u32>candidatePoint);
    into.pushU8(46);
    into.pushBytes(candidateStart + <usize>candidatePoint, <u32>(count - candidatePoint));
  }
}
