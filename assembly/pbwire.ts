// Reading protobuf wire format from untrusted bytes (a scraped protobuf exposition page): every
// read is bounded by a limit, and a read that would pass it (a truncated varint, a length past
// the end of its message, a group, an unknown wire type) sets `wireBad` instead of reading on.
// The core's own encodings are read with protobuf.ts's unchecked readVarint instead.

/** Wire types (the low 3 bits of a tag). */
export const enum Wire {
  VARINT = 0,
  I64 = 1,
  LEN = 2,
  START_GROUP = 3,
  END_GROUP = 4,
  I32 = 5,
}

/** Where the last read ended. */
export let wireAt: usize = 0;
/** A read ran past its limit or met a malformed value; sticky until clearWire(). */
export let wireBad: bool = false;

// @ts-ignore: decorator
@inline export function clearWire(): void { wireBad = false; }

/** A varint at p, before `limit` (at most 10 bytes). */
export function readU64(p: usize, limit: usize): u64 {
  let v: u64 = 0;
  let shift: u64 = 0;
  while (true) {
    if (p >= limit || shift > 63) { wireBad = true; wireAt = limit; return 0; }
    const b = <u64>load<u8>(p++);
    v |= (b & 0x7F) << shift;
    if (b < 0x80) break;
    shift += 7;
  }
  wireAt = p;
  return v;
}

/** An 8-byte little-endian double at p, before `limit`. */
export function readF64(p: usize, limit: usize): f64 {
  if (p + 8 > limit) { wireBad = true; wireAt = limit; return 0; }
  wireAt = p + 8;
  return load<f64>(p);
}

/** A length-delimited field's length at p; wireAt is where its bytes start, and they end before `limit`. */
export function readLen(p: usize, limit: usize): u32 {
  const len = readU64(p, limit);
  if (wireBad) return 0;
  if (len > <u64>(limit - wireAt)) { wireBad = true; wireAt = limit; return 0; }
  return <u32>len;
}

/** Skips the value of a field of wire type `wt` at p; returns where it ends (wireBad on error). */
export function skipValue(wt: u32, p: usize, limit: usize): usize {
  switch (wt) {
    case Wire.VARINT: readU64(p, limit); return wireAt;
    case Wire.I64: if (p + 8 > limit) { wireBad = true; return limit; } return p + 8;
    case Wire.I32: if (p + 4 > limit) { wireBad = true; return limit; } return p + 4;
    case Wire.LEN: { const len = readLen(p, limit); return wireBad ? limit : wireAt + len; }
    default: wireBad = true; return limit;
  }
}

/** google.protobuf.Timestamp [p, end) in ms: seconds * 1000 + trunc(nanos / 1e6). */
export function readTimestampMs(p: usize, end: usize): f64 {
  let seconds: i64 = 0;
  let nanos: i32 = 0;
  while (p < end && !wireBad) {
    const tag = readU64(p, end);
    p = wireAt;
    if (wireBad) break;
    const wt = <u32>tag & 7;
    const field = tag >> 3;
    if (field == 1 && wt == Wire.VARINT) { seconds = <i64>readU64(p, end); p = wireAt; }
    else if (field == 2 && wt == Wire.VARINT) { nanos = <i32>readU64(p, end); p = wireAt; }
    else p = skipValue(wt, p, end);
  }
  return <f64>(seconds * 1000 + <i64>(nanos / 1000000));
}
