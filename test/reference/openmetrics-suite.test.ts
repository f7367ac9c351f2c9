/**
 * The OpenMetrics parser conformance suite (test/fixtures/openmetrics/parsers, 211 cases)
 * run through the reference parser: a case with shouldParse parses, any other throws a
 * ScrapewireError ERR_PARSE with a position.
 */

import { ScrapewireError } from '../../src/errors';
import { parseReference } from './parser';
import { openMetricsCases, readOpenMetricsCase } from '../helpers/fixtures';

const cases = openMetricsCases();

test('the suite is complete: 211 cases, 44 valid', () => {
  expect(cases).toHaveLength(211);
  expect(cases.filter((c) => c.shouldParse)).toHaveLength(44);
});

test.each(cases.map((c) => [c.name, c] as const))('%s', (_name, testCase) => {
  const input = readOpenMetricsCase(testCase);
  if (testCase.shouldParse) {
    const parsed = parseReference(input, 'openmetrics');
    expect(Array.isArray(parsed.samples)).toBe(true);
    return;
  }
  let error: unknown;
  try {
    parseReference(input, 'openmetrics');
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(ScrapewireError);
  const parseError = error as ScrapewireError;
  expect(parseError.code).toBe('ERR_PARSE');
  expect(parseError.line).toBeGreaterThanOrEqual(1);
  expect(parseError.column).toBeGreaterThanOrEqual(1);
});
