// Interned byte strings: the part the remote-write 2.0 symbol table (symbols.ts) and the label
// pair table (pairs.ts) share. Each table keeps records that start with { ptr: usize, len: u32 }
// (the string's own heap block) at `id * recordSize` in a buffer, and finds them through a
// StringIndex: open addressing on a 32-bit hash, 8-byte slots { hash, id } (id 0 = empty), grown at
// 1/2 load, backward-shift deletion (no tombstones). The tables differ in what else a record
// holds and what a reference means.

import { ByteBuffer } from "./buffer";

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

/** A new record id: a freed one if any, else the next one at the end of `records`. */
export function takeRecordId(records: ByteBuffer, freeIds: ByteBuffer, recordSize: u32): u32 {
  if (freeIds.length > 0) {
    freeIds.length -= 4;
    return load<u32>(freeIds.data + freeIds.length);
  }
  const id = records.length / recordSize;
  records.reserve(recordSize);
  records.length += recordSize;
  return id;
}
