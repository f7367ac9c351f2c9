/**
 * Remote-write protobuf codecs for tests, built from the official .proto files in
 * test/fixtures/remote-write/prometheus/prompb/ (Prometheus, Apache-2.0).
 *
 * The gogoproto import and its field options only steer Go code generation (they do not change
 * the wire format) and gogo.proto is not vendored, so both are stripped before parsing.
 *
 * Field names are kept exactly as in the .proto files (`keepCase`): `timeseries[].labels[].name`,
 * `samples[].timestamp`, and for 2.0 `symbols`, `timeseries[].labels_refs`, `metadata.help_ref`.
 * Decoded objects carry int64 values as JS numbers (exact up to 2^53, which covers millisecond
 * timestamps), every repeated field as an array (possibly empty), scalar defaults filled in, and
 * NaN values (stale markers included) left as NaN.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as protobuf from 'protobufjs';

/**
 * Where the .proto files are: $SCRAPEWIRE_PROMPB_DIR (for code bundled into a child process),
 * else next to this file (ts-jest), else from dist/test/helpers back to the sources (compiled benches).
 */
function prompbDir(): string {
  if (process.env.SCRAPEWIRE_PROMPB_DIR) return process.env.SCRAPEWIRE_PROMPB_DIR;
  const besideSource = path.resolve(__dirname, '../fixtures/remote-write/prometheus/prompb');
  if (fs.existsSync(besideSource)) return besideSource;
  return path.resolve(__dirname, '../../../test/fixtures/remote-write/prometheus/prompb');
}

/** The files, in dependency order, relative to PROMPB_DIR. */
const PROTO_FILES = ['types.proto', 'remote.proto', 'io/prometheus/write/v2/types.proto'];

export interface RemoteWriteTypes {
  /** prometheus.WriteRequest (remote write 1.0). */
  WriteRequest: protobuf.Type;
  /** io.prometheus.write.v2.Request (remote write 2.0). */
  V2Request: protobuf.Type;
  /** The root holding every message of the three files, for tests that need another one. */
  root: protobuf.Root;
}

let cached: RemoteWriteTypes | undefined;

/** Strips what only matters to gogo's Go generator: its import and `[(gogoproto.x) = y]` options. */
export function stripGogoproto(source: string): string {
  return source
    .replace(/^\s*import\s+"gogoproto\/gogo\.proto";\s*$/gm, '')
    .replace(/\s*\[\s*\(gogoproto\.[A-Za-z_]+\)\s*=\s*[^\]]*\]/g, '');
}

/** Parses the official files once per process (per jest module registry) and caches the types. */
export function remoteWriteTypes(): RemoteWriteTypes {
  if (cached) return cached;
  const root = new protobuf.Root();
  const dir = prompbDir();
  for (const file of PROTO_FILES) {
    const source = stripGogoproto(fs.readFileSync(path.join(dir, file), 'utf8'));
    // Imports between these files are satisfied by parsing them all into one root in order.
    protobuf.parse(source, root, { keepCase: true });
  }
  root.resolveAll();
  cached = {
    WriteRequest: root.lookupType('prometheus.WriteRequest'),
    V2Request: root.lookupType('io.prometheus.write.v2.Request'),
    root,
  };
  return cached;
}

const TO_OBJECT: protobuf.IConversionOptions = {
  longs: Number,
  enums: String,
  bytes: Array,
  defaults: true,
  arrays: true,
  objects: true,
  oneofs: false,
  json: false, // json:true would turn NaN into the string "NaN"
};

/* eslint-disable @typescript-eslint/no-explicit-any */
/** Decodes uncompressed prometheus.WriteRequest bytes into a plain object (see file header). */
export function decodeRw1(bytes: Uint8Array): any {
  const { WriteRequest } = remoteWriteTypes();
  return WriteRequest.toObject(WriteRequest.decode(bytes), TO_OBJECT);
}

/** Decodes uncompressed io.prometheus.write.v2.Request bytes into a plain object. */
export function decodeRw2(bytes: Uint8Array): any {
  const { V2Request } = remoteWriteTypes();
  return V2Request.toObject(V2Request.decode(bytes), TO_OBJECT);
}

/** Encodes a plain object (proto field names) as uncompressed prometheus.WriteRequest bytes. */
export function encodeRw1(obj: Record<string, any>): Uint8Array {
  const { WriteRequest } = remoteWriteTypes();
  return encodeChecked(WriteRequest, obj);
}

/** Encodes a plain object (proto field names) as uncompressed io.prometheus.write.v2.Request bytes. */
export function encodeRw2(obj: Record<string, any>): Uint8Array {
  const { V2Request } = remoteWriteTypes();
  return encodeChecked(V2Request, obj);
}
/* eslint-enable @typescript-eslint/no-explicit-any */

function encodeChecked(type: protobuf.Type, obj: Record<string, unknown>): Uint8Array {
  const problem = type.verify(obj);
  if (problem) throw new TypeError(`${type.fullName}: ${problem}`);
  return type.encode(type.fromObject(obj)).finish();
}

/**
 * Resolves the 2.0 symbol references of one decoded series into a label map, for assertions.
 * `symbols` is the request's symbol table.
 */
export function rw2Labels(symbols: string[], labelsRefs: number[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (let i = 0; i + 1 < labelsRefs.length; i += 2) labels[symbols[labelsRefs[i]]] = symbols[labelsRefs[i + 1]];
  return labels;
}
