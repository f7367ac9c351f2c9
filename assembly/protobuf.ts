// Protobuf wire-format writers on raw pointers. Callers compute sizes first (a size pass) and
// write into space they reserved (a write pass), as VictoriaMetrics' prompb does: no resizing
// inside a message. Tags are one byte (field numbers up to 15): the named tags of the messages
// written are in rwschema.ts.

/** The wire types a tag carries in its low three bits. */
export const enum WireType {
  VARINT = 0,
  I64 = 1,
  LEN = 2,
  I32 = 5,
}

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

/** Writes the tag and length of a length-delimited field whose `len` bytes the caller writes next. */
// @ts-ignore: decorator
@inline export function writeLenPrefix(p: usize, tag: u8, len: u32): usize {
  return writeVarint(writeTag(p, tag), len);
}

/** Writes a length-delimited field: tag, length, bytes. */
// @ts-ignore: decorator
@inline export function writeBytesField(p: usize, tag: u8, src: usize, len: u32): usize {
  p = writeLenPrefix(p, tag, len);
  memory.copy(p, src, <usize>len);
  return p + <usize>len;
}

/** Writes a varint field: tag, value. */
// @ts-ignore: decorator
@inline export function writeVarintField(p: usize, tag: u8, v: u64): usize {
  return writeVarint(writeTag(p, tag), v);
}

/** Writes a 64-bit field (a double): tag, 8 bytes little-endian. */
// @ts-ignore: decorator
@inline export function writeDoubleField(p: usize, tag: u8, v: f64): usize {
  store<f64>(writeTag(p, tag), v);
  return p + 9;
}

/** Size of a length-delimited field with a one-byte tag and a payload of `len` bytes. */
// @ts-ignore: decorator
@inline export function bytesFieldSize(len: u32): u32 {
  return 1 + varintSize(len) + len;
}

/** Size of a varint field with a one-byte tag. */
// @ts-ignore: decorator
@inline export function varintFieldSize(v: u64): u32 {
  return 1 + varintSize(v);
}

/** Size of a 64-bit field with a one-byte tag. */
export const DOUBLE_FIELD_SIZE: u32 = 9;

/** Where the varint read by the last readVarint() ends. */
export let varintEnd: usize = 0;

/** Reads a varint at `p` (known to be well formed: it is our own encoding); sets varintEnd. */
// @ts-ignore: decorator
@inline export function readVarint(p: usize): u32 {
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
