/**
 * Formats numbers the way Prometheus' Go exporters write sample values:
 * strconv.FormatFloat(v, 'g', -1, 64): the shortest digits that round-trip, in exponent form when
 * the decimal exponent is < -4 or >= 6 (for the shortest precision Go decides with precision 6),
 * so 1234567 prints as "1.234567e+06", 100000 as "100000" and 0.00001 as "1e-05". The exponent
 * has a sign and at least two digits. This is what cAdvisor pages look like.
 */
export function formatGoFloat(value: number): string {
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? '+Inf' : '-Inf';
  // toExponential() without an argument gives the shortest round-tripping digits, like Go's -1.
  const exponential = value.toExponential();
  const e = exponential.indexOf('e');
  const exponent = Number(exponential.slice(e + 1));
  if (exponent < -4 || exponent >= 6) {
    const digits = exponential.slice(0, e);
    const sign = exponent < 0 ? '-' : '+';
    const magnitude = Math.abs(exponent);
    return `${digits}e${sign}${magnitude < 10 ? '0' : ''}${magnitude}`;
  }
  // In [1e-5, 1e6) JavaScript's shortest fixed notation is the same as Go's.
  return String(value);
}
