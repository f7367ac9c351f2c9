/**
 * Streaming: the same payload fed in chunks split at many offsets (byte by byte for small ones),
 * with and without a final newline, encodes to byte-identical requests.
 */
import { readFileSync } from 'node:fs';
import { openMetricsPayloads, textPayloads } from '../helpers/fixtures';
import { runCore, splitAt } from '../helpers/core-harness';
import type { ExpositionFormat } from '../../src/core';

function concat(chunks: Uint8Array[]): Buffer {
  return Buffer.concat(chunks);
}

/** A deterministic spread of split points: primes, powers of two, and every byte for small inputs. */
function splitPlans(length: number): number[][] {
  const plans: number[][] = [];
  if (length <= 4096) plans.push(Array.from({ length }, (_, i) => i));
  for (const step of [1, 7, 64, 1000, 4093, 65536]) {
    if (step >= length) continue;
    if (step === 1 && length > 4096) continue;
    const plan: number[] = [];
    for (let at = step; at < length; at += step) plan.push(at);
    plans.push(plan);
  }
  plans.push([1], [length - 1], [Math.floor(length / 2)]);
  return plans;
}

const payloads = [
  ...textPayloads().map((f) => ({ ...f, format: 'text' as ExpositionFormat })),
  ...openMetricsPayloads().map((f) => ({ ...f, format: 'openmetrics' as ExpositionFormat })),
];

describe.each(payloads.map((p) => [`${p.format}: ${p.name}`, p] as const))('%s', (_name, payload) => {
  const bytes = new Uint8Array(readFileSync(payload.path));

  test('any split gives identical requests', async () => {
    const whole = await runCore([bytes], payload.format);
    const expected1 = concat(whole.rw1);
    const expected2 = concat(whole.rw2);
    for (const plan of splitPlans(bytes.length)) {
      const run = await runCore(splitAt(bytes, plan), payload.format);
      expect(concat(run.rw1).equals(expected1)).toBe(true);
      expect(concat(run.rw2).equals(expected2)).toBe(true);
    }
  });

  if (payload.format === 'text') {
    test('without its final newline it gives the same requests', async () => {
      let end = bytes.length;
      while (end > 0 && bytes[end - 1] === 0x0a) end--;
      const whole = await runCore([bytes], payload.format);
      const trimmed = await runCore(splitAt(bytes.subarray(0, end), [Math.floor(end / 3)]), payload.format);
      expect(concat(trimmed.rw1).equals(concat(whole.rw1))).toBe(true);
    });
  }
});
