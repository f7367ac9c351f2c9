/**
 * A queued 2.0 request rewritten as 1.0, for the fallback: when a receiver answers a 2.0 request
 * with 415 (or a 2xx without Written headers), the endpoint switches to 1.0, and what it had
 * queued in 2.0 (in memory or on disk) is converted here as it is sent. This is the rare path
 * (once per endpoint per process, for the requests queued at that moment), so it uses protobufjs's
 * Reader and Writer rather than a hand-written codec; requests are produced in 1.0 directly once
 * the endpoint has switched.
 *
 * Field by field (io.prometheus.write.v2 -> prometheus): labels_refs become `Label`s, samples
 * and histograms are copied (same messages and field numbers), exemplars' labels_refs become
 * `Label`s; metadata and created_timestamp have no place in a 1.0 TimeSeries and are left out
 * (1.0 sends metadata in its own requests).
 */
import { Reader, Writer } from 'protobufjs';
import { ScrapewireError } from '../errors';

const WIRE_LEN = 2;

/** Converts an uncompressed io.prometheus.write.v2.Request into an uncompressed prometheus.WriteRequest. */
export function rw2ToRw1(request: Uint8Array): Uint8Array {
  try {
    return convert(request);
  } catch (err) {
    if (err instanceof ScrapewireError) throw err;
    throw new ScrapewireError('ERR_REMOTE_WRITE', `a queued 2.0 request could not be read for the 1.0 fallback: ${(err as Error).message}`, { cause: err });
  }
}

function convert(request: Uint8Array): Uint8Array {
  const symbols: string[] = [];
  const series: Uint8Array[] = [];
  const reader = Reader.create(request);
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag === ((4 << 3) | WIRE_LEN)) symbols.push(reader.string());
    else if (tag === ((5 << 3) | WIRE_LEN)) series.push(reader.bytes());
    else reader.skipType(tag & 7);
  }
  const writer = Writer.create();
  for (const bytes of series) {
    writer.uint32((1 << 3) | WIRE_LEN).fork(); // WriteRequest.timeseries = 1
    writeSeries(writer, bytes, symbols);
    writer.ldelim();
  }
  return writer.finish();
}

function symbol(symbols: readonly string[], ref: number): string {
  const text = symbols[ref];
  if (text === undefined) throw new ScrapewireError('ERR_REMOTE_WRITE', `a 2.0 request refers to symbol ${ref} of ${symbols.length}`);
  return text;
}

/** Reads labels_refs (packed or not) at the reader's position into `refs`. */
function readRefs(reader: Reader, tag: number, refs: number[]): void {
  if ((tag & 7) === WIRE_LEN) {
    const end = reader.uint32() + reader.pos;
    while (reader.pos < end) refs.push(reader.uint32());
  } else {
    refs.push(reader.uint32());
  }
}

function writeLabels(writer: Writer, field: number, refs: readonly number[], symbols: readonly string[]): void {
  for (let i = 0; i + 1 < refs.length; i += 2) {
    writer.uint32((field << 3) | WIRE_LEN).fork()
      .uint32((1 << 3) | WIRE_LEN).string(symbol(symbols, refs[i]))      // Label.name = 1
      .uint32((2 << 3) | WIRE_LEN).string(symbol(symbols, refs[i + 1]))  // Label.value = 2
      .ldelim();
  }
}

function writeSeries(writer: Writer, bytes: Uint8Array, symbols: readonly string[]): void {
  const reader = Reader.create(bytes);
  const refs: number[] = [];
  const samples: Uint8Array[] = [];
  const histograms: Uint8Array[] = [];
  const exemplars: Uint8Array[] = [];
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    switch (tag >>> 3) {
      case 1: readRefs(reader, tag, refs); break;
      case 2: samples.push(reader.bytes()); break;
      case 3: histograms.push(reader.bytes()); break;
      case 4: exemplars.push(reader.bytes()); break;
      default: reader.skipType(tag & 7);
    }
  }
  writeLabels(writer, 1, refs, symbols);                                  // TimeSeries.labels = 1
  for (const sample of samples) writer.uint32((2 << 3) | WIRE_LEN).bytes(sample);  // samples = 2
  for (const exemplar of exemplars) {                                     // exemplars = 3
    writer.uint32((3 << 3) | WIRE_LEN).fork();
    writeExemplar(writer, exemplar, symbols);
    writer.ldelim();
  }
  for (const histogram of histograms) writer.uint32((4 << 3) | WIRE_LEN).bytes(histogram); // histograms = 4
}

/** protobufjs hands out int64 as a number, or as a Long when long.js is installed. */
function int64Number(value: number | { toNumber(): number }): number {
  return typeof value === 'number' ? value : value.toNumber();
}

function writeExemplar(writer: Writer, bytes: Uint8Array, symbols: readonly string[]): void {
  const reader = Reader.create(bytes);
  const refs: number[] = [];
  let value: number | undefined;
  let timestamp: number | undefined;
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    switch (tag >>> 3) {
      case 1: readRefs(reader, tag, refs); break;
      case 2: value = reader.double(); break;
      case 3: timestamp = int64Number(reader.int64() as unknown as number | { toNumber(): number }); break;
      default: reader.skipType(tag & 7);
    }
  }
  writeLabels(writer, 1, refs, symbols);                                  // Exemplar.labels = 1
  if (value !== undefined) writer.uint32((2 << 3) | 1).double(value);     // value = 2
  if (timestamp !== undefined) writer.uint32(3 << 3).int64(timestamp);    // timestamp = 3
}
