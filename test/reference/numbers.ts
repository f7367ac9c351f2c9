/**
 * Number spellings of the two formats.
 *
 * Sample values (both formats): a decimal real number, or `inf`/`infinity` with an optional
 * sign, or `nan` without one, letters in any case. This is the OpenMetrics ABNF `number`, and
 * the subset of Go's strconv.ParseFloat that the Prometheus text format uses in practice: Go's
 * hexadecimal floats (`0x1p-3`) and digit separators (`1_000`) are rejected on purpose.
 */

/** OpenMetrics `realnumber`: [sign] digits [. digits] [e [sign] digits], or [sign] . digits [...]. */
const REAL_NUMBER = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const INFINITY = /^[+-]?(?:inf|infinity)$/i;
const NOT_A_NUMBER = /^nan$/i;
const INTEGER = /^[+-]?[0-9]+$/;

/** A decimal real number, or undefined when the token is not one or overflows a float64. */
export function parseRealNumber(token: string): number | undefined {
  if (!REAL_NUMBER.test(token)) return undefined;
  const value = Number(token);
  // Go's ParseFloat reports a range error instead of rounding to infinity.
  return Number.isFinite(value) ? value : undefined;
}

/** A sample value: a real number, ±Inf or NaN; undefined when the token is none of those. */
export function parseFloatValue(token: string): number | undefined {
  if (INFINITY.test(token)) return token.startsWith('-') ? -Infinity : Infinity;
  if (NOT_A_NUMBER.test(token)) return NaN;
  return parseRealNumber(token);
}

/** A text-format timestamp: a decimal integer of milliseconds (Go strconv.ParseInt, base 10). */
export function parseIntegerMilliseconds(token: string): number | undefined {
  if (!INTEGER.test(token)) return undefined;
  // int64's range, compared exactly (as doubles 2^63 - 1 and 2^63 are the same number).
  const exact = BigInt(token.startsWith('+') ? token.slice(1) : token);
  if (exact > 9223372036854775807n || exact < -9223372036854775808n) return undefined;
  return normalizeZero(Number(token));
}

/** An OpenMetrics timestamp (float seconds) in milliseconds, rounded to the nearest one. */
export function secondsToMilliseconds(seconds: number): number {
  return normalizeZero(Math.round(seconds * 1000));
}

function normalizeZero(value: number): number {
  return value === 0 ? 0 : value;
}

/**
 * An OpenMetrics `le` or `quantile` label value: a real number, or exactly `+Inf` / `-Inf`.
 * Non-canonical spellings of finite numbers (`1e-04`) are accepted as the spec requires;
 * other spellings of infinity (`+INF`, `Inf`) and NaN are not.
 */
export function parseOpenMetricsBound(text: string): number | undefined {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return parseRealNumber(text);
}
