/**
 * The OpenMetrics parser suite (test/fixtures/openmetrics/parsers, 211 cases) through the WASM
 * core in OpenMetrics mode: each case parses or fails exactly as its test.json says, and a
 * failure is a typed error with a line and a column.
 */
import { Core, ScrapewireError } from '../../src/core';
import { openMetricsCases, readOpenMetricsCase } from '../helpers/fixtures';

const cases = openMetricsCases();

test('the suite is complete', () => {
  expect(cases).toHaveLength(211);
});

describe.each(cases.map((c) => [c.name, c] as const))('%s', (_name, testCase) => {
  test(testCase.shouldParse ? 'parses' : 'is rejected', async () => {
    const core = Core.create();
    const body = readOpenMetricsCase(testCase);
    let error: unknown;
    try {
      await core.scrape([body], { format: 'openmetrics', timestampMs: 1_700_000_000_000 });
    } catch (err) {
      error = err;
    }
    if (testCase.shouldParse) {
      expect(error).toBeUndefined();
    } else {
      expect(error).toBeInstanceOf(ScrapewireError);
      const e = error as ScrapewireError;
      expect(e.code).toBe('ERR_PARSE');
      expect(e.line).toBeGreaterThanOrEqual(1);
      expect(e.column).toBeGreaterThanOrEqual(1);
    }
  });
});
