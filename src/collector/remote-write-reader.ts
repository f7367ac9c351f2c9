/**
 * Reads a decompressed remote-write request (1.0 `prometheus.WriteRequest` or 2.0
 * `io.prometheus.write.v2.Request`) series by series with protobufjs's low-level Reader, for the
 * built-in sink. It builds no message objects: protobufjs's generated decode made an object per
 * series, label and sample, so a 16 MiB request of tiny series held hundreds of MB of heap. Here
 * a request costs its label strings, one series at a time, plus (2.0) two integers per symbol.
 *
 * Field numbers follow prompb/types.proto, prompb/remote.proto and
 * prompb/io/prometheus/write/v2/types.proto; fields the sink does not show (metadata,
 * histograms, exemplars) are skipped.
 */
import { Reader } from 'protobufjs';
import { ScrapewireError } from '../errors';

export interface ReadSeries {
  labels: Array<[string, string]>;
  /** Number of samples; the last one's value and timestamp (ms). */
  samples: number;
  lastValue: number;
  lastTimestamp: number;
}

const VARINT = 0;
const FIXED64 = 1;
const BYTES = 2;

function invalid(reason: string): ScrapewireError {
  return new ScrapewireError('ERR_REMOTE_WRITE', `invalid remote-write request: ${reason}`);
}

/** The end offset of a length-delimited field starting at the reader's position. */
function endOfField(reader: Reader, what: string): number {
  const length = reader.uint32();
  const end = reader.pos + length;
  if (end > reader.len) throw invalid(`${what} runs past the end of the request`);
  return end;
}

function readSample(reader: Reader, end: number, series: ReadSeries): void {
  let value = 0;
  let timestamp = 0;
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === ((1 << 3) | FIXED64)) value = reader.double();
    else if (tag === ((2 << 3) | VARINT)) {
      const long = reader.int64();
      // Milliseconds: exact below 2^53, which covers every real timestamp.
      timestamp = long.high * 0x1_0000_0000 + (long.low >>> 0);
    }
    else reader.skipType(tag & 7);
  }
  series.samples++;
  series.lastValue = value;
  series.lastTimestamp = timestamp;
}

function readLabelV1(reader: Reader, end: number): [string, string] {
  let name = '';
  let value = '';
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === ((1 << 3) | BYTES)) name = reader.string();
    else if (tag === ((2 << 3) | BYTES)) value = reader.string();
    else reader.skipType(tag & 7);
  }
  return [name, value];
}

function check(reader: Reader, end: number, what: string): void {
  if (reader.pos !== end) throw invalid(`${what} does not end where its length says`);
}

function* readWriteRequestV1(bytes: Uint8Array): Generator<ReadSeries> {
  const reader = Reader.create(bytes);
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag !== ((1 << 3) | BYTES)) {
      reader.skipType(tag & 7);
      continue;
    }
    const end = endOfField(reader, 'a time series');
    const series: ReadSeries = { labels: [], samples: 0, lastValue: Number.NaN, lastTimestamp: 0 };
    while (reader.pos < end) {
      const inner = reader.uint32();
      if (inner === ((1 << 3) | BYTES)) {
        const labelEnd = endOfField(reader, 'a label');
        series.labels.push(readLabelV1(reader, labelEnd));
        check(reader, labelEnd, 'a label');
      } else if (inner === ((2 << 3) | BYTES)) {
        const sampleEnd = endOfField(reader, 'a sample');
        readSample(reader, sampleEnd, series);
        check(reader, sampleEnd, 'a sample');
      } else {
        reader.skipType(inner & 7);
      }
    }
    check(reader, end, 'a time series');
    yield series;
  }
}

function* readWriteRequestV2(bytes: Uint8Array): Generator<ReadSeries> {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // First pass: where each symbol is (they may come after the series that use them).
  let symbols = new Uint32Array(256);
  let symbolCount = 0;
  const scan = Reader.create(bytes);
  while (scan.pos < scan.len) {
    const tag = scan.uint32();
    if (tag !== ((4 << 3) | BYTES)) {
      scan.skipType(tag & 7);
      continue;
    }
    const end = endOfField(scan, 'a symbol');
    if (2 * symbolCount + 2 > symbols.length) {
      const grown = new Uint32Array(symbols.length * 2);
      grown.set(symbols);
      symbols = grown;
    }
    symbols[2 * symbolCount] = scan.pos;
    symbols[2 * symbolCount + 1] = end;
    symbolCount++;
    scan.pos = end;
  }
  const symbol = (ref: number): string => {
    if (ref >= symbolCount) throw invalid(`label reference ${ref} is past the ${symbolCount} symbols`);
    return text.toString('utf8', symbols[2 * ref], symbols[2 * ref + 1]);
  };

  const reader = Reader.create(bytes);
  const refs: number[] = [];
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag !== ((5 << 3) | BYTES)) {
      reader.skipType(tag & 7);
      continue;
    }
    const end = endOfField(reader, 'a time series');
    const series: ReadSeries = { labels: [], samples: 0, lastValue: Number.NaN, lastTimestamp: 0 };
    refs.length = 0;
    while (reader.pos < end) {
      const inner = reader.uint32();
      if (inner === ((1 << 3) | BYTES)) {
        const refsEnd = endOfField(reader, 'labels_refs');
        while (reader.pos < refsEnd) refs.push(reader.uint32());
        check(reader, refsEnd, 'labels_refs');
      } else if (inner === ((1 << 3) | VARINT)) {
        refs.push(reader.uint32());
      } else if (inner === ((2 << 3) | BYTES)) {
        const sampleEnd = endOfField(reader, 'a sample');
        readSample(reader, sampleEnd, series);
        check(reader, sampleEnd, 'a sample');
      } else {
        reader.skipType(inner & 7);
      }
    }
    check(reader, end, 'a time series');
    if (refs.length % 2 !== 0) throw invalid('labels_refs has an odd number of entries');
    for (let i = 0; i < refs.length; i += 2) series.labels.push([symbol(refs[i]), symbol(refs[i + 1])]);
    yield series;
  }
}

/**
 * The time series of a decompressed request, one at a time, so a caller can pause between them
 * (the sink yields to the event loop every few thousand). Throws ScrapewireError
 * (ERR_REMOTE_WRITE) for bytes that are not such a request; series yielded before that stay yielded.
 */
export function* seriesOfWriteRequest(bytes: Uint8Array, version2: boolean): Generator<ReadSeries> {
  try {
    if (version2) yield* readWriteRequestV2(bytes);
    else yield* readWriteRequestV1(bytes);
  } catch (error) {
    if (error instanceof ScrapewireError) throw error;
    // protobufjs throws RangeError ("index out of range") or Error ("invalid wire type") on bad bytes.
    throw invalid((error as Error).message);
  }
}

/** Calls `visit` for each time series of a decompressed request (see seriesOfWriteRequest). */
export function readWriteRequest(bytes: Uint8Array, version2: boolean, visit: (series: ReadSeries) => void): void {
  for (const series of seriesOfWriteRequest(bytes, version2)) visit(series);
}
