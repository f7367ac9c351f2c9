/**
 * Several remote-write requests as one compressed request, in a dedicated instance of the core's
 * module (assembly/batch.ts) that holds no scrape state: the send queue's batches (src/remote)
 * are built here. 1.0 requests are concatenated (a serialized WriteRequest is `repeated
 * TimeSeries`, so that is one valid request); 2.0 requests are merged into one symbol table.
 * Either way the result is snappy-compressed by the core's compressor, 2.8x snappyjs's speed
 * (bench/RESULTS.md, 2026-11-24).
 *
 * One codec serves every queue of a RemoteWriter: calls are synchronous, and each returns an
 * owned copy of the compressed request. The instance's memory grows to the largest batch (about four times its
 * uncompressed size: parts, merged request, series scratch, compressed); it is rebuilt smaller
 * when a batch left it past REBUILD_ABOVE_BYTES.
 */
import { ScrapewireError } from '../errors';
import { instantiateCore } from './wasm';
import { RW2, type RemoteWriteProtocol } from '../remote-write-protocol';

/** The exports of assembly/batch.ts (see assembly/index.ts). */
interface BatchExports {
  memory: WebAssembly.Memory;
  batchInput(length: number): number;
  batchCompressRw1(length: number): number;
  batchCompressRw2(count: number, length: number): number;
  batchOutput(): number;
}

/** After a batch that left the instance bigger than this, a fresh (small) one replaces it. */
const REBUILD_ABOVE_BYTES = 64 * 1024 * 1024;
const INITIAL_PARTS_BYTES = 64 * 1024;

/**
 * Requests laid out as the codec takes them, in one buffer reused batch after batch: 1.0 back to
 * back, 2.0 each after its u32 LE length. Appending copies a request (which may be a view into a
 * core's memory, valid only for the moment) into memory already touched: a fresh ArrayBuffer per
 * request cost 30-75 us for ~95 KB (allocation, zeroing, GC) against 1-2 us for the copy
 * (bench/RESULTS.md, delivery, 2026-12-02), ~12% of the delivery path's CPU at 500 targets.
 */
export class BatchParts {
  private buffer = Buffer.allocUnsafe(INITIAL_PARTS_BYTES);
  private used = 0;
  private parts = 0;

  constructor(private kind: RemoteWriteProtocol) {}

  get protocol(): RemoteWriteProtocol {
    return this.kind;
  }

  /** Requests appended. */
  get count(): number {
    return this.parts;
  }

  /** Bytes held (the requests, plus 4 per request for 2.0). */
  get length(): number {
    return this.used;
  }

  append(request: Uint8Array): void {
    const framed = this.kind === RW2;
    const need = this.used + request.length + (framed ? 4 : 0);
    if (need > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, this.buffer.length * 2));
      this.buffer.copy(grown, 0, 0, this.used);
      this.buffer = grown;
    }
    if (framed) this.used = this.buffer.writeUInt32LE(request.length, this.used);
    this.buffer.set(request, this.used);
    this.used += request.length;
    this.parts++;
  }

  /** The bytes, valid until the next append or reset. */
  get bytes(): Uint8Array {
    return this.buffer.subarray(0, this.used);
  }

  /** Empties it for the next batch, of `protocol`; gives back memory a huge batch left behind. */
  reset(protocol: RemoteWriteProtocol): void {
    this.kind = protocol;
    if (this.buffer.length > 16 * INITIAL_PARTS_BYTES && this.used < this.buffer.length / 4) this.buffer = Buffer.allocUnsafe(INITIAL_PARTS_BYTES);
    this.used = 0;
    this.parts = 0;
  }
}

export class BatchCodec {
  private exports: BatchExports = BatchCodec.instantiate();

  private static instantiate(): BatchExports {
    return instantiateCore() as unknown as BatchExports;
  }

  /** `requests` (uncompressed, all of `protocol`) as one snappy-compressed request; see encodeParts. */
  encode(protocol: RemoteWriteProtocol, requests: readonly Uint8Array[]): Uint8Array {
    const parts = new BatchParts(protocol);
    for (const request of requests) parts.append(request);
    return this.encodeParts(parts);
  }

  /**
   * The parts as one snappy-compressed request; an owned buffer. Throws ERR_REMOTE_WRITE when a
   * 2.0 part is malformed (none of the core's are) and ERR_CORE_TRAP when the instance trapped
   * (it is replaced).
   */
  encodeParts(parts: BatchParts): Uint8Array {
    const bytes = parts.bytes;
    try {
      const e = this.exports;
      const at = e.batchInput(bytes.length);
      new Uint8Array(e.memory.buffer).set(bytes, at); // after batchInput: the memory may have grown
      const compressedLength = parts.protocol === RW2 ? e.batchCompressRw2(parts.count, bytes.length) : e.batchCompressRw1(bytes.length);
      if (compressedLength === 0) throw new ScrapewireError('ERR_REMOTE_WRITE', 'a 2.0 request in a batch is malformed; the batch cannot be merged');
      const owned = new Uint8Array(e.memory.buffer, e.batchOutput(), compressedLength).slice();
      if (e.memory.buffer.byteLength > REBUILD_ABOVE_BYTES) this.exports = BatchCodec.instantiate();
      return owned;
    } catch (err) {
      if (!(err instanceof WebAssembly.RuntimeError)) throw err;
      this.exports = BatchCodec.instantiate();
      throw new ScrapewireError('ERR_CORE_TRAP', `the batch codec trapped (${err.message}); it was rebuilt`, { cause: err });
    }
  }

  /** Bytes of the instance's linear memory. */
  get wasmBytes(): number {
    return this.exports.memory.buffer.byteLength;
  }
}
