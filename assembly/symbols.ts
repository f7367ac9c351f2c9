// The symbol table for remote-write 2.0: every distinct label name and value string, interned
// once and reference counted by the series (and families) that use it. A request's own symbol
// table is built by stamping each symbol the first time the request uses it; "" is always id 0
// and request index 0, as the 2.0 specification requires.

import { ByteBuffer } from "./buffer";
import { hash128, hashLow } from "./hash";
import { StringIndex, takeRecordId } from "./strings";

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
// Symbol 0, "", is never looked up.
let index: StringIndex = changetype<StringIndex>(0);
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
  index = StringIndex.create(256);
}

export function symbolBytes(): u64 { return bytes; }
export function symbolCount(): u32 { return live; }

/** Returns the id of the string [ptr, ptr+len), interning it (one more reference) if needed. */
export function internSymbol(ptr: usize, len: u32): u32 {
  if (len == 0) return 0;
  hash128(ptr, len, SYMBOL_SEED);
  const h = <u32>hashLow;
  let id = index.find(h, ptr, len, records, SYMBOL_SIZE);
  if (id != 0) {
    symbolAt(id).refs++;
    return id;
  }
  id = takeRecordId(records, freeIds, SYMBOL_SIZE);
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
  index.insert(h, id);
  return id;
}

/** Drops one reference; the last one frees the string and removes it from the index. */
export function releaseSymbol(id: u32): void {
  if (id == 0) return;
  const s = symbolAt(id);
  if (--s.refs != 0) return;
  index.remove(s.hash, id);
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
  // A released symbol has no bytes: in a table it would be a second "" (debug builds check).
  assert(id == 0 || s.refs != 0, "request uses a released symbol");
  if (s.stamp != epoch) {
    s.stamp = epoch;
    s.local = requestSymbols.length >> 2;
    requestSymbols.pushU32(id);
  }
  return s.local;
}

export function symbolPtr(id: u32): usize { return symbolAt(id).ptr; }
export function symbolLen(id: u32): u32 { return symbolAt(id).len; }
