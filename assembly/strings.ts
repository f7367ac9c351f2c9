// Interned byte strings: what the remote-write 2.0 symbol table (symbols.ts) and the label pair
// table (pairs.ts) share (an InternTable each), and the batch merge's symbol table (batch.ts) uses
// the index of. Records start with { ptr: usize, len: u32 } (the string's own heap block) at
// `id * recordSize` in a buffer, and are found through a StringIndex: open addressing on a 32-bit
// hash, 8-byte slots { hash, id } (id 0 = empty), grown at 1/2 load, backward-shift deletion (no
// tombstones). The tables differ in what else a record holds and what a reference means.

import { ByteBuffer } from "./buffer";
import { hash64 } from "./hash";

@unmanaged
export class StringIndex {
  slots: usize;
  mask: u32;
  used: u32;

  static create(capacity: u32): StringIndex {
    const index = changetype<StringIndex>(heap.alloc(offsetof<StringIndex>()));
    index.mask = capacity - 1;
    index.used = 0;
    index.slots = heap.alloc(<usize>capacity << 3);
    memory.fill(index.slots, 0, <usize>capacity << 3);
    return index;
  }

  /** Bytes of its slots. */
  get bytes(): u64 { return (<u64>this.mask + 1) << 3; }

  /**
   * The id of the record in `records` (of `recordSize` bytes, starting { ptr, len }) holding the
   * bytes [ptr, ptr+len), whose hash is `h`; 0 if there is none.
   */
  find(h: u32, ptr: usize, len: u32, records: ByteBuffer, recordSize: u32): u32 {
    let i = h & this.mask;
    while (true) {
      const slot = this.slots + (<usize>i << 3);
      const id = load<u32>(slot, 4);
      if (id == 0) return 0;
      if (load<u32>(slot) == h) {
        const record = records.data + <usize>id * recordSize;
        if (load<u32>(record, sizeof<usize>()) == len && memory.compare(load<usize>(record), ptr, len) == 0) return id;
      }
      i = (i + 1) & this.mask;
    }
  }

  /** Adds `id` under `h` (not present yet), growing first if that would pass 1/2 load. */
  insert(h: u32, id: u32): void {
    if ((this.used + 1) * 2 > this.mask + 1) this.grow();
    this.put(h, id);
  }

  /** Removes `id`, which is present under `h`. */
  remove(h: u32, id: u32): void {
    const slots = this.slots;
    const mask = this.mask;
    let i = h & mask;
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
    this.used--;
  }

  private put(h: u32, id: u32): void {
    let i = h & this.mask;
    while (load<u32>(this.slots + (<usize>i << 3), 4) != 0) i = (i + 1) & this.mask;
    store<u32>(this.slots + (<usize>i << 3), h);
    store<u32>(this.slots + (<usize>i << 3), id, 4);
    this.used++;
  }

  private grow(): void {
    const old = this.slots;
    const oldCapacity = this.mask + 1;
    this.mask = (oldCapacity << 1) - 1;
    this.slots = heap.alloc(<usize>(this.mask + 1) << 3);
    memory.fill(this.slots, 0, <usize>(this.mask + 1) << 3);
    this.used = 0;
    for (let i: u32 = 0; i < oldCapacity; i++) {
      const id = load<u32>(old + (<usize>i << 3), 4);
      if (id != 0) this.put(load<u32>(old + (<usize>i << 3)), id);
    }
    heap.free(old);
  }
}

/** What every interned record starts with: its string's own heap block, references, hash. */
@unmanaged
export class InternedString {
  ptr: usize;
  len: u32;
  refs: u32;
  hash: u32;
}

/**
 * A table of interned, reference-counted strings: records of `recordSize` bytes (an
 * InternedString, then the table's own fields) by id, freed ids reused, found through a
 * StringIndex. Id 0 is never a string (its record is zeroed).
 */
@unmanaged
export class InternTable {
  records: ByteBuffer;
  freeIds: ByteBuffer;
  index: StringIndex;
  recordSize: u32;
  /** Strings held, and their bytes. */
  live: u32;
  bytes: u64;
  /** Whether the last intern() added the string (its record's own fields are then the caller's to set). */
  added: bool;

  static create(recordSize: u32, capacity: u32): InternTable {
    const table = changetype<InternTable>(heap.alloc(offsetof<InternTable>()));
    table.records = ByteBuffer.create(recordSize * capacity);
    memory.fill(table.records.reserve(recordSize), 0, recordSize);
    table.records.length = recordSize;
    table.freeIds = ByteBuffer.create(64);
    table.index = StringIndex.create(capacity);
    table.recordSize = recordSize;
    table.live = 0;
    table.bytes = 0;
    table.added = false;
    return table;
  }

  /** The record of `id`. */
  @inline at(id: u32): usize {
    return this.records.data + <usize>id * this.recordSize;
  }

  /** The id of the string [ptr, ptr+len) with one more reference, added if it is not held (`added`). */
  intern(ptr: usize, len: u32, seed: u64): u32 {
    const h = <u32>hash64(ptr, len, seed);
    let id = this.index.find(h, ptr, len, this.records, this.recordSize);
    this.added = id == 0;
    if (id != 0) {
      changetype<InternedString>(this.at(id)).refs++;
      return id;
    }
    id = this.takeId();
    const s = changetype<InternedString>(this.at(id));
    s.ptr = heap.alloc(<usize>len);
    memory.copy(s.ptr, ptr, <usize>len);
    s.len = len;
    s.refs = 1;
    s.hash = h;
    this.bytes += len;
    this.live++;
    this.index.insert(h, id);
    return id;
  }

  /** Drops one reference; returns true when it was the last: the string is freed and its id reused. */
  release(id: u32): bool {
    const s = changetype<InternedString>(this.at(id));
    if (--s.refs != 0) return false;
    this.index.remove(s.hash, id);
    heap.free(s.ptr);
    this.bytes -= s.len;
    s.ptr = 0;
    s.len = 0;
    this.live--;
    this.freeIds.pushU32(id);
    return true;
  }

  /** A new record id: a freed one if any, else the next one at the end of `records`. */
  private takeId(): u32 {
    const freeIds = this.freeIds;
    if (freeIds.length > 0) {
      freeIds.length -= 4;
      return load<u32>(freeIds.data + freeIds.length);
    }
    const records = this.records;
    const id = records.length / this.recordSize;
    records.reserve(this.recordSize);
    records.length += this.recordSize;
    return id;
  }
}
