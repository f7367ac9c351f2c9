// Growable raw byte buffers in linear memory (TLSF blocks from `heap`, never managed objects).
// A buffer's data pointer moves when it grows: never keep a pointer into it across a push.

/**
 * Where an instance's buffers start: small, so a target with a small page pays for what it uses
 * (they grow by doubling). At 64 KiB and 4-8 KiB an idle target's instance touched pages spread
 * over ~2 MiB of memory (bench/target-cost.bench.ts, bench/RESULTS.md 2026-12-02); 1 KiB -> 256
 * bytes: an idle instance's tables 2 pages fewer, a 70-series one 1 fewer, 1,000 series the same
 * (bench/probe-core-memory.js, bench/RESULTS.md 2026-12-03).
 */
export const INITIAL_BUFFER_BYTES: u32 = 256;

/**
 * A growable byte buffer: `data` is the start, `length` the bytes used. Its bytes are its own
 * heap block, or memory it borrows (`borrow`: the input window between scrapes, encode.ts) and
 * leaves for a block of its own when it outgrows it.
 */
@unmanaged
export class ByteBuffer {
  data: usize = 0;
  length: u32 = 0;
  capacity: u32 = 0;
  /** `data` is not a heap block of this buffer's: never realloc'd or freed. */
  borrowed: bool = false;

  static create(initialCapacity: u32): ByteBuffer {
    const buf = changetype<ByteBuffer>(heap.alloc(offsetof<ByteBuffer>()));
    buf.data = heap.alloc(<usize>max<u32>(initialCapacity, 16));
    buf.length = 0;
    buf.capacity = max<u32>(initialCapacity, 16);
    buf.borrowed = false;
    return buf;
  }

  /** Empties the buffer onto [at, at + capacity), memory it does not own; its own block is freed. */
  borrow(at: usize, capacity: u32): void {
    if (!this.borrowed) heap.free(this.data);
    this.data = at;
    this.capacity = capacity;
    this.length = 0;
    this.borrowed = true;
  }

  /** Empties a borrowing buffer onto a small block of its own (the memory it borrowed is needed back). */
  own(): void {
    if (!this.borrowed) return;
    this.data = heap.alloc(<usize>INITIAL_BUFFER_BYTES);
    this.capacity = INITIAL_BUFFER_BYTES;
    this.length = 0;
    this.borrowed = false;
  }

  /** Makes room for `extra` more bytes; returns the address where they go. */
  @inline reserve(extra: u32): usize {
    const need = this.length + extra;
    if (need > this.capacity) this.grow(need);
    return this.data + <usize>this.length;
  }

  grow(need: u32): void {
    let cap = this.capacity;
    while (cap < need) cap = cap < 0x40000000 ? cap << 1 : need;
    if (this.borrowed) {
      // Outgrown what it borrowed: the bytes so far move to a block of its own.
      const own = heap.alloc(<usize>cap);
      memory.copy(own, this.data, <usize>this.length);
      this.data = own;
      this.borrowed = false;
    } else {
      this.data = heap.realloc(this.data, <usize>cap);
    }
    this.capacity = cap;
  }

  @inline clear(): void { this.length = 0; }

  @inline pushU8(v: u8): void {
    const at = this.reserve(1);
    store<u8>(at, v);
    this.length += 1;
  }

  @inline pushU32(v: u32): void {
    const at = this.reserve(4);
    store<u32>(at, v);
    this.length += 4;
  }

  @inline pushF64(v: f64): void {
    const at = this.reserve(8);
    store<f64>(at, v);
    this.length += 8;
  }

  @inline pushBytes(src: usize, len: u32): void {
    const at = this.reserve(len);
    memory.copy(at, src, <usize>len);
    this.length += len;
  }
}
