// Snappy block compression (the raw format remote write uses, not the framed one) of the output
// buffer, in linear memory: the request never crosses to JS uncompressed. Compressing in JS with
// snappyjs took ~225 of the 361 ms of a steady 64 MB scrape + encode (bench/RESULTS.md,
// 2026-11-24, parse-encode); this is the same algorithm as the reference implementation: 64 KiB
// blocks, a 16 Ki-entry table of 4-byte hashes, literals and copies with 1- or 2-byte offsets.

import { ByteBuffer, INITIAL_BUFFER_BYTES } from "./buffer";
import { writeVarint, varintSize } from "./protobuf";

const BLOCK: u32 = 1 << 16;
const TABLE_BITS: u32 = 14;
const TABLE_SIZE: u32 = 1 << TABLE_BITS;
/** Matches are not looked for in the last bytes of a block (room for 4-byte loads). */
const INPUT_MARGIN: u32 = 15;

export let compressed: ByteBuffer = changetype<ByteBuffer>(0);
let table: usize = 0;

export function initSnappy(): void {
  compressed = ByteBuffer.create(INITIAL_BUFFER_BYTES);
  table = heap.alloc(<usize>TABLE_SIZE << 1);
}

/** Worst case of snappy's output for `n` input bytes. */
// @ts-ignore: decorator
@inline function maxCompressedLength(n: u32): u32 {
  return 32 + n + n / 6;
}

// @ts-ignore: decorator
@inline function hash4(v: u32): u32 {
  return (v * 0x1E35A7BD) >> (32 - TABLE_BITS);
}

function emitLiteral(op: usize, src: usize, len: u32): usize {
  const n = len - 1;
  if (n < 60) {
    store<u8>(op++, <u8>(n << 2));
  } else if (n < 0x100) {
    store<u8>(op++, 60 << 2);
    store<u8>(op++, <u8>n);
  } else if (n < 0x10000) {
    store<u8>(op++, 61 << 2);
    store<u16>(op, <u16>n);
    op += 2;
  } else if (n < 0x1000000) {
    store<u8>(op++, 62 << 2);
    store<u16>(op, <u16>n);
    store<u8>(op + 2, <u8>(n >> 16));
    op += 3;
  } else {
    store<u8>(op++, 63 << 2);
    store<u32>(op, n);
    op += 4;
  }
  memory.copy(op, src, <usize>len);
  return op + <usize>len;
}

function emitCopyUpTo64(op: usize, offset: u32, len: u32): usize {
  if (len < 12 && offset < 2048) {
    store<u8>(op++, <u8>(1 | ((len - 4) << 2) | ((offset >> 8) << 5)));
    store<u8>(op++, <u8>offset);
  } else {
    store<u8>(op++, <u8>(2 | ((len - 1) << 2)));
    store<u16>(op, <u16>offset);
    op += 2;
  }
  return op;
}

function emitCopy(op: usize, offset: u32, len: u32): usize {
  // Long matches in pieces of 64, keeping the last piece at least 4 bytes long.
  while (len >= 68) {
    op = emitCopyUpTo64(op, offset, 64);
    len -= 64;
  }
  if (len > 64) {
    op = emitCopyUpTo64(op, offset, 60);
    len -= 60;
  }
  return emitCopyUpTo64(op, offset, len);
}

/** Compresses one block [base, base+n) to op; returns the new op. */
function compressBlock(base: usize, n: u32, op: usize): usize {
  let nextEmit = base;
  if (n < INPUT_MARGIN) return n > 0 ? emitLiteral(op, base, n) : op;
  memory.fill(table, 0, <usize>TABLE_SIZE << 1);
  const limit = base + n - INPUT_MARGIN;
  const end = base + n;
  let ip = base + 1;
  let nextHash = hash4(load<u32>(ip));
  while (true) {
    // Look for a match, skipping faster through input that does not compress.
    let skip: u32 = 32;
    let candidate: usize = 0;
    let nextIp = ip;
    do {
      ip = nextIp;
      const h = nextHash;
      nextIp = ip + (skip++ >> 5);
      if (nextIp > limit) {
        if (nextEmit < end) op = emitLiteral(op, nextEmit, <u32>(end - nextEmit));
        return op;
      }
      nextHash = hash4(load<u32>(nextIp));
      candidate = base + <usize>load<u16>(table + (<usize>h << 1));
      store<u16>(table + (<usize>h << 1), <u16>(ip - base));
    } while (load<u32>(ip) != load<u32>(candidate));
    op = emitLiteral(op, nextEmit, <u32>(ip - nextEmit));
    // Emit copies as long as the next position matches again right away.
    while (true) {
      const matchStart = ip;
      let matched: usize = 4;
      while (ip + matched + 8 <= end && load<u64>(ip + matched) == load<u64>(candidate + matched)) matched += 8;
      while (ip + matched < end && load<u8>(ip + matched) == load<u8>(candidate + matched)) matched++;
      op = emitCopy(op, <u32>(matchStart - candidate), <u32>matched);
      ip += matched;
      nextEmit = ip;
      if (ip >= limit) {
        if (nextEmit < end) op = emitLiteral(op, nextEmit, <u32>(end - nextEmit));
        return op;
      }
      // Remember ip-1, and check whether ip itself starts another match.
      store<u16>(table + (<usize>hash4(load<u32>(ip - 1)) << 1), <u16>(ip - 1 - base));
      const h = hash4(load<u32>(ip));
      candidate = base + <usize>load<u16>(table + (<usize>h << 1));
      store<u16>(table + (<usize>h << 1), <u16>(ip - base));
      if (load<u32>(ip) != load<u32>(candidate)) break;
    }
    ip++;
    nextHash = hash4(load<u32>(ip));
  }
  return op;
}

/**
 * Makes sure compressing the `n` bytes at `src` will not need to grow memory. When `end` is not 0,
 * [src + n, end) is free memory the compressed bytes may borrow (the input window after a request
 * written there: encode.ts) if they fit.
 */
export function reserveCompressed(n: u32, src: usize = 0, end: usize = 0): void {
  const need = maxCompressedLength(n) + varintSize(n);
  if (end != 0) {
    const at = (src + <usize>n + 15) & ~<usize>15;
    if (at + <usize>need <= end) {
      compressed.borrow(at, <u32>(end - at));
      return;
    }
  }
  compressed.own();
  compressed.clear();
  compressed.reserve(need);
}

/** Compresses [src, src+n) into `compressed`; returns the compressed length. */
export function snappyCompress(src: usize, n: u32): u32 {
  // Borrowed room that the input now covers (a request written after reserveCompressed) is left.
  if (compressed.borrowed && compressed.data < src + <usize>n && src < compressed.data + <usize>compressed.capacity) compressed.own();
  compressed.clear();
  let op = compressed.reserve(maxCompressedLength(n) + varintSize(n));
  const start = op;
  op = writeVarint(op, n);
  for (let at: u32 = 0; at < n; at += BLOCK) {
    op = compressBlock(src + at, min<u32>(BLOCK, n - at), op);
  }
  compressed.length = <u32>(op - start);
  return compressed.length;
}
