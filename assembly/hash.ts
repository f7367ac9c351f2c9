// A 128-bit hash of a byte range, as two independent 64-bit lanes (multiply-xor-rotate over
// 8-byte words, murmur3's fmix64 to finish). The series table trusts 96 of its bits instead of
// comparing label bytes: with a million series the chance of any collision is about 1e-17, and
// not storing a second copy of every key halves the table's memory.
//
// The result is a v128 value (low lane 0, high lane 1) passed and returned like any number: no
// state is left behind between a hash and its use.

const P1: u64 = 0x9E3779B185EBCA87;
const P2: u64 = 0xC2B2AE3D27D4EB4F;
const P3: u64 = 0x165667B19E3779F9;
const P4: u64 = 0xD6E8FEB86659FD93;

/** The seeds, one per kind of key, so equal bytes of two kinds never meet in one table. */
export const enum Seed {
  /** Raw series keys; the format is XORed in (a key valid in one format may not be in the other). */
  RAW = 0x52415721,
  /** Metric and family names. */
  NAME = 0x4E414D45,
  /** A series' labels without __name__, le and quantile (OpenMetrics groups). */
  GROUP = 0x47525550,
  /** Label pairs (pairs.ts). */
  PAIR = 0x50414952,
  /** Remote-write 2.0 symbols (symbols.ts). */
  SYMBOL = 0x5EED5EED,
}

// @ts-ignore: decorator
@inline function fmix64(k: u64): u64 {
  k ^= k >> 33;
  k *= 0xFF51AFD7ED558CCD;
  k ^= k >> 33;
  k *= 0xC4CEB9FE1A85EC53;
  k ^= k >> 33;
  return k;
}

/** Hashes [ptr, ptr+len) with `seed`. */
export function hash128(ptr: usize, len: usize, seed: u64): v128 {
  let a: u64 = seed ^ P3;
  let b: u64 = (seed * P4) ^ P1;
  const end = ptr + len;
  let p = ptr;
  while (p + 16 <= end) {
    const k1 = load<u64>(p);
    const k2 = load<u64>(p, 8);
    a = rotl<u64>((a ^ k1) * P1, 31) + k2;
    b = rotl<u64>((b ^ k2) * P2, 29) + k1;
    p += 16;
  }
  if (p + 8 <= end) {
    const k = load<u64>(p);
    a = rotl<u64>((a ^ k) * P1, 31);
    b = rotl<u64>((b ^ k) * P2, 29);
    p += 8;
  }
  let tail: u64 = 0;
  let shift: u64 = 0;
  while (p < end) {
    tail |= (<u64>load<u8>(p)) << shift;
    shift += 8;
    p++;
  }
  a = (a ^ tail) * P3;
  b = (b ^ rotl<u64>(tail, 17)) * P4;
  a ^= <u64>len;
  b ^= <u64>len * P2;
  a = fmix64(a + b);
  b = fmix64(b + a);
  return i64x2.replace_lane(i64x2.splat(a), 1, b);
}

/** The low lane of a hash128 result. */
// @ts-ignore: decorator
@inline export function lowLane(h: v128): u64 { return <u64>i64x2.extract_lane(h, 0); }
/** The high lane of a hash128 result. */
// @ts-ignore: decorator
@inline export function highLane(h: v128): u64 { return <u64>i64x2.extract_lane(h, 1); }

/** The low 64 bits of hash128: for tables that compare bytes on a match or need no more. */
// @ts-ignore: decorator
@inline export function hash64(ptr: usize, len: usize, seed: u64): u64 {
  return lowLane(hash128(ptr, len, seed));
}
