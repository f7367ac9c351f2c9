/**
 * Sample values as exporters print them, drawn from the scrape's value stream. All go through
 * formatGoFloat, so byte counts above a million come out as "2.3539712e+07" and seconds as
 * 17-digit floats ("12345.678901234567"), like a real cAdvisor or client_golang page.
 */
import { formatGoFloat } from './go-float';
import { Rng } from './prng';

/** A float with ~17 significant digits in [0, max). */
export function seconds(values: Rng, max: number): string {
  return formatGoFloat(values.nextDouble() * max);
}

/** An integer spread log-uniformly over [min, max] (bytes, limits): mostly exponent notation. */
export function magnitude(values: Rng, min: number, max: number): string {
  const logMin = Math.log(min);
  return formatGoFloat(Math.round(Math.exp(logMin + values.next() * (Math.log(max) - logMin))));
}

/** An integer in [0, max]. */
export function count(values: Rng, max: number): string {
  return formatGoFloat(values.int(max + 1));
}

/** Zero with probability `pZero`, else an integer in [1, max]: error and drop counters. */
export function mostlyZero(values: Rng, pZero: number, max: number): string {
  return values.chance(pZero) ? '0' : formatGoFloat(values.range(1, max));
}

/** A Unix time in seconds with a fractional part, as cAdvisor's *_time_seconds print. */
export function unixSeconds(values: Rng, timestampMs: number, maxAgeSeconds: number): string {
  return formatGoFloat(Math.floor(timestampMs / 1000 - values.next() * maxAgeSeconds) + values.int(1000) / 1000);
}
