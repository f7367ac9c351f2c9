/**
 * Sample values and timestamps as the core parses them (assembly/number.ts, assembly/decimal.ts),
 * against JavaScript's Number(), which rounds every decimal correctly (half to even, as Go's
 * strconv.ParseFloat): any number of digits, any exponent, halfway cases, denormals, and what is
 * too large for a double or an int64 (an error, as Prometheus makes it).
 */
import fc from 'fast-check';
import { Core, ScrapewireError } from '../../src/core';
import { bits } from '../helpers/core-harness';

/** The value the core reads for `token`, as float bits, or the core's reason for refusing it. */
function coreValue(core: Core, token: string): string {
  core.begin({ format: 'text', timestampMs: 1 });
  try {
    core.feed(Buffer.from(`m ${token}\n`));
    core.finish();
  } catch (err) {
    core.abort();
    if (err instanceof ScrapewireError) return err.reason!;
    throw err;
  }
  return bits(core.snapshot().values[0]);
}

/** What Go's ParseFloat gives: the nearest double, or a range error past the largest one. */
function expected(token: string): string {
  const value = Number(token);
  return Number.isFinite(value) ? bits(value) : 'INVALID_VALUE';
}

const digits = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });

/** Decimals with up to 60 digits, the point anywhere or nowhere, exponents up to ±400. */
const decimals = fc.tuple(fc.constantFrom('', '-', '+'), digits(1, 60), fc.nat(), fc.boolean(), fc.option(fc.integer({ min: -400, max: 400 })))
  .map(([sign, d, at, withPoint, exponent]) => {
    const point = withPoint ? `${d.slice(0, at % (d.length + 1))}.${d.slice(at % (d.length + 1))}` : d;
    return `${sign}${point === '.' ? '0' : point}${exponent === null ? '' : `e${exponent}`}`;
  });

/** A double's digits, then digits that put the number just below, at, or just above a halfway point. */
const nearHalfway = fc.tuple(fc.double({ noNaN: true, noDefaultInfinity: true, min: 0 }), fc.integer({ min: 17, max: 21 }), fc.constantFrom('', '5', '49999999999', '50000000001', '500000000000000000000'))
  .map(([x, precision, tail]) => {
    const [mantissa, exponent] = x.toExponential(precision - 1).split('e');
    return `${mantissa}${tail}e${exponent}`;
  });

const HARD = [
  '9007199254740993', '9007199254740995', '18014398509481993', '123456789012345678901234567890',
  '5.361533595562474e+38', '-5.361533595562474e+38', '1e23', '8.988465674311579e307',
  '2.2250738585072011e-308', '2.2250738585072012e-308', '2.2250738585072014e-308', '4.9406564584124654e-324',
  '2.4703282292062327e-324', '2.4703282292062328e-324', '5e-324', '1e-400', '0.000000000000000000000000001',
  '1.7976931348623157e308', '1.7976931348623158e308', '1.7976931348623159e308', '1e309', '-1e309',
  '0.1000000000000000055511151231257827021181583404541015625', '7.038531e-26', `1${'0'.repeat(400)}`, `0.${'0'.repeat(330)}1`,
  `${'9'.repeat(800)}`, `1.${'0'.repeat(900)}1`, `4.${'9'.repeat(900)}e-324`,
];

describe('sample values are the nearest double, as Go rounds them', () => {
  const core = Core.create();

  const short = (token: string) => (token.length <= 60 ? token : `${token.slice(0, 24)}... (${token.length} characters)`);
  test.each(HARD.map((token) => [short(token), token]))('%s', (_name, token) => {
    expect(coreValue(core, token)).toBe(expected(token));
  });

  test('random decimals of up to 60 digits and exponents up to ±400', () => {
    fc.assert(fc.property(decimals, (token) => {
      expect(coreValue(core, token)).toBe(expected(token));
    }), { numRuns: 20_000, seed: 42 });
  });

  test('decimals just below, at and just above a halfway point between two doubles', () => {
    fc.assert(fc.property(nearHalfway, (token) => {
      expect(coreValue(core, token)).toBe(expected(token));
    }), { numRuns: 20_000, seed: 43 });
  });
});

describe('text timestamps are int64 milliseconds', () => {
  const core = Core.create();
  const timestampOf = (token: string): number | string => {
    core.begin({ format: 'text', timestampMs: 1 });
    try {
      core.feed(Buffer.from(`m 1 ${token}\n`));
      core.finish();
    } catch (err) {
      core.abort();
      return (err as ScrapewireError).reason!;
    }
    return core.snapshot().timestamps[0];
  };

  test.each([
    ['9223372036854775807', 9223372036854775807],
    ['-9223372036854775808', -9223372036854775808],
    ['00000000000000000000001', 1],
    ['9223372036854775808', 'INVALID_TIMESTAMP'],
    ['-9223372036854775809', 'INVALID_TIMESTAMP'],
    ['99999999999999999999', 'INVALID_TIMESTAMP'],
  ])('%s', (token, value) => {
    expect(timestampOf(token)).toBe(value);
  });
});
