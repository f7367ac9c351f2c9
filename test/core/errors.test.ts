/**
 * Bad input: each case ends in a ScrapewireError with a stable code, the exact reason, and the
 * line and column (1-based, bytes) of the offending text.
 */
import { readFileSync } from 'node:fs';
import { Core, ScrapewireError, type ExpositionFormat } from '../../src/core';
import { invalidTextPayloads } from '../helpers/fixtures';

async function parseError(text: string, format: ExpositionFormat = 'text', options = {}): Promise<ScrapewireError> {
  const core = Core.create(options);
  try {
    await core.scrape([Buffer.from(text)], { format, timestampMs: 0 });
  } catch (err) {
    if (err instanceof ScrapewireError) return err;
    throw err;
  }
  throw new Error(`parsed without error: ${JSON.stringify(text)}`);
}

const cases: [string, ExpositionFormat, string, string][] = [
  ['a{b="c" 1\n', 'text', 'line 1, column 9: expected "," or "}" after label value', 'ERR_PARSE'],
  ['ok 1\nbad{=} 1\n', 'text', 'line 2, column 5: invalid label name', 'ERR_PARSE'],
  ['x{a=b} 1\n', 'text', 'line 1, column 5: expected a quoted label value', 'ERR_PARSE'],
  ['x{a+="b"} 1\n', 'text', 'line 1, column 4: expected "=" after label name', 'ERR_PARSE'],
  ['x{a="1",a="2"} 1\n', 'text', 'line 1, column 1: duplicate label name', 'ERR_PARSE'],
  ['x 1 2 3\n', 'text', 'line 1, column 7: unexpected text after the sample', 'ERR_PARSE'],
  ['x blubb\n', 'text', 'line 1, column 3: invalid sample value', 'ERR_PARSE'],
  ['x 1 2.5\n', 'text', 'line 1, column 5: invalid timestamp', 'ERR_PARSE'],
  ['x\n', 'text', 'line 1, column 2: expected a space and a sample value', 'ERR_PARSE'],
  ['# TYPE x bla\n', 'text', 'line 1, column 10: invalid metric type', 'ERR_PARSE'],
  ['9x 1\n', 'text', 'line 1, column 1: invalid or missing metric name', 'ERR_PARSE'],
  ['x 1\n', 'openmetrics', 'line 2, column 1: missing "# EOF" at the end of the exposition', 'ERR_PARSE'],
  ['x 1\n\n# EOF\n', 'openmetrics', 'line 2, column 1: blank line (not allowed in OpenMetrics)', 'ERR_PARSE'],
  ['# EOF\nx 1\n', 'openmetrics', 'line 2, column 1: text after "# EOF"', 'ERR_PARSE'],
  ['# TYPE a counter\na_total -1\n# EOF\n', 'openmetrics', 'line 2, column 1: invalid counter value (negative or NaN)', 'ERR_PARSE'],
  ['x  1\n# EOF\n', 'openmetrics', 'line 1, column 3: expected a space and a sample value', 'ERR_PARSE'],
  ['# comment\n# EOF\n', 'openmetrics', 'line 1, column 1: invalid comment (OpenMetrics allows only HELP, TYPE, UNIT and EOF)', 'ERR_PARSE'],
];

test.each(cases)('%j (%s) -> %s', async (text, format, message, code) => {
  const err = await parseError(text, format);
  expect(err.message).toBe(message);
  expect(err.code).toBe(code);
  expect(err.line).toBe(Number(/line (\d+)/.exec(message)![1]));
  expect(err.column).toBe(Number(/column (\d+)/.exec(message)![1]));
});

test('a label value that is not UTF-8 is rejected', async () => {
  const core = Core.create();
  const body = Buffer.concat([Buffer.from('x{a="'), Buffer.from([0xff]), Buffer.from('"} 1\n')]);
  const err = (await core.scrape([body], { format: 'text', timestampMs: 0 }).catch((e: unknown) => e)) as ScrapewireError;
  expect(err.message).toBe('line 1, column 8: invalid UTF-8');
  expect(err.code).toBe('ERR_PARSE');
});

test('a line longer than maxLineBytes is an error, not an allocation', async () => {
  const core = Core.create({ maxLineBytes: 1024 });
  const long = `x{a="${'v'.repeat(5000)}"} 1\n`;
  const before = core.memoryStats().wasmBytes;
  await expect(core.scrape([Buffer.from('ok 1\n' + long)], { format: 'text', timestampMs: 0 })).rejects.toMatchObject({
    code: 'ERR_LINE_TOO_LONG',
    line: 2,
  });
  expect(core.memoryStats().wasmBytes).toBe(before);
});

test('a failed scrape leaves the core usable for the next one', async () => {
  const core = Core.create();
  await expect(core.scrape([Buffer.from('x{ 1\n')], { format: 'text', timestampMs: 0 })).rejects.toBeInstanceOf(ScrapewireError);
  const summary = await core.scrape([Buffer.from('x 1\ny 2\n')], { format: 'text', timestampMs: 1 });
  expect(summary.samples).toBe(2);
});

test('onParseError "skip" keeps the good lines and counts the bad ones', async () => {
  const core = Core.create({ onParseError: 'skip' });
  const summary = await core.scrape([Buffer.from('a 1\nb{ 2\nc 3\nd x\n')], { format: 'text', timestampMs: 0 });
  expect(summary.samples).toBe(2);
  expect(summary.skippedLines).toBe(2);
});

// expfmt (the Go client's parser) rejects all of its fuzz corpus' error inputs. Prometheus'
// scraper, which scrapewire follows, accepts five of them: a last line without newline (0),
// an unknown escape kept as written (1), and repeated or late HELP/TYPE lines (12, 13, 14).
const acceptedLikePrometheus = new Set(['from_test_parse_error_0', 'from_test_parse_error_1', 'from_test_parse_error_12', 'from_test_parse_error_13', 'from_test_parse_error_14']);

describe.each(invalidTextPayloads().map((f) => [f.name.slice(f.name.lastIndexOf('/') + 1), f.path] as const))('expfmt %s', (name, path) => {
  const bytes = readFileSync(path);
  if (acceptedLikePrometheus.has(name)) {
    test('parses, as in Prometheus', async () => {
      await expect(Core.create().scrape([bytes], { format: 'text', timestampMs: 0 })).resolves.toBeDefined();
    });
  } else {
    test('is rejected with a position', async () => {
      const err = await Core.create().scrape([bytes], { format: 'text', timestampMs: 0 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ScrapewireError);
      expect((err as ScrapewireError).line).toBeGreaterThanOrEqual(1);
    });
  }
});
