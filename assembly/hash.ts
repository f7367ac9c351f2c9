// A 128-bit hash of a byte range, as two independent 64-bit lanes (multiply-xor-rotate over
// 8-byte words, murmur3's fmix64 to finish). The series table trusts the full 128 bits instead
// of comparing label bytes: with a million series the chance of any collision is about 1e-27,
// and not storing a second copy of every key halves the table's memory.

const P1: u64 = 0x9E3779B185EBCA87;
const P2: u64 = 0xC2B2AE3D27D4EB4F;
const P3: u64 = 0x165667B19E3779F9;
const P4: u64 = 0xD6E8FEB86659FD93;

/** Low lane of the last hash128() result. */
export let hashLow: u64 = 0;
/** High lane of the last hash128() result. */
export let hashHigh: u64 = 0;

// @ts-ignore: decorator
@inline function fmix64(k: u64): u64 {
  k ^= k >> 33;
  k *= 0xFF51AFD7ED558CCD;
  k ^= k >> 33;
  k *= 0xC4CEB9FE1A85EC53;
  k ^= k >> 33;
  return k;
}

/** Sets hashLow/hashHigh back to a saved result. */
export function setHash(low: u64, high: u64): void {
  hashLow = low;
  hashHigh = high;
}

/** Hashes [ptr, ptr+len) with `seed`; the result is in hashLow/hashHigh. */
export function hash128(ptr: usize, len: usize, seed: u64): void {
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
  hashLow = a;
  hashHigh = b;
}
