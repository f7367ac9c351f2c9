/**
 * Several remote-write requests as one compressed request, in a dedicated instance of the core's
 * module (assembly/batch.ts) that holds no scrape state: the send queue's batches (src/remote)
 * are built here. 1.0 requests are concatenated (a serialized WriteRequest is `repeated
 * TimeSeries`, so that is one valid request); 2.0 requests are merged into one symbol table.
 * Either way the result is snappy-compressed by the core's compressor, 2.8x snappyjs's speed
 * (bench/RESULTS.md, 2026-11-24).
 *
 * One codec serves every queue of a RemoteWriter: calls are synchronous, and each returns an
 * owned copy. The instance's memory grows to the largest batch (about four times its
 * uncompressed size: parts, merged request, series scratch, compressed); it is rebuilt smaller
 * when a batch left it past REBUILD_ABOVE_BYTES.
 */
import { ScrapewireError } from './errors';
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

export class BatchCodec {
  private exports: BatchExports = BatchCodec.instantiate();

  private static instantiate(): BatchExports {
    return instantiateCore() as unknown as BatchExports;
  }

  /**
   * The `parts` (uncompressed requests, all of `protocol`) as one snappy-compressed request;
   * an owned buffer. Throws ERR_REMOTE_WRITE when a 2.0 part is malformed (none of the core's
   * are) and ERR_CORE_TRAP when the instance trapped (it is replaced).
   */
  encode(protocol: RemoteWriteProtocol, parts: readonly Uint8Array[]): Uint8Array {
    const framed = protocol === RW2;
    let length = 0;
    for (const part of parts) length += part.length + (framed ? 4 : 0);
    try {
      const e = this.exports;
      const at = e.batchInput(length);
      const memory = new Uint8Array(e.memory.buffer); // after batchInput: it may have grown
      const lengths = new DataView(e.memory.buffer);
      let offset = at;
      for (const part of parts) {
        if (framed) {
          lengths.setUint32(offset, part.length, true);
          offset += 4;
        }
        memory.set(part, offset);
        offset += part.length;
      }
      const compressedLength = framed ? e.batchCompressRw2(parts.length, length) : e.batchCompressRw1(length);
      if (compressedLength === 0) throw new ScrapewireError('ERR_REMOTE_WRITE', 'a 2.0 request in a batch is malformed; the batch cannot be merged');
      const out = e.batchOutput();
      const owned = new Uint8Array(e.memory.buffer, out, compressedLength).slice();
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
