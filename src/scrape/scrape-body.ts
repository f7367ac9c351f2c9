/**
 * The body of one scrape as an async iterable of decompressed chunks, read straight off the
 * socket: nothing is buffered beyond the stream buffers in between (undici's 64 KiB high
 * water mark, gunzip's 64 KiB output chunk), so memory does not grow with the body size.
 *
 * Limits are enforced while reading:
 *   - body_size_limit is counted after decompression, on each chunk as gunzip produces it, and
 *     the chunk that crosses the limit is never handed out. Node's zlib stops inflating while
 *     its output is not read, so a gzip bomb is stopped after about one chunk past the limit,
 *     not inflated.
 *   - the scrape deadline (ScrapeDeadline) keeps running until the last byte is read.
 * Whenever iteration ends early (limit, timeout, a socket or gzip error, or the consumer
 * breaking out of its loop) the request is aborted and the gunzip stream destroyed, so the
 * socket is not left half read.
 *
 * Chunks are Buffers owned by the consumer: they are not reused after being yielded.
 * The body can be iterated once.
 */

import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { createGunzip, type Gunzip, type ZlibOptions } from 'node:zlib';

import { ScrapewireError } from '../errors';
import type { ScrapeDeadline } from './scrape-deadline';
import { bodySizeLimitError, transportError } from './scrape-errors';

/** Output chunk of gunzip. 64 KiB matches undici's body chunks; zlib's default is 16 KiB. */
const GUNZIP_CHUNK_BYTES = 64 * 1024;

/**
 * Compressed bytes gunzip may hold before the pipe pauses the socket's stream (zlib's default:
 * 16 KiB). Each pause makes undici stop its HTTP parser and, on resume, re-read everything the
 * socket buffered, whole (socket.read() then unshift of the rest): when the reader is slower than
 * the network, that backlog grows and every resume copies all of it. A 200 MB gzip page streamed
 * in ~8 KiB chunks (a first scrape: 562k new series, the core slower than the socket) took 52.6 s
 * and 55.6 CPU s this way; 4.95 s with 1 MiB here (256 KiB: 5.0 s, 128 KiB: 6.7 s). Memory stays
 * bounded: zlib inflates one write at a time and only while its output is read.
 */
const GUNZIP_INPUT_HIGH_WATER_MARK = 1024 * 1024;

export interface ScrapeBodyOptions {
  /** The response body as undici hands it out. */
  source: Readable;
  encoding: 'identity' | 'gzip';
  /** Limit on the decompressed bytes; 0 means none. */
  limitBytes: number;
  deadline: ScrapeDeadline;
  target: string;
  /** Called once when the body is finished with, successfully or not. */
  onSettled: () => void;
}

export class ScrapeBody implements AsyncIterable<Uint8Array> {
  /** Decompressed bytes produced so far, including a chunk refused for crossing the limit. */
  bytesRead = 0;
  private plainBytesRead = 0;
  private gunzip: Gunzip | undefined;
  private iterated = false;
  private settled = false;

  constructor(private readonly opts: ScrapeBodyOptions) {}

  /** Bytes received from the socket (compressed when the body is gzip). */
  get wireBytesRead(): number {
    // gunzip counts what it consumed: a 'data' listener on the socket's stream beside the pipe
    // would do it too, but that pair makes undici's body and Node's pipe fight over pausing it:
    // a 200 MB gzip page streamed in ~8 KiB chunks took 48 s of CPU to read instead of 2 s.
    return this.gunzip !== undefined ? this.gunzip.bytesWritten : this.plainBytesRead;
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    if (this.iterated) {
      throw new ScrapewireError('ERR_USAGE', 'a scrape body can be read only once', { target: this.opts.target });
    }
    this.iterated = true;
    return this.chunks();
  }

  /**
   * Gives the body up without reading it (the consumer decided not to), releasing the socket.
   * Safe to call at any time, also after the body was read.
   */
  discard(): void {
    if (this.settled) return;
    this.iterated = true;
    this.finish(false, discardedReason(this.opts.target));
  }

  private async *chunks(): AsyncGenerator<Uint8Array, void, undefined> {
    const { source, encoding, limitBytes, deadline, target } = this.opts;
    let decoded: AsyncIterable<Buffer> = source;
    let gunzip: Gunzip | undefined;
    if (encoding === 'gzip') {
      // zlib passes stream options on to its Transform; @types/node's ZlibOptions omits them.
      gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES, writableHighWaterMark: GUNZIP_INPUT_HIGH_WATER_MARK } as ZlibOptions);
      this.gunzip = gunzip;
      // pipeline destroys both streams when either fails; the error reaches us through gunzip.
      // Nothing else may listen for 'data' on the source (see wireBytesRead).
      pipeline(source, gunzip, () => undefined);
      decoded = gunzip;
    }
    let completed = false;
    let limitError: ScrapewireError | undefined;
    try {
      for await (const chunk of decoded) {
        this.bytesRead += chunk.length;
        if (gunzip === undefined) this.plainBytesRead += chunk.length;
        if (limitBytes > 0 && this.bytesRead > limitBytes) {
          limitError = bodySizeLimitError(target, limitBytes);
          throw limitError;
        }
        yield chunk;
      }
      completed = true;
    } catch (err) {
      if (err === limitError) throw err;
      throw deadline.errorFor(err, (cause) => transportError(target, 'reading body failed', cause));
    } finally {
      this.finish(completed, limitError ?? discardedReason(target), gunzip);
    }
  }

  private finish(completed: boolean, reason: unknown, gunzip?: Gunzip): void {
    if (this.settled) return;
    this.settled = true;
    if (!completed) {
      // Aborting the request destroys undici's body and closes the socket mid-response.
      this.opts.deadline.abort(reason);
      // Destroyed streams may still emit the abort as an 'error': nobody is listening any more.
      gunzip?.on('error', ignore).destroy();
      this.opts.source.on('error', ignore).destroy();
    }
    this.opts.deadline.dispose();
    this.opts.onSettled();
  }
}

function ignore(): void {}

function discardedReason(target: string): ScrapewireError {
  return new ScrapewireError('ERR_USAGE', 'scrape body not read to its end', { target });
}
