/**
 * Snappy block format (not the framed format: remote write uses raw blocks), via snappyjs.
 * snappyjs ships no types, so it is required through a small typed facade here.
 */
interface SnappyJs {
  compress(input: Uint8Array): Uint8Array;
  uncompress(input: Uint8Array, maxLength?: number): Uint8Array;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const snappy: SnappyJs = require('snappyjs');

/** Compresses one whole request body. Returns a new buffer owned by the caller. */
export function snappyCompress(input: Uint8Array): Uint8Array {
  return snappy.compress(input);
}

/** Decompresses a snappy block; `maxLength` guards against a hostile length prefix. */
export function snappyUncompress(input: Uint8Array, maxLength?: number): Uint8Array {
  return snappy.uncompress(input, maxLength);
}
