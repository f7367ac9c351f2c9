// The symbol table for remote-write 2.0: every distinct label name and value string, interned
// once and reference counted by the series (and families) that use it. A request's own symbol
// table is built by stamping each symbol the first time the request uses it; "" is always id 0
// and request index 0, as the 2.0 specification requires.

import { ByteBuffer } from "./buffer";
import { hash128, hashLow } from "./hash";

@unmanaged
class Symbol {
  ptr: usize;
  len: u32;
  refs: u32;
  /** Request epoch that last used this symbol, and its index in that request's table. */
  stamp: u32;
  local: u32;
  hash: u32;
}

const SYMBOL_SIZE: u32 = <u32>offsetof<Symbol>();
const SYMBOL_SEED: u64 = 0x5EED5EED;

let records: ByteBuffer = changetype<ByteBuffer>(0);
let freeIds: ByteBuffer = changetype<ByteBuffer>(0);
// Index slots: { hash: u32, id: u32 }, id 0 = empty (symbol 0, "", is never looked up).
let slots: usize = 0;
let mask: u32 = 0;
let used: u32 = 0;
let live: u32 = 0;
let bytes: u64 = 0;

/** The current request's epoch and its symbols in index order. */
let epoch: u32 = 0;
export let requestSymbols: ByteBuffer = changetype<ByteBuffer>(0);

// @ts-ignore: decorator
@inline function symbolAt(id: u32): Symbol {
  return changetype<Symbol>(records.data + <usize>id * SYMBOL_SIZE);
}

export function initSymbols(): void {
  records = ByteBuffer.create(SYMBOL_SIZE * 256);
  memory.fill(records.reserve(SYMBOL_SIZE), 0, SYMBOL_SIZE); // id 0: ""
  records.length = SYMBOL_SIZE;
  freeIds = ByteBuffer.create(64);
  requestSymbols = ByteBuffer.create(1024);
  mask = 255;
  slots = heap.alloc(<usize>(mask + 1) * 8);
  memory.fill(slots, 0, <usize>(mask + 1) * 8);
}

export function symbolBytes(): u64 { return bytes; }
export function symbolCount(): u32 { return live; }

/** Returns the id of the string [ptr, ptr+len), interning it (one more reference) if needed. */
export function internSymbol(ptr: usize, len: u32): u32 {
  if (len == 0) return 0;
  hash128(ptr, len, SYMBOL_SEED);
  const h = <u32>hashLow;
  let i = h & mask;
  while (true) {
    const slot = slots + (<usize>i << 3);
    const id = load<u32>(slot, 4);
    if (id == 0) break;
    if (load<u32>(slot) == h) {
      const s = symbolAt(id);
      if (s.len == len && memory.compare(s.ptr, ptr, len) == 0) {
        s.refs++;
        return id;
      }
    }
    i = (i + 1) & mask;
  }
  let id: u32;
  if (freeIds.length > 0) {
    freeIds.length -= 4;
    id = load<u32>(freeIds.data + freeIds.length);
  } else {
    id = records.length / SYMBOL_SIZE;
    records.reserve(SYMBOL_SIZE);
    records.length += SYMBOL_SIZE;
  }
  const s = symbolAt(id);
  s.ptr = heap.alloc(<usize>len);
  memory.copy(s.ptr, ptr, <usize>len);
  s.len = len;
  s.refs = 1;
  s.stamp = 0;
  s.local = 0;
  s.hash = h;
  bytes += len;
  live++;
  if ((used + 1) * 2 > mask + 1) growIndex();
  putSlot(h, id);
  return id;
}

function putSlot(h: u32, id: u32): void {
  let i = h & mask;
  while (load<u32>(slots + (<usize>i << 3), 4) != 0) i = (i + 1) & mask;
  store<u32>(slots + (<usize>i << 3), h);
  store<u32>(slots + (<usize>i << 3), id, 4);
  used++;
}

function growIndex(): void {
  const old = slots;
  const oldCapacity = mask + 1;
  mask = (oldCapacity << 1) - 1;
  slots = heap.alloc(<usize>(mask + 1) * 8);
  memory.fill(slots, 0, <usize>(mask + 1) * 8);
  used = 0;
  for (let i: u32 = 0; i < oldCapacity; i++) {
    const id = load<u32>(old + (<usize>i << 3), 4);
    if (id != 0) putSlot(load<u32>(old + (<usize>i << 3)), id);
  }
  heap.free(old);
}

/** Drops one reference; the last one frees the string and removes it from the index. */
export function releaseSymbol(id: u32): void {
  if (id == 0) return;
  const s = symbolAt(id);
  if (--s.refs != 0) return;
  // Backward-shift deletion keeps linear probing correct without tombstones.
  let i = s.hash & mask;
  while (load<u32>(slots + (<usize>i << 3), 4) != id) i = (i + 1) & mask;
  let j = i;
  while (true) {
    j = (j + 1) & mask;
    const slotJ = slots + (<usize>j << 3);
    const idJ = load<u32>(slotJ, 4);
    if (idJ == 0) break;
    const home = load<u32>(slotJ) & mask;
    const between = i <= j ? (i < home && home <= j) : (i < home || home <= j);
    if (!between) {
      store<u64>(slots + (<usize>i << 3), load<u64>(slotJ));
      i = j;
    }
  }
  store<u64>(slots + (<usize>i << 3), 0);
  used--;
  heap.free(s.ptr);
  bytes -= s.len;
  s.ptr = 0;
  s.len = 0;
  live--;
  freeIds.pushU32(id);
}

/** Releases an array of `count` symbol ids. */
export function releaseSymbols(ids: usize, count: u32): void {
  for (let k: u32 = 0; k < count; k++) releaseSymbol(load<u32>(ids + (<usize>k << 2)));
}

/** Starts a new request's symbol table, holding "" at index 0. */
export function beginRequestSymbols(): void {
  epoch++;
  requestSymbols.clear();
  requestSymbols.pushU32(0);
  const empty = symbolAt(0);
  empty.stamp = epoch;
  empty.local = 0;
}

/** The request-local index of symbol `id`, adding it to the request's table on first use. */
// @ts-ignore: decorator
@inline export function localSymbol(id: u32): u32 {
  const s = symbolAt(id);
  if (s.stamp != epoch) {
    s.stamp = epoch;
    s.local = requestSymbols.length >> 2;
    requestSymbols.pushU32(id);
  }
  return s.local;
}

export function symbolPtr(id: u32): usize { return symbolAt(id).ptr; }
export function symbolLen(id: u32): u32 { return symbolAt(id).len; }
