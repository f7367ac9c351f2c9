/**
 * `scrapewire encode [--format text|openmetrics] [--protocol rw1|rw2] [--timestamp MS]
 * [--compress snappy|none] [--max-samples N] [FILE]` writes the remote-write request(s) for an
 * exposition to stdout. One request is written as is; several are each preceded by their
 * length as a varint (protobuf's length-delimited framing).
 */
import { Core, ScrapewireError, type ExpositionFormat, type RemoteWriteProtocol } from '../core';
import { snappyCompress } from '../remote/snappy';
import { RW1, RW2 } from '../remote-write-protocol';
import { openInput, type CommandIo } from './check';

export interface EncodeArgs {
  file?: string;
  format: ExpositionFormat;
  protocol: RemoteWriteProtocol;
  timestampMs: number;
  compress: 'snappy' | 'none';
  maxSamplesPerRequest: number;
}

function varint(n: number): Buffer {
  const bytes: number[] = [];
  while (n >= 0x80) {
    bytes.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  bytes.push(n);
  return Buffer.from(bytes);
}

export async function encodeExposition(args: EncodeArgs, io: CommandIo): Promise<number> {
  const core = Core.create();
  try {
    await core.scrape(openInput(args.file, io), { format: args.format, timestampMs: args.timestampMs });
  } catch (err) {
    if (err instanceof ScrapewireError && err.line !== undefined) {
      io.stderr.write(`${args.file ?? 'stdin'}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  // The view is only valid inside the callback: compress or copy before keeping it.
  const requests: Buffer[] = [];
  core.encode(args.protocol, { maxSamplesPerRequest: args.maxSamplesPerRequest, includeStale: false }, (request) => {
    requests.push(args.compress === 'snappy' ? Buffer.from(snappyCompress(request)) : Buffer.from(request));
  });
  if (requests.length === 1) io.stdout.write(requests[0]);
  else for (const request of requests) io.stdout.write(Buffer.concat([varint(request.length), request]));
  return 0;
}

/** The `--protocol` flag's spellings: rw1 (the default) and rw2. */
export function parseProtocol(value: string | undefined): RemoteWriteProtocol {
  if (value === undefined || value === 'rw1') return RW1;
  if (value === 'rw2') return RW2;
  throw new ScrapewireError('ERR_USAGE', `--protocol must be "rw1" or "rw2", not "${value}"`);
}
