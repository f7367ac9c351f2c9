// Protobuf wire-format writers on raw pointers. Callers compute sizes first (a size pass) and
// write into space they reserved (a write pass), as VictoriaMetrics' prompb does: no resizing
// inside a message.

// @ts-ignore: decorator
@inline export function varintSize(v: u64): u32 {
  // 1 byte per 7 bits; v == 0 still takes one byte.
  return (70 - <u32>clz<u64>(v | 1)) / 7;
}

/** Writes `v` as a varint at `p`; returns the address after it. */
// @ts-ignore: decorator
@inline export function writeVarint(p: usize, v: u64): usize {
  while (v >= 0x80) {
    store<u8>(p++, <u8>(v | 0x80));
    v >>= 7;
  }
  store<u8>(p++, <u8>v);
  return p;
}

/** Writes a one-byte tag. */
// @ts-ignore: decorator
@inline export function writeTag(p: usize, tag: u8): usize {
  store<u8>(p, tag);
  return p + 1;
}

/** Writes a length-delimited field: tag, length, bytes. */
// @ts-ignore: decorator
@inline export function writeBytesField(p: usize, tag: u8, src: usize, len: u32): usize {
  store<u8>(p, tag);
  p = writeVarint(p + 1, len);
  memory.copy(p, src, <usize>len);
  return p + <usize>len;
}

/** Size of a length-delimited field with a one-byte tag and a payload of `len` bytes. */
// @ts-ignore: decorator
@inline export function bytesFieldSize(len: u32): u32 {
  return 1 + varintSize(len) + len;
}

/** Reads a varint at `p` (known to be well formed: it is our own encoding). */
export let varintEnd: usize = 0;
export function readVarint(p: usize): u32 {
  let v: u32 = 0;
  let shift: u32 = 0;
  while (true) {
    const b = <u32>load<u8>(p++);
    v |= (b & 0x7F) << shift;
    if (b < 0x80) break;
    shift += 7;
  }
  varintEnd = p;
  return v;
}

// Wire tags used by the encoders (field number << 3 | wire type).
export const TAG_LEN_1: u8 = 0x0A;   // field 1, length-delimited
export const TAG_LEN_2: u8 = 0x12;   // field 2, length-delimited
export const TAG_LEN_3: u8 = 0x1A;   // field 3, length-delimited
export const TAG_LEN_4: u8 = 0x22;   // field 4, length-delimited
export const TAG_LEN_5: u8 = 0x2A;   // field 5, length-delimited
export const TAG_F64_1: u8 = 0x09;   // field 1, 64-bit
export const TAG_F64_2: u8 = 0x11;   // field 2, 64-bit
export const TAG_VARINT_1: u8 = 0x08;
export const TAG_VARINT_2: u8 = 0x10;
export const TAG_VARINT_3: u8 = 0x18;
export const TAG_VARINT_4: u8 = 0x20;
