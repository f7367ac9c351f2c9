/**
 * assembly/labelsort.ts through the Core: a new series' labels come out sorted by name in byte
 * order whatever order the line gives them in and however many there are (insertion-sorted runs
 * merged bottom-up, so a line of 20,000 labels costs O(n log n), not the seconds insertion sort
 * took), and a repeated name is found wherever the two copies are.
 */
import fc from 'fast-check';
import { Core, ScrapewireError } from '../../src/core';
import { compareLabelNames } from '../../src/labels';

function labelsOfLine(line: string, maxLineBytes = 1 << 20): [string, string][] {
  const core = Core.create({ maxLineBytes });
  core.begin({ format: 'text', timestampMs: 1 });
  core.feed(Buffer.from(line));
  core.finish();
  return core.labelsOf(core.snapshot().refs[0]) as [string, string][];
}

const nameChars = fc.constantFrom(...'abcXYZ_019');
const labelName = fc.tuple(fc.constantFrom(...'abcXYZ_'), fc.string({ unit: nameChars, maxLength: 6 })).map(([a, b]) => a + b);
const quotedName = fc.string({ unit: fc.constantFrom('a', 'é', '€', '😀', '.', '-', 'Z'), minLength: 1, maxLength: 4 });

test('any label order gives the labels sorted by name in byte order (up to 200 labels, quoted UTF-8 names too)', () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.oneof(labelName, quotedName), { minLength: 0, maxLength: 200 }), (names) => {
      const written = names.map((n, i) => `${/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(n) ? n : JSON.stringify(n)}="${i}"`);
      const labels = labelsOfLine(`{"m",${written.join(',')}} 1\n`);
      const expected = [['__name__', 'm'], ...names.map((n, i) => [n, String(i)])]
        .sort((a, b) => compareLabelNames(a[0], b[0]));
      expect(labels).toEqual(expected);
    }),
    { seed: 10, numRuns: 300 },
  );
});

test.each([
  ['reverse order', (n: number) => Array.from({ length: n }, (_, i) => n - 1 - i)],
  ['sorted order', (n: number) => Array.from({ length: n }, (_, i) => i)],
  ['interleaved halves', (n: number) => Array.from({ length: n }, (_, i) => (i % 2 === 0 ? i / 2 : n - 1 - (i - 1) / 2))],
])('20,000 labels in %s are sorted', (_name, order) => {
  const n = 20_000;
  const names = order(n).map((i) => `l${String(i).padStart(5, '0')}`);
  const labels = labelsOfLine(`x{${names.map((name) => `${name}="v"`).join(',')}} 1\n`);
  expect(labels).toHaveLength(n + 1);
  expect(labels[0]).toEqual(['__name__', 'x']);
  expect(labels.slice(1).map(([name]) => name)).toEqual(Array.from({ length: n }, (_, i) => `l${String(i).padStart(5, '0')}`));
});

test('a repeated label name is an error wherever the two copies are among 5,000 labels', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 4999 }), fc.integer({ min: 0, max: 4999 }), (a, b) => {
      const names = Array.from({ length: 5000 }, (_, i) => `l${i}`);
      names.splice(b, 0, names[a]);
      const core = Core.create();
      core.begin({ format: 'text', timestampMs: 1 });
      let error: unknown;
      try {
        core.feed(Buffer.from(`x{${names.map((name) => `${name}="v"`).join(',')}} 1\n`));
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ScrapewireError);
      expect(error).toMatchObject({ code: 'ERR_PARSE', reason: 'DUPLICATE_LABEL', line: 1 });
    }),
    { seed: 11, numRuns: 40 },
  );
});
