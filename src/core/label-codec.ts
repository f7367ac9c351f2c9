/**
 * Label sets as the core stores them: remote-write 1.0 `repeated Label` bytes
 * (`0x0A len { 0x0A len name 0x12 len value }` per label, sorted by name). The host decodes them
 * only for new series (once per series) and encodes them only for rewritten ones.
 */
import { compareLabelNames, type Label } from '../labels';


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
  // Buffer's utf8 slice is several times faster than TextDecoder on short strings.
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const labels: Label[] = [];
  let p = 0;
  while (p < buf.length) {
    const [, labelStart] = readVarint(buf, p + 1);
    const [nameLen, nameStart] = readVarint(buf, labelStart + 1);
    const nameEnd = nameStart + nameLen;
    const [valueLen, valueStart] = readVarint(buf, nameEnd + 1);
    const valueEnd = valueStart + valueLen;
    labels.push([buf.toString('utf8', nameStart, nameEnd), buf.toString('utf8', valueStart, valueEnd)]);
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

/**
 * Encodes a label set as `repeated Label` bytes: sorted by name (byte order), labels with empty
 * values left out (an empty value means the label is absent, as in Prometheus). Sets that come
 * sorted (the resolver's usually do) are not sorted again; strings are written straight into
 * one buffer. This runs once per new series: a first scrape of a 100 MB page calls it 281k times.
 */
export function encodeLabels(labels: readonly Label[]): Uint8Array {
  let list = labels.filter(([, value]) => value !== '');
  for (let i = 1; i < list.length; i++) {
    if (compareLabelNames(list[i - 1][0], list[i][0]) > 0) {
      list = [...list].sort((a, b) => compareLabelNames(a[0], b[0]));
      break;
    }
  }
  const sizes = new Array<number>(list.length * 2);
  let size = 0;
  for (let i = 0; i < list.length; i++) {
    const nameLen = Buffer.byteLength(list[i][0]);
    const valueLen = Buffer.byteLength(list[i][1]);
    sizes[2 * i] = nameLen;
    sizes[2 * i + 1] = valueLen;
    const inner = 1 + varintSize(nameLen) + nameLen + 1 + varintSize(valueLen) + valueLen;
    size += 1 + varintSize(inner) + inner;
  }
  const out = Buffer.allocUnsafe(size);
  let p = 0;
  for (let i = 0; i < list.length; i++) {
    const nameLen = sizes[2 * i];
    const valueLen = sizes[2 * i + 1];
    const inner = 1 + varintSize(nameLen) + nameLen + 1 + varintSize(valueLen) + valueLen;
    out[p++] = 0x0a;
    p = writeVarint(out, p, inner);
    out[p++] = 0x0a;
    p = writeVarint(out, p, nameLen);
    p += out.write(list[i][0], p, 'utf8');
    out[p++] = 0x12;
    p = writeVarint(out, p, valueLen);
    p += out.write(list[i][1], p, 'utf8');
  }
  return out;
}
