/**
 * Bad input: each case ends in a ScrapewireError with a stable code, the core's reason, the line
 * and column (1-based, bytes) of the offending text, and a message that says what was expected
 * and what came there.
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

const cases: [string, ExpositionFormat, string, string, string][] = [
  ['a{b="c" 1\n', 'text', 'line 1, column 9: expected "," or "}" after label value, got "1"', 'ERR_PARSE', 'EXPECTED_COMMA_OR_BRACE'],
  ['ok 1\nbad{=} 1\n', 'text', 'line 2, column 5: invalid label name, got "="', 'ERR_PARSE', 'INVALID_LABEL_NAME'],
  ['x{a=b} 1\n', 'text', 'line 1, column 5: expected a quoted label value, got "b"', 'ERR_PARSE', 'EXPECTED_LABEL_VALUE'],
  ['x{a+="b"} 1\n', 'text', 'line 1, column 4: expected "=" after label name, got "+"', 'ERR_PARSE', 'EXPECTED_EQUAL'],
  ['x{a="1",a="2"} 1\n', 'text', 'line 1, column 1: duplicate label name, got "a" twice', 'ERR_PARSE', 'DUPLICATE_LABEL'],
  ['x 1 2 3\n', 'text', 'line 1, column 7: unexpected text after the sample, got "3"', 'ERR_PARSE', 'UNEXPECTED_TEXT'],
  ['x blubb\n', 'text', 'line 1, column 3: invalid sample value, got "blubb"', 'ERR_PARSE', 'INVALID_VALUE'],
  ['x 1 2.5\n', 'text', 'line 1, column 5: invalid timestamp, got "2.5"', 'ERR_PARSE', 'INVALID_TIMESTAMP'],
  ['x\n', 'text', 'line 1, column 2: expected a space and a sample value, got end of line', 'ERR_PARSE', 'EXPECTED_VALUE'],
  ['# TYPE x bla\n', 'text', 'line 1, column 10: invalid metric type, got "bla"', 'ERR_PARSE', 'INVALID_TYPE'],
  ['9x 1\n', 'text', 'line 1, column 1: invalid or missing metric name, got "9x"', 'ERR_PARSE', 'INVALID_METRIC_NAME'],
  ['x{a="open 1\n', 'text', 'line 1, column 5: unterminated quoted string, got "\\"open 1"', 'ERR_PARSE', 'UNTERMINATED_LABEL_VALUE'],
  [`x{a="${'v'.repeat(60)}\n`, 'text', `line 1, column 5: unterminated quoted string, got "\\"${'v'.repeat(39)}"...`, 'ERR_PARSE', 'UNTERMINATED_LABEL_VALUE'],
  ['x 1\n', 'openmetrics', 'line 2, column 1: missing "# EOF" at the end of the exposition', 'ERR_PARSE', 'MISSING_EOF'],
  ['x 1\n\n# EOF\n', 'openmetrics', 'line 2, column 1: blank line (not allowed in OpenMetrics)', 'ERR_PARSE', 'BLANK_LINE'],
  ['# EOF\nx 1\n', 'openmetrics', 'line 2, column 1: text after "# EOF", got "x 1"', 'ERR_PARSE', 'TEXT_AFTER_EOF'],
  ['# TYPE a counter\na_total -1\n# EOF\n', 'openmetrics', 'line 2, column 1: invalid counter value (negative or NaN), got "-1"', 'ERR_PARSE', 'INVALID_COUNTER_VALUE'],
  ['# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="0.5"} 2\n# EOF\n', 'openmetrics', 'line 3, column 1: histogram buckets not in increasing le order, got "h_bucket{le=\\"0.5\\"}"', 'ERR_PARSE', 'BUCKETS_NOT_SORTED'],
  ['x  1\n# EOF\n', 'openmetrics', 'line 1, column 3: expected a space and a sample value, got " "', 'ERR_PARSE', 'EXPECTED_VALUE'],
  ['# comment\n# EOF\n', 'openmetrics', 'line 1, column 1: invalid comment (OpenMetrics allows only HELP, TYPE, UNIT and EOF), got "# comment"', 'ERR_PARSE', 'INVALID_COMMENT'],
];

test.each(cases)('%j (%s) -> %s', async (text, format, message, code, reason) => {
  const err = await parseError(text, format);
  expect(err.message).toBe(message);
  expect(err.code).toBe(code);
  expect(err.reason).toBe(reason);
  expect(err.line).toBe(Number(/line (\d+)/.exec(message)![1]));
  expect(err.column).toBe(Number(/column (\d+)/.exec(message)![1]));
});

test('a label value that is not UTF-8 is rejected, its bytes shown', async () => {
  const core = Core.create();
  const body = Buffer.concat([Buffer.from('x{a="'), Buffer.from([0xff]), Buffer.from('"} 1\n')]);
  const err = (await core.scrape([body], { format: 'text', timestampMs: 0 }).catch((e: unknown) => e)) as ScrapewireError;
  expect(err.message).toBe('line 1, column 8: invalid UTF-8, got "\\xFF"');
  expect(err.code).toBe('ERR_PARSE');
  expect(err.reason).toBe('INVALID_UTF8');
});

test('a line longer than maxLineBytes is an error, not an allocation', async () => {
  const core = Core.create({ maxLineBytes: 1024 });
  const long = `x{a="${'v'.repeat(5000)}"} 1\n`;
  const before = core.memoryStats().wasmBytes;
  await expect(core.scrape([Buffer.from('ok 1\n' + long)], { format: 'text', timestampMs: 0 })).rejects.toMatchObject({
    code: 'ERR_LINE_TOO_LONG',
    reason: 'LINE_TOO_LONG',
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
