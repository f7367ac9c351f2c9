/**
 * Differential test: every payload fixture through the WASM core, its remote-write 1.0 and 2.0
 * requests decoded with protobufjs from the official .proto files, compared series by series
 * and value by value (bit for bit, NaN included) with the TypeScript reference parser.
 */
import { readFileSync } from 'node:fs';
import { parseReference } from '../reference/parser';
import { openMetricsPayloads, textPayloads } from '../helpers/fixtures';
import { comparable, expectedRows, rowsFromRw1, rowsFromRw2, runCore } from '../helpers/core-harness';

const payloads = [
  ...textPayloads().map((f) => ({ ...f, format: 'text' as const })),
  ...openMetricsPayloads().map((f) => ({ ...f, format: 'openmetrics' as const })),
];

test('there are payloads to compare', () => {
  expect(payloads.length).toBeGreaterThan(40);
});

describe.each(payloads.map((p) => [`${p.format}: ${p.name}`, p] as const))('%s', (_name, payload) => {
  const bytes = new Uint8Array(readFileSync(payload.path));
  const expected = comparable(expectedRows(parseReference(bytes, payload.format).samples));

  test('remote write 1.0 equals the reference', async () => {
    const run = await runCore([bytes], payload.format);
    expect(run.summary.samples).toBe(expected.length);
    expect(comparable(rowsFromRw1(run.rw1))).toEqual(expected);
  });

  test('remote write 2.0 equals the reference', async () => {
    const run = await runCore([bytes], payload.format);
    expect(comparable(rowsFromRw2(run.rw2))).toEqual(expected);
  });
});
