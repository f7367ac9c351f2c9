// The symbol table for remote-write 2.0: every distinct label name and value string, interned
// once and reference counted by the series (and families) that use it. A request's own symbol
// table is built by stamping each symbol the first time the request uses it; "" is always id 0
// and request index 0, as the 2.0 specification requires.

import { ByteBuffer, INITIAL_BUFFER_BYTES } from "./buffer";
import { Seed } from "./hash";
import { InternedString, InternTable } from "./strings";

@unmanaged
class Symbol extends InternedString {
  /** Request epoch that last used this symbol, and its index in that request's table. */
  stamp: u32;
  local: u32;
}

const SYMBOL_SIZE: u32 = <u32>offsetof<Symbol>();

// Symbol 0, "", is never looked up: its record is the table's zeroed record 0.
let table: InternTable = changetype<InternTable>(0);

/** The current request's epoch and its symbols in index order. */
let epoch: u32 = 0;
export let requestSymbols: ByteBuffer = changetype<ByteBuffer>(0);

// @ts-ignore: decorator
@inline function symbolAt(id: u32): Symbol {
  return changetype<Symbol>(table.records.data + <usize>id * SYMBOL_SIZE);
}

export function initSymbols(): void {
  table = InternTable.create(SYMBOL_SIZE, 32);
  requestSymbols = ByteBuffer.create(INITIAL_BUFFER_BYTES);
}

export function symbolBytes(): u64 { return table.bytes; }
export function symbolCount(): u32 { return table.live; }

/** Returns the id of the string [ptr, ptr+len), interning it (one more reference) if needed. */
export function internSymbol(ptr: usize, len: u32): u32 {
  if (len == 0) return 0;
  const id = table.intern(ptr, len, Seed.SYMBOL);
  if (table.added) {
    const s = symbolAt(id);
    s.stamp = 0;
    s.local = 0;
  }
  return id;
}

/** Drops one reference; the last one frees the string and removes it from the index. */
export function releaseSymbol(id: u32): void {
  if (id != 0) table.release(id);
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
