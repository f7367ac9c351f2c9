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
 *   - the scrape deadline (ScrapeDeadline) runs until the body's last byte has been received
 *     (its end pushed into undici's stream); parsing what was received is not under it.
 * Whenever iteration ends early (limit, timeout, a socket or gzip error, or the consumer
 * breaking out of its loop) the request is aborted and the gunzip stream destroyed, so the
 * socket is not left half read.
 *
 * Chunks are Buffers owned by the consumer: they are not reused after being yielded.
 * The body can be iterated once.
 */

import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { createGunzip, gunzipSync, type Gunzip, type ZlibOptions } from 'node:zlib';

import { ScrapewireError } from '../errors';
import { bodyEnded, type ScrapeDeadline } from './scrape-deadline';
import { bodySizeLimitError, transportError } from './scrape-errors';

/** Output chunk of gunzip. 64 KiB matches undici's body chunks; zlib's default is 16 KiB. */
export const GUNZIP_CHUNK_BYTES = 64 * 1024;

/**
 * Compressed bytes gunzip may hold before the pipe pauses the socket's stream (zlib's default:
 * 16 KiB). Each pause makes undici stop its HTTP parser and, on resume, re-read everything the
 * socket buffered, whole (socket.read() then unshift of the rest): when the reader is slower than
 * the network, that backlog grows and every resume copies all of it. A 200 MB gzip page streamed
 * in ~8 KiB chunks (a first scrape: 562k new series, the core slower than the socket) took 52.6 s
 * and 55.6 CPU s this way; 4.95 s with 1 MiB here (256 KiB: 5.0 s, 128 KiB: 6.7 s). Memory stays
 * bounded: zlib inflates one write at a time and only while its output is read.
 */
export const GUNZIP_INPUT_HIGH_WATER_MARK = 1024 * 1024;

/**
 * A gzip body whose compressed bytes end within this much is inflated in one call instead of
 * through a gunzip stream: most pages of a node's pods (tens to hundreds of KB of text) arrive
 * whole in a chunk or two, and a stream per scrape (its native handle, the pipe, the async
 * iterators) was a fifth of the CPU of 2,000 such targets at 1 s (bench/RESULTS.md, 2026-12-03).
 */
export const SMALL_GZIP_BYTES = 64 * 1024;

/**
 * What one call may inflate: a small gzip body that inflates to more (a bomb, or a page that
 * compresses very well) goes through the stream instead, which stops it at the body limit and
 * never holds more than a chunk of it.
 */
const SMALL_GZIP_OUTPUT_BYTES = 1024 * 1024;

/** The smallest gzip member: a 10-byte header, an empty deflate stream and the 8-byte trailer (CRC32, ISIZE). */
const GZIP_MIN_BYTES = 18;

/** zlib's smallest chunkSize (zlib.constants.Z_MIN_CHUNK). */
const ZLIB_MIN_CHUNK_BYTES = 64;

export interface ScrapeBodyOptions {
  /** The response body as undici hands it out. */
  source: Readable;
  encoding: 'identity' | 'gzip';
  /** Limit on the decompressed bytes; 0 means none. */
  limitBytes: number;
  deadline: ScrapeDeadline;
  target: string;
  /** Called once when the body is finished with, successfully or not (after the deadline's dispose()). */
  onSettled?: () => void;
}

export class ScrapeBody implements AsyncIterable<Uint8Array> {
  /** Decompressed bytes produced so far, including a chunk refused for crossing the limit. */
  bytesRead = 0;
  /** Wire bytes of a plain body, or of a small gzip body inflated in one call; gunzip counts its own. */
  private wireBytes = 0;
  private gunzip: Gunzip | undefined;
  /** The body_size_limit error, once a chunk crossed the limit. */
  private limitError: ScrapewireError | undefined;
  private iterated = false;
  private settled = false;

  constructor(private readonly opts: ScrapeBodyOptions) {
    opts.deadline.watchBody(opts.source);
  }

  /** Bytes received from the socket (compressed when the body is gzip). */
  get wireBytesRead(): number {
    // Counted by the one reader of the body (or by gunzip, what it consumed), never by a 'data'
    // listener: one beside the pipe that fed gunzip made undici's body and Node's pipe fight over
    // pausing it (a 200 MB gzip page in ~8 KiB chunks took 48 s of CPU to read instead of 2 s).
    return this.gunzip?.bytesWritten ?? this.wireBytes;
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
    const { source, encoding, target, deadline } = this.opts;
    let completed = false;
    try {
      const whole = wholeBody(source);
      if (whole !== undefined) {
        // Every byte is in: what remains is processing, which the scrape timeout does not bound.
        deadline.received();
        this.wireBytes = whole.length;
        const inflated = encoding !== 'gzip' ? whole : whole.length <= SMALL_GZIP_BYTES ? inflateSmall(whole) : undefined;
        if (inflated !== undefined) {
          yield* this.pieces(inflated);
        } else {
          // Too big for one call (compressed or inflated): the stream, which has nothing left to read.
          yield* this.gunzipStream([whole], (source as AsyncIterable<Buffer>)[Symbol.asyncIterator]());
        }
      } else if (encoding === 'gzip') yield* this.gzipChunks();
      else {
        for await (const chunk of source as AsyncIterable<Buffer>) {
          this.wireBytes += chunk.length;
          yield this.counted(chunk);
        }
      }
      completed = true;
    } catch (err) {
      if (err === this.limitError) throw err;
      throw deadline.errorFor(err, (cause) => transportError(target, 'reading body failed', cause));
    } finally {
      // The reason is made only for a body given up: an error (its stack trace) per completed scrape cost CPU for nothing.
      this.finish(completed, this.limitError, this.gunzip);
    }
  }

  /** A body inflated in one call, handed out in gunzip-sized pieces, each counted. */
  private *pieces(inflated: Buffer): Generator<Uint8Array, void, undefined> {
    for (let at = 0; at < inflated.length; at += GUNZIP_CHUNK_BYTES) yield this.counted(inflated.subarray(at, at + GUNZIP_CHUNK_BYTES));
  }

  /** Counts a decompressed chunk against body_size_limit; the chunk that crosses it is refused. */
  private counted(chunk: Uint8Array): Uint8Array {
    this.bytesRead += chunk.length;
    const { limitBytes, target } = this.opts;
    if (limitBytes > 0 && this.bytesRead > limitBytes) {
      this.limitError = bodySizeLimitError(target, limitBytes);
      throw this.limitError;
    }
    return chunk;
  }

  /**
   * A gzip body: read whole and inflated in one call while it stays small (SMALL_GZIP_BYTES
   * compressed, SMALL_GZIP_OUTPUT_BYTES inflated); otherwise through a gunzip stream fed from the
   * same reader, with what was read so far first.
   */
  private async *gzipChunks(): AsyncGenerator<Uint8Array, void, undefined> {
    const reader = (this.opts.source as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    const head: Buffer[] = [];
    let headBytes = 0;
    for (;;) {
      const next = await reader.next();
      if (next.done === true) {
        const inflated = inflateSmall(head.length === 1 ? head[0] : Buffer.concat(head, headBytes));
        if (inflated !== undefined) {
          this.wireBytes = headBytes;
          yield* this.pieces(inflated);
          return;
        }
        break;
      }
      head.push(next.value);
      headBytes += next.value.length;
      if (headBytes > SMALL_GZIP_BYTES) break;
    }
    yield* this.gunzipStream(head, reader);
  }

  /** Inflates `head` and then the rest of `reader` through a gunzip stream, with backpressure both ways. */
  private async *gunzipStream(head: Buffer[], reader: AsyncIterator<Buffer>): AsyncGenerator<Uint8Array, void, undefined> {
    // zlib passes stream options on to its Transform; @types/node's ZlibOptions omits them.
    const gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES, writableHighWaterMark: GUNZIP_INPUT_HIGH_WATER_MARK } as ZlibOptions);
    this.gunzip = gunzip;
    // The writer feeds gunzip from the socket's reader and waits when gunzip pushes back (it
    // inflates only while its output is read); a failure on either side ends both (destroying
    // gunzip also ends a wait for 'drain').
    const write = async (chunk: Buffer): Promise<void> => {
      if (!gunzip.write(chunk)) await once(gunzip, 'drain');
    };
    const writer = (async () => {
      for (const chunk of head) await write(chunk);
      for (;;) {
        const next = await reader.next();
        if (next.done === true) break;
        await write(next.value);
      }
      gunzip.end();
    })();
    writer.catch((err: unknown) => gunzip.destroy(err instanceof Error ? err : new Error(String(err))));
    for await (const chunk of gunzip as AsyncIterable<Buffer>) yield this.counted(chunk);
    await writer;
  }

  /** `reason`: why a body not read to its end was given up (default: it was discarded). */
  private finish(completed: boolean, reason: unknown, gunzip?: Gunzip): void {
    if (this.settled) return;
    this.settled = true;
    if (!completed) {
      // Aborting the request destroys undici's body and closes the socket mid-response.
      this.opts.deadline.abort(reason ?? discardedReason(this.opts.target));
      // Destroyed streams may still emit the abort as an 'error': nobody is listening any more.
      gunzip?.on('error', ignore).destroy();
      this.opts.source.on('error', ignore).destroy();
    }
    this.opts.deadline.dispose();
    this.opts.onSettled?.();
  }
}

function ignore(): void {}

const EMPTY = Buffer.alloc(0);

/**
 * The whole body when the stream already holds all of it (its end was pushed: a small page comes
 * in the same socket read as its headers, so it is there when request() resolves), taken with one
 * read(); undefined when more is to come. Reading it this way skips the stream's async iterator
 * and its end-of-stream listeners, ~3 KB of garbage per small scrape (bench/RESULTS.md, 2026-12-03).
 */
function wholeBody(source: Readable): Buffer | undefined {
  if (!bodyEnded(source) || source.destroyed) return undefined;
  return (source.read() as Buffer | null) ?? EMPTY;
}

/**
 * A whole small gzip body inflated at once, or undefined when it inflates to more than one call may hold.
 *
 * The output is one buffer sized from the gzip trailer's ISIZE (the inflated length, modulo 2^32,
 * of the last member) plus one byte: zlib then fills a single chunk and hands back a view of it.
 * With zlib's 16 KiB chunks a 200 KB page took 14 allocations and 417 KB (the chunks, then their
 * concatenation); sized, one of 204 KB (bench/RESULTS.md, 2026-12-03 08:26-09:17 UTC). A trailer that lies
 * only changes how zlib chunks its output: maxOutputLength still bounds it; one that claims more
 * than SMALL_GZIP_OUTPUT_BYTES sends the body to the stream.
 */
export function inflateSmall(compressed: Buffer): Buffer | undefined {
  const inflatedLength = compressed.length >= GZIP_MIN_BYTES ? compressed.readUInt32LE(compressed.length - 4) : 0;
  if (inflatedLength > SMALL_GZIP_OUTPUT_BYTES) return undefined;
  try {
    return gunzipSync(compressed, { maxOutputLength: SMALL_GZIP_OUTPUT_BYTES, chunkSize: Math.max(ZLIB_MIN_CHUNK_BYTES, inflatedLength + 1) });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return undefined;
    throw err;
  }
}

function discardedReason(target: string): ScrapewireError {
  return new ScrapewireError('ERR_USAGE', 'scrape body not read to its end', { target });
}
