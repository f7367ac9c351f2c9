/**
 * The core's snappy compressor against snappyjs' decompressor (an independent implementation of
 * the format): every request of every fixture, and edge cases around block and match limits,
 * must round-trip byte for byte.
 */
import { readFileSync } from 'node:fs';
import { Core } from '../../src/core';
import { snappyUncompress } from '../../src/remote/snappy';
import { textPayloads } from '../helpers/fixtures';
import fc from 'fast-check';
import { RW1, RW2, type RemoteWriteProtocol } from '../../src/remote-write-protocol';

function roundTrips(core: Core, protocol: RemoteWriteProtocol, max = 0): number {
  const plain: Buffer[] = [];
  const packed: Buffer[] = [];
  core.encode(protocol, { maxSamplesPerRequest: max }, (r) => plain.push(Buffer.from(r)));
  core.encode(protocol, { maxSamplesPerRequest: max, compress: true }, (r) => packed.push(Buffer.from(r)));
  expect(packed).toHaveLength(plain.length);
  for (let i = 0; i < plain.length; i++) {
    expect(Buffer.from(snappyUncompress(packed[i])).equals(plain[i])).toBe(true);
  }
  return plain.length;
}

test.each(textPayloads().map((f) => [f.name, f.path] as const))('%s: compressed requests round-trip', async (_name, path) => {
  const core = Core.create();
  await core.scrape([readFileSync(path)], { format: 'text', timestampMs: 1_700_000_000_000 });
  roundTrips(core, RW1);
  roundTrips(core, RW2, 100);
});

test('a large request spanning many 64 KiB blocks compresses well and round-trips', async () => {
  const lines: string[] = [];
  for (let i = 0; i < 50_000; i++) lines.push(`container_cpu_usage_seconds_total{namespace="ns-${i % 13}",pod="pod-${i}",container="c"} ${i * 1.5}`);
  const core = Core.create();
  await core.scrape([Buffer.from(lines.join('\n'))], { format: 'text', timestampMs: 1 });
  let plainSize = 0;
  let packedSize = 0;
  core.encode(RW1, {}, (r) => { plainSize += r.length; });
  core.encode(RW1, { compress: true }, (r) => { packedSize += r.length; });
  expect(plainSize).toBeGreaterThan(4 << 20);
  expect(packedSize).toBeLessThan(plainSize / 3);
  expect(roundTrips(core, RW1)).toBe(1);
});

test('random and repetitive label values round-trip (literals, long copies, short offsets)', async () => {
  const letters = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz');
  const value = fc.oneof(
    fc.string({ unit: letters, maxLength: 299 }),
    fc.nat({ max: 299 }).map((n) => 'a'.repeat(n)),
    fc.nat({ max: 299 }).map((n) => 'ab'.repeat(n).slice(0, n)),
  );
  const pages = fc.record({
    values: fc.array(fc.tuple(value, fc.nat({ max: 999 })), { minLength: 1, maxLength: 3000 }),
    protocol: fc.constantFrom<RemoteWriteProtocol>(RW1, RW2),
    max: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 500 })),
  });
  await fc.assert(fc.asyncProperty(pages, async ({ values, protocol, max }) => {
    const lines = values.map(([v, sample], i) => `m{i="${i}",v="${v}"} ${sample}`);
    const core = Core.create();
    await core.scrape([Buffer.from(lines.join('\n'))], { format: 'text', timestampMs: 1 });
    roundTrips(core, protocol, max);
  }), { numRuns: 30, seed: 99 });
});
