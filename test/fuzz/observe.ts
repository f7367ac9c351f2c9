/**
 * What a Core produced for a scrape, decoded with protobufjs from the official .proto files into
 * plain values the fuzz properties compare with the reference parser's: rows of remote write 1.0
 * and 2.0 (labels, value bits, timestamp; for 2.0 also the series' metadata and exemplar), the
 * 1.0 metadata request, or the error. Checking a 2.0 request's symbol table is part of decoding.
 */
import { RW1, RW2 } from '../../src/remote-write-protocol';
import { Core, ScrapewireError, type ExpositionFormat, type Label, type NewSeriesResolver, type ScrapeSummary } from '../../src/core';
import { bits } from '../helpers/core-harness';
import { decodeRw1, decodeRw2 } from '../helpers/remote-write-proto';

export interface ObservedMetadata {
  type: string;
  help: string;
  unit: string;
}

export interface ObservedRow {
  labels: Label[];
  /** Float64 bits in hex (NaN payloads exact; 7ff0000000000002 is a staleness marker). */
  value: string;
  timestamp: number;
}

export interface ObservedExemplar {
  labels: Label[];
  value: string;
  timestamp: number;
}

export interface ObservedRw2Row extends ObservedRow {
  metadata: ObservedMetadata;
  exemplars: ObservedExemplar[];
}

export interface ObservedFamily {
  name: string;
  type: string;
  help: string;
  unit: string;
}

export interface Observation {
  error?: { code: string; line?: number; column?: number; message: string };
  summary?: ScrapeSummary;
  rw1: ObservedRow[];
  rw2: ObservedRw2Row[];
  /** The remote write 1.0 metadata request's entries. */
  families: ObservedFamily[];
}

/* eslint-disable @typescript-eslint/no-explicit-any */
const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v ?? 0));

export function decodeRw1Rows(requests: Uint8Array[]): ObservedRow[] {
  const rows: ObservedRow[] = [];
  for (const request of requests) {
    for (const ts of decodeRw1(request).timeseries) {
      const labels: Label[] = ts.labels.map((l: any) => [l.name, l.value] as const);
      for (const s of ts.samples) rows.push({ labels, value: bits(s.value), timestamp: num(s.timestamp) });
    }
  }
  return rows;
}

/** Decodes 2.0 requests; throws (a finding) when a symbol table breaks the specification's rules. */
export function decodeRw2Rows(requests: Uint8Array[]): ObservedRw2Row[] {
  const rows: ObservedRw2Row[] = [];
  for (const request of requests) {
    const decoded = decodeRw2(request);
    const symbols: string[] = decoded.symbols;
    if (symbols[0] !== '') throw new Error(`2.0 symbol table does not start with "": ${JSON.stringify(symbols.slice(0, 5))}`);
    if (new Set(symbols).size !== symbols.length) throw new Error(`2.0 symbol table has a string twice: ${JSON.stringify(symbols)}`);
    const symbol = (ref: number): string => {
      if (!(ref < symbols.length)) throw new Error(`2.0 reference ${ref} outside a table of ${symbols.length}`);
      return symbols[ref];
    };
    const pairs = (refs: number[]): Label[] => {
      if (refs.length % 2 !== 0) throw new Error(`odd number of label references: ${refs.length}`);
      const labels: Label[] = [];
      for (let i = 0; i < refs.length; i += 2) labels.push([symbol(refs[i]), symbol(refs[i + 1])]);
      return labels;
    };
    for (const ts of decoded.timeseries) {
      const labels = pairs(ts.labels_refs);
      const metadata: ObservedMetadata = {
        type: ts.metadata?.type ?? 'METRIC_TYPE_UNSPECIFIED',
        help: symbol(ts.metadata?.help_ref ?? 0),
        unit: symbol(ts.metadata?.unit_ref ?? 0),
      };
      const exemplars = (ts.exemplars ?? []).map((e: any) => ({ labels: pairs(e.labels_refs), value: bits(e.value), timestamp: num(e.timestamp) }));
      for (const s of ts.samples) rows.push({ labels, value: bits(s.value), timestamp: num(s.timestamp), metadata, exemplars });
    }
  }
  return rows;
}

function decodeFamilies(request: Uint8Array | undefined): ObservedFamily[] {
  if (request === undefined) return [];
  return decodeRw1(request).metadata.map((m: any) => ({ name: m.metric_family_name, type: m.type, help: m.help ?? '', unit: m.unit ?? '' }));
}
/* eslint-enable @typescript-eslint/no-explicit-any */

export interface ScrapeRun {
  chunks: Uint8Array[];
  format: ExpositionFormat;
  timestampMs: number;
  resolve?: NewSeriesResolver;
  /** Split requests at this many samples. */
  maxSamplesPerRequest?: number;
  includeStale?: boolean;
}

/**
 * One scrape on `core` and everything it encodes. Errors that are not ScrapewireErrors, and
 * ERR_CORE_TRAP / ERR_CORE_STATE / ERR_USAGE (a trap, the core called out of order), are findings: thrown.
 */
export function observe(core: Core, run: ScrapeRun): Observation {
  let summary: ScrapeSummary;
  try {
    core.begin({ format: run.format, timestampMs: run.timestampMs }, run.resolve);
    for (const chunk of run.chunks) core.feed(chunk);
    summary = core.finish();
  } catch (err) {
    core.abort();
    if (!(err instanceof ScrapewireError) || err.code === 'ERR_CORE_TRAP' || err.code === 'ERR_CORE_STATE' || err.code === 'ERR_USAGE') throw err;
    return { error: { code: err.code, line: err.line, column: err.column, message: err.message }, rw1: [], rw2: [], families: [] };
  }
  return { summary, ...encoded(core, run) };
}

/** What the core's last scrape encodes to, both protocols and the metadata request. */
export function encoded(core: Core, run: Pick<ScrapeRun, 'maxSamplesPerRequest' | 'includeStale'>): Pick<Observation, 'rw1' | 'rw2' | 'families'> {
  const options = { maxSamplesPerRequest: run.maxSamplesPerRequest ?? 0, includeStale: run.includeStale ?? false };
  const rw1: Uint8Array[] = [];
  const rw2: Uint8Array[] = [];
  core.encode(RW1, options, (request) => rw1.push(request.slice()));
  core.encode(RW2, options, (request) => rw2.push(request.slice()));
  return { rw1: decodeRw1Rows(rw1), rw2: decodeRw2Rows(rw2), families: decodeFamilies(core.encodeMetadata()?.slice()) };
}
