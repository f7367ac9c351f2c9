/**
 * How a scrape's gzip body is inflated (the exchange, scrape-exchange.ts, reads the body): the
 * sizes of the gunzip stream a large body goes through, and the one-call inflate of a small body
 * that arrived whole (`inflateSmall`).
 *
 * body_size_limit is counted after decompression, on each chunk as gunzip produces it, and the
 * chunk that crosses the limit is never handed out. Node's zlib stops inflating while its output
 * is not read, so a gzip bomb is stopped after about one chunk past the limit, not inflated; a
 * small body that inflates past SMALL_GZIP_OUTPUT_BYTES goes through the stream for that reason.
 */

import { gunzipSync } from 'node:zlib';

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
