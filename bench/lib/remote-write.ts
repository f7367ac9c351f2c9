/**
 * The protobufjs remote-write types for the baselines, from test/helpers/remote-write-proto.ts.
 *
 * That helper finds the .proto files relative to its own directory, which is right under
 * ts-jest (test/helpers -> test/fixtures) but not once compiled (dist/test/helpers has no
 * fixtures next to it). Until it looks further, benchmarks fall back to parsing the same files
 * from the source tree, with the helper's own gogoproto stripping.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as protobuf from 'protobufjs';
import { remoteWriteTypes, stripGogoproto } from '../../test/helpers/remote-write-proto';

export interface BenchRemoteWriteTypes {
  WriteRequest: protobuf.Type;
  V2Request: protobuf.Type;
}

const PROMPB = 'test/fixtures/remote-write/prometheus/prompb';

/** The official .proto files' directory, found upwards from dist/bench/lib or bench/lib alike. */
function findPrompb(): string {
  for (let directory = __dirname; ; directory = path.dirname(directory)) {
    const candidate = path.join(directory, PROMPB);
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(directory) === directory) throw new Error(`no ${PROMPB} above ${__dirname}`);
  }
}

let cached: BenchRemoteWriteTypes | undefined;

export function benchRemoteWriteTypes(): BenchRemoteWriteTypes {
  if (cached) return cached;
  try {
    cached = remoteWriteTypes();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const prompb = findPrompb();
    const root = new protobuf.Root();
    for (const file of ['types.proto', 'remote.proto', 'io/prometheus/write/v2/types.proto']) {
      protobuf.parse(stripGogoproto(fs.readFileSync(path.join(prompb, file), 'utf8')), root, { keepCase: true });
    }
    root.resolveAll();
    cached = { WriteRequest: root.lookupType('prometheus.WriteRequest'), V2Request: root.lookupType('io.prometheus.write.v2.Request') };
  }
  return cached;
}
