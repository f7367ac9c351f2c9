/**
 * Label sets as the core stores them: remote-write 1.0 `repeated Label` bytes
 * (`0x0A len { 0x0A len name 0x12 len value }` per label, sorted by name). The host decodes them
 * only for new series (once per series) and encodes them only for rewritten ones.
 */
import type { Label } from './types';

const utf8 = new TextDecoder('utf-8');
const encoder = new TextEncoder();

function readVarint(bytes: Uint8Array, at: number): [value: number, next: number] {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[at++];
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [value, at];
    shift += 7;
  }
}

/** Decodes `repeated Label` bytes into label pairs. */
export function decodeLabels(bytes: Uint8Array): Label[] {
  const labels: Label[] = [];
  let p = 0;
  while (p < bytes.length) {
    const [, labelStart] = readVarint(bytes, p + 1);
    const [nameLen, nameStart] = readVarint(bytes, labelStart + 1);
    const nameEnd = nameStart + nameLen;
    const [valueLen, valueStart] = readVarint(bytes, nameEnd + 1);
    const valueEnd = valueStart + valueLen;
    labels.push([utf8.decode(bytes.subarray(nameStart, nameEnd)), utf8.decode(bytes.subarray(valueStart, valueEnd))]);
    p = valueEnd;
  }
  return labels;
}

function varintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

function writeVarint(out: Uint8Array, at: number, v: number): number {
  while (v >= 0x80) {
    out[at++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  out[at++] = v;
  return at;
}

/** Byte-order comparison of label names (what the core sorts by). */
export function compareLabelNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * Encodes a label set as `repeated Label` bytes: sorted by name (byte order), labels with empty
 * values left out (an empty value means the label is absent, as in Prometheus).
 */
export function encodeLabels(labels: readonly Label[]): Uint8Array {
  const pairs = labels
    .filter(([, value]) => value !== '')
    .map(([name, value]) => [encoder.encode(name), encoder.encode(value)] as const)
    .sort((a, b) => Buffer.compare(a[0], b[0]));
  let size = 0;
  for (const [name, value] of pairs) {
    const inner = 1 + varintSize(name.length) + name.length + 1 + varintSize(value.length) + value.length;
    size += 1 + varintSize(inner) + inner;
  }
  const out = new Uint8Array(size);
  let p = 0;
  for (const [name, value] of pairs) {
    const inner = 1 + varintSize(name.length) + name.length + 1 + varintSize(value.length) + value.length;
    out[p++] = 0x0a;
    p = writeVarint(out, p, inner);
    out[p++] = 0x0a;
    p = writeVarint(out, p, name.length);
    out.set(name, p);
    p += name.length;
    out[p++] = 0x12;
    p = writeVarint(out, p, value.length);
    out.set(value, p);
    p += value.length;
  }
  return out;
}
