/**
 * The protobuf exposition format for tests: `io.prometheus.client.MetricFamily` pages written
 * with protobufjs from client_model's own metrics.proto (test/fixtures/protobuf-exposition/client_model/,
 * Apache-2.0, see test/fixtures/SOURCES.md), and a loopback target serving them.
 *
 * A page is what a target answers with Content-Type `application/vnd.google.protobuf;
 * proto=io.prometheus.client.MetricFamily; encoding=delimited`: MetricFamily messages, each
 * preceded by its length as a varint (protobufjs's encodeDelimited).
 *
 * client_model's file is proto2, so repeated scalars (the native histograms' deltas and counts)
 * are written unpacked, as client_golang writes them. `packed: true` writes them packed, as a
 * proto3 writer does (Prometheus's own copy of the file, prompb/io/prometheus/client, is proto3):
 * a parser must read both (protobuf's rule for repeated scalars).
 *
 * Inputs are plain objects with the .proto's field names (`sample_count`, `positive_span`...),
 * checked with protobufjs's verify before encoding, so a misspelt field is an error, not a
 * silently missing value.
 */
import * as fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import * as protobuf from 'protobufjs';
import { startHttpServer, type LoopbackServer } from '../scrape/support/loopback-server';

/** The Content-Type of the delimited protobuf exposition, as client_golang sends it. */
export const PROTOBUF_CONTENT_TYPE = 'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited';

export type MetricTypeName = 'COUNTER' | 'GAUGE' | 'SUMMARY' | 'UNTYPED' | 'HISTOGRAM' | 'GAUGE_HISTOGRAM';

export interface LabelPairInput { name?: string; value?: string }
/** google.protobuf.Timestamp. */
export interface TimestampInput { seconds?: number; nanos?: number }
export interface ExemplarInput { label?: LabelPairInput[]; value?: number; timestamp?: TimestampInput }
export interface BucketInput { cumulative_count?: number; cumulative_count_float?: number; upper_bound?: number; exemplar?: ExemplarInput }
export interface BucketSpanInput { offset?: number; length?: number }
export interface QuantileInput { quantile?: number; value?: number }

export interface HistogramInput {
  sample_count?: number;
  sample_count_float?: number;
  sample_sum?: number;
  bucket?: BucketInput[];
  created_timestamp?: TimestampInput;
  schema?: number;
  zero_threshold?: number;
  zero_count?: number;
  zero_count_float?: number;
  negative_span?: BucketSpanInput[];
  negative_delta?: number[];
  negative_count?: number[];
  positive_span?: BucketSpanInput[];
  positive_delta?: number[];
  positive_count?: number[];
  exemplars?: ExemplarInput[];
}

export interface MetricInput {
  label?: LabelPairInput[];
  gauge?: { value?: number };
  counter?: { value?: number; exemplar?: ExemplarInput; created_timestamp?: TimestampInput };
  summary?: { sample_count?: number; sample_sum?: number; quantile?: QuantileInput[]; created_timestamp?: TimestampInput };
  untyped?: { value?: number };
  histogram?: HistogramInput;
  timestamp_ms?: number;
}

export interface MetricFamilyInput {
  name?: string;
  help?: string;
  type?: MetricTypeName;
  metric?: MetricInput[];
  unit?: string;
}

/**
 * Where the .proto is: $SCRAPEWIRE_CLIENT_MODEL_PROTO, else beside this file's sources (ts-jest),
 * else from dist/test/support back to the sources (compiled code).
 */
function protoFile(): string {
  if (process.env.SCRAPEWIRE_CLIENT_MODEL_PROTO) return process.env.SCRAPEWIRE_CLIENT_MODEL_PROTO;
  const relative = 'fixtures/protobuf-exposition/client_model/io/prometheus/client/metrics.proto';
  const besideSource = path.resolve(__dirname, '..', relative);
  if (fs.existsSync(besideSource)) return besideSource;
  return path.resolve(__dirname, '../../../test', relative);
}

/** The file as written: proto2, repeated scalars unpacked. */
export function metricsProtoSource(): string {
  return fs.readFileSync(protoFile(), 'utf8');
}

/** Variants of the schema, each a test-only rewrite of the source that keeps every field number. */
export type SchemaVariant =
  /** client_model's file unchanged. */
  | 'proto2'
  /** Repeated scalars marked `[packed = true]`: the wire form a proto3 writer produces. */
  | 'packed'
  /**
   * For readers: every `string` field read as `bytes`, so a reader can check UTF-8 itself
   * (protobufjs replaces bad bytes), and MetricFamily.type as an int32, so a value the enum does
   * not list is seen (protobufjs drops unknown values of a proto2 enum; Prometheus's proto3 reader keeps them).
   */
  | 'bytes';

const roots = new Map<SchemaVariant, protobuf.Root>();

export function clientModelRoot(variant: SchemaVariant = 'proto2'): protobuf.Root {
  const cached = roots.get(variant);
  if (cached !== undefined) return cached;
  let source = metricsProtoSource();
  if (variant === 'packed') source = source.replace(/(repeated\s+(?:sint64|double)\s+\w+\s*=\s*\d+)\s*;/g, '$1 [packed = true];');
  if (variant === 'bytes') {
    source = source.replace(/\b(optional|repeated)\s+string\b/g, '$1 bytes').replace(/\boptional\s+MetricType\s+type\s*=\s*3\s*;/, 'optional int32 type = 3;');
  }
  const root = new protobuf.Root();
  // metrics.proto imports google/protobuf/timestamp.proto, which protobufjs ships as a common type.
  root.addJSON(protobuf.common.get('google/protobuf/timestamp.proto')!.nested!);
  protobuf.parse(source, root, { keepCase: true });
  root.resolveAll();
  roots.set(variant, root);
  return root;
}

export function metricFamilyType(variant: SchemaVariant = 'proto2'): protobuf.Type {
  return clientModelRoot(variant).lookupType('io.prometheus.client.MetricFamily');
}

/** One MetricFamily message, not delimited. */
export function encodeMetricFamily(family: MetricFamilyInput, options: { packed?: boolean } = {}): Uint8Array {
  const type = metricFamilyType(options.packed === true ? 'packed' : 'proto2');
  checkFieldNames(type, family, family.name ?? '');
  const message = type.fromObject(family);
  const problem = type.verify(message);
  if (problem) throw new TypeError(`MetricFamily ${JSON.stringify(family.name)}: ${problem}`);
  return type.encode(message).finish();
}

/** fromObject skips fields it does not know: a misspelt one would vanish from the page unnoticed. */
function checkFieldNames(type: protobuf.Type, value: object, where: string): void {
  for (const [key, child] of Object.entries(value)) {
    const field = type.fields[key];
    if (field === undefined) throw new TypeError(`${where}: ${type.name} has no field ${JSON.stringify(key)}`);
    if (!(field.resolvedType instanceof protobuf.Type) || child === null || child === undefined) continue;
    for (const item of field.repeated ? (child as object[]) : [child as object]) checkFieldNames(field.resolvedType, item, `${where}.${key}`);
  }
}

/** A whole page: each family's length as a varint, then the family. */
export function encodePage(families: readonly MetricFamilyInput[], options: { packed?: boolean } = {}): Uint8Array {
  const writer = protobuf.Writer.create();
  for (const family of families) writer.bytes(encodeMetricFamily(family, options));
  return writer.finish();
}

export interface ProtobufTarget extends LoopbackServer {
  /** Replaces what the next scrapes get (a page, or the families to encode). */
  serve(page: Uint8Array | readonly MetricFamilyInput[]): void;
}

export interface ProtobufTargetOptions {
  /** Content-Type sent; default PROTOBUF_CONTENT_TYPE. */
  contentType?: string;
  /** gzip the body when the request accepts it. Default true. */
  gzip?: boolean;
  /** Write the body in pieces of this many bytes (to split varints and messages). Default: one write. */
  writeBytes?: number;
  packed?: boolean;
}

/** A loopback target answering every request with the current page. */
export async function startProtobufTarget(initial: Uint8Array | readonly MetricFamilyInput[], options: ProtobufTargetOptions = {}): Promise<ProtobufTarget> {
  const toPage = (page: Uint8Array | readonly MetricFamilyInput[]): Uint8Array =>
    page instanceof Uint8Array ? page : encodePage(page, { packed: options.packed });
  let current = toPage(initial);
  const server = await startHttpServer((req: IncomingMessage, res: ServerResponse) => {
    const gzip = options.gzip !== false && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gzip ? gzipSync(current) : Buffer.from(current);
    res.writeHead(200, {
      'content-type': options.contentType ?? PROTOBUF_CONTENT_TYPE,
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    });
    const step = options.writeBytes ?? body.length;
    for (let offset = 0; offset < body.length; offset += Math.max(1, step)) res.write(body.subarray(offset, offset + Math.max(1, step)));
    res.end();
  });
  return Object.assign(server, { serve: (page: Uint8Array | readonly MetricFamilyInput[]) => { current = toPage(page); } });
}
