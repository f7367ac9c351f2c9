/**
 * Two TypeScript merges of remote-write 2.0 requests, benchmark baselines for the core's
 * (assembly/batch.ts): `mergeRw2Offsets` appends each part's symbol table and shifts its refs
 * (cheap, but the table keeps duplicates, which the specification says it must not), and
 * `mergeRw2Dedup` interns symbols in a Map as the core does. Both rewrite TimeSeries.labels_refs,
 * Exemplar.labels_refs and Metadata.help_ref/unit_ref and copy everything else; the parts are the
 * core's own requests (well formed, refs packed).
 */

class Out {
  bytes = new Uint8Array(1 << 16);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
  }

  varint(v: number): void {
    this.room(5);
    while (v >= 0x80) {
      this.bytes[this.length++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.bytes[this.length++] = v;
  }

  raw(src: Uint8Array, start: number, end: number): void {
    this.room(end - start);
    this.bytes.set(src.subarray(start, end), this.length);
    this.length += end - start;
  }

  field(tag: number, body: Out): void {
    this.varint(tag);
    this.varint(body.length);
    this.raw(body.bytes, 0, body.length);
  }

  reset(): void {
    this.length = 0;
  }
}

let pos = 0;
function varint(b: Uint8Array): number {
  let v = 0;
  let shift = 0;
  for (;;) {
    const byte = b[pos++];
    v += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return v;
    shift += 7;
  }
}

/** Skips a field's value of wire type `wire` at `pos`. */
function skip(b: Uint8Array, wire: number): void {
  if (wire === 0) varint(b);
  else if (wire === 1) pos += 8;
  else if (wire === 5) pos += 4;
  else {
    const len = varint(b); // read first: `pos += varint(b)` would add to the old pos
    pos += len;
  }
}

type Remap = (ref: number) => number;

const series = new Out();
const nested = new Out();
const packed = new Out();

function packedRefs(out: Out, b: Uint8Array, end: number, map: Remap): void {
  packed.reset();
  while (pos < end) packed.varint(map(varint(b)));
  out.field(0x0a, packed);
}

function rewriteNested(b: Uint8Array, end: number, map: Remap, refField: (field: number, wire: number) => 'packed' | 'varint' | undefined, out: Out, tag: number): void {
  nested.reset();
  while (pos < end) {
    const start = pos;
    const key = varint(b);
    const kind = refField(key >>> 3, key & 7);
    if (kind === 'packed') {
      const len = varint(b);
      packedRefs(nested, b, pos + len, map);
    } else if (kind === 'varint') {
      nested.varint(key);
      nested.varint(map(varint(b)));
    } else {
      skip(b, key & 7);
      nested.raw(b, start, pos);
    }
  }
  out.field(tag, nested);
}

function rewriteSeries(b: Uint8Array, end: number, map: Remap, out: Out): void {
  series.reset();
  while (pos < end) {
    const start = pos;
    const key = varint(b);
    const field = key >>> 3;
    if (field === 1 && (key & 7) === 2) {
      const len = varint(b);
      packedRefs(series, b, pos + len, map);
    } else if (field === 4 && (key & 7) === 2) {
      const len = varint(b);
      rewriteNested(b, pos + len, map, (f, w) => (f === 1 && w === 2 ? 'packed' : undefined), series, 0x22);
    } else if (field === 5 && (key & 7) === 2) {
      const len = varint(b);
      rewriteNested(b, pos + len, map, (f, w) => ((f === 3 || f === 4) && w === 0 ? 'varint' : undefined), series, 0x2a);
    } else {
      skip(b, key & 7);
      series.raw(b, start, pos);
    }
  }
  out.field(0x2a, series);
}

function merge(parts: readonly Uint8Array[], intern: (b: Uint8Array, start: number, end: number) => number, symbolsOut: Out): Uint8Array {
  const body = new Out();
  for (const part of parts) {
    const local: number[] = [];
    pos = 0;
    while (pos < part.length) {
      const key = varint(part);
      if (key === 0x22) {
        const len = varint(part);
        local.push(intern(part, pos, pos + len));
        pos += len;
      } else {
        skip(part, key & 7);
      }
    }
    const map: Remap = (ref) => local[ref];
    pos = 0;
    while (pos < part.length) {
      const key = varint(part);
      if (key === 0x2a) {
        const len = varint(part);
        rewriteSeries(part, pos + len, map, body);
      } else {
        skip(part, key & 7);
      }
    }
  }
  const out = new Uint8Array(symbolsOut.length + body.length);
  out.set(symbolsOut.bytes.subarray(0, symbolsOut.length));
  out.set(body.bytes.subarray(0, body.length), symbolsOut.length);
  return out;
}

/** Each part's table appended, its refs shifted; "" repeats once per part. */
export function mergeRw2Offsets(parts: readonly Uint8Array[]): Uint8Array {
  const symbols = new Out();
  let count = 0;
  return merge(parts, (b, start, end) => {
    symbols.varint(0x22);
    symbols.varint(end - start);
    symbols.raw(b, start, end);
    return count++;
  }, symbols);
}

/** One table, each string once (a Map keyed by the string). */
export function mergeRw2Dedup(parts: readonly Uint8Array[]): Uint8Array {
  const symbols = new Out();
  const index = new Map<string, number>();
  const decoder = new TextDecoder();
  return merge(parts, (b, start, end) => {
    const text = decoder.decode(b.subarray(start, end));
    let id = index.get(text);
    if (id === undefined) {
      id = index.size;
      index.set(text, id);
      symbols.varint(0x22);
      symbols.varint(end - start);
      symbols.raw(b, start, end);
    }
    return id;
  }, symbols);
}
