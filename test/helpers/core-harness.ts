/**
 * Helpers for tests of the WASM core: run a payload through a Core, collect the encoded
 * requests (copied out of WASM memory), and decode them with protobufjs from the official
 * .proto files into plain, comparable rows.
 */
import { Core, type CoreOptions, type ExpositionFormat, type Label, type ScrapeSummary } from '../../src/core';
import type { RefSample } from '../reference/parser';
import { decodeRw1, decodeRw2 } from './remote-write-proto';
import { RW1, RW2 } from '../../src/remote-write-protocol';

export const SCRAPE_TS = 1_700_000_000_000;

/** One sample as a remote-write receiver sees it. */
export interface Row {
  labels: Label[];
  value: number;
  timestamp: number;
}

export interface CoreRun {
  summary: ScrapeSummary;
  rw1: Uint8Array[];
  rw2: Uint8Array[];
}

/** Splits `bytes` into chunks at the given offsets. */
export function splitAt(bytes: Uint8Array, offsets: number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const offset of [...offsets].sort((a, b) => a - b)) {
    if (offset <= start || offset >= bytes.length) continue;
    chunks.push(bytes.subarray(start, offset));
    start = offset;
  }
  chunks.push(bytes.subarray(start));
  return chunks;
}

/** Parses `chunks` in a fresh (or given) core and encodes rw1 and rw2 requests. */
export async function runCore(
  chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  format: ExpositionFormat,
  options: { core?: Core; coreOptions?: CoreOptions; timestampMs?: number; maxSamplesPerRequest?: number } = {},
): Promise<CoreRun> {
  const core = options.core ?? Core.create(options.coreOptions);
  const summary = await core.scrape(chunks, { format, timestampMs: options.timestampMs ?? SCRAPE_TS });
  const rw1: Uint8Array[] = [];
  const rw2: Uint8Array[] = [];
  const max = options.maxSamplesPerRequest ?? 500;
  core.encode(RW1, { maxSamplesPerRequest: max }, (request) => rw1.push(request.slice()));
  core.encode(RW2, { maxSamplesPerRequest: max }, (request) => rw2.push(request.slice()));
  return { summary, rw1, rw2 };
}

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v === undefined || v === null) return 0;
  return Number(v as bigint | string);
}

/** Decodes remote-write 1.0 requests into rows, in request order. */
export function rowsFromRw1(requests: Uint8Array[]): Row[] {
  const rows: Row[] = [];
  for (const request of requests) {
    const decoded = decodeRw1(request);
    for (const ts of decoded.timeseries ?? []) {
      const labels: Label[] = (ts.labels ?? []).map((l: { name: string; value: string }) => [l.name, l.value] as const);
      for (const s of ts.samples ?? []) rows.push({ labels, value: s.value ?? 0, timestamp: toNumber(s.timestamp) });
    }
  }
  return rows;
}

/** Decodes remote-write 2.0 requests into rows, checking each request's symbol table rules. */
export function rowsFromRw2(requests: Uint8Array[]): Row[] {
  const rows: Row[] = [];
  for (const request of requests) {
    const decoded = decodeRw2(request);
    const symbols: string[] = decoded.symbols ?? [];
    if (symbols[0] !== '') throw new Error('symbol table must start with ""');
    if (new Set(symbols).size !== symbols.length) throw new Error('symbol table has duplicates');
    for (const ts of decoded.timeseries ?? []) {
      const refs: number[] = ts.labels_refs ?? [];
      const labels: Label[] = [];
      for (let i = 0; i + 1 < refs.length; i += 2) labels.push([symbols[refs[i]], symbols[refs[i + 1]]]);
      for (const s of ts.samples ?? []) rows.push({ labels, value: s.value ?? 0, timestamp: toNumber(s.timestamp) });
    }
  }
  return rows;
}

/**
 * What the core should produce for the reference parser's samples: empty label values dropped
 * (an empty value is an absent label), and a series repeated within one scrape kept once (the
 * first sample), timestamps defaulting to the scrape's.
 */
export function expectedRows(samples: RefSample[], timestampMs = SCRAPE_TS): Row[] {
  const seen = new Set<string>();
  const rows: Row[] = [];
  for (const s of samples) {
    const labels = s.labels.filter(([, v]) => v !== '');
    const key = JSON.stringify(labels);
    if (seen.has(key)) continue;
    seen.add(key);
    rows.push({ labels, value: s.value, timestamp: s.timestampMs ?? timestampMs });
  }
  return rows;
}

/** Float64 bits as a hex string, so NaN payloads compare exactly. */
export function bits(value: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  return view.getBigUint64(0).toString(16);
}

/** Rows with values as bit strings, ready for toEqual. */
export function comparable(rows: Row[]): { labels: Label[]; value: string; timestamp: number }[] {
  return rows.map((r) => ({ labels: r.labels, value: bits(r.value), timestamp: r.timestamp }));
}
