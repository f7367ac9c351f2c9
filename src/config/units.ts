/**
 * Durations and byte sizes written the way Prometheus writes them.
 *
 * Durations follow prometheus/common model.ParseDuration: one or more `<integer><unit>` terms
 * with the units in decreasing order and each at most once (`1h30m`, `1m30s`, `500ms`), units
 * y (365d), w, d, h, m, s, ms, or a bare `0`. No fractions, no sign, no spaces.
 *
 * Sizes follow alecthomas/units ParseBase2Bytes, which Prometheus uses for body_size_limit:
 * terms `<number><unit>` where the number may have a fraction (`1.5MB`) and terms may be chained
 * (`1MB512KB`); units B, KB/KiB, MB/MiB, GB/GiB, TB/TiB, PB/PiB, EB/EiB, all powers of 1024 (so
 * `1KB` is 1024 bytes, as in Prometheus); lowercase `kB` is refused. A bare `0` is zero. A YAML
 * integer (`body_size_limit: 1048576`) is a number of bytes, as Go's yaml decoder would store it
 * into the int64 underneath; a quoted "1048576" without a unit is refused, as ParseBase2Bytes does.
 */

const MS_PER_UNIT: ReadonlyArray<readonly [string, number]> = [
  ['y', 365 * 24 * 3600 * 1000],
  ['w', 7 * 24 * 3600 * 1000],
  ['d', 24 * 3600 * 1000],
  ['h', 3600 * 1000],
  ['m', 60 * 1000],
  ['s', 1000],
  ['ms', 1],
];

// One capture group per unit, in the only order Prometheus accepts.
const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** Parses a Prometheus duration into milliseconds; returns undefined when `text` is not one. */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  if (text === '') return undefined;
  const match = DURATION_RE.exec(text);
  if (match === null) return undefined;
  let total = 0;
  for (let i = 0; i < MS_PER_UNIT.length; i++) {
    const digits = match[i + 1];
    if (digits !== undefined) total += Number(digits) * MS_PER_UNIT[i][1];
  }
  // Prometheus refuses durations that overflow an int64 of nanoseconds (about 292 years).
  if (!Number.isSafeInteger(total) || total > 9_223_372_036_854) return undefined;
  return total;
}

/** Formats milliseconds the way Prometheus prints a duration (`1m30s`, `0s`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const [unit, size] of MS_PER_UNIT) {
    const count = Math.floor(rest / size);
    if (count > 0) {
      out += `${count}${unit}`;
      rest -= count * size;
    }
  }
  return out;
}

const BYTES_PER_UNIT: Readonly<Record<string, number>> = {
  B: 1,
  KB: 1024, KiB: 1024,
  MB: 1024 ** 2, MiB: 1024 ** 2,
  GB: 1024 ** 3, GiB: 1024 ** 3,
  TB: 1024 ** 4, TiB: 1024 ** 4,
  PB: 1024 ** 5, PiB: 1024 ** 5,
  EB: 1024 ** 6, EiB: 1024 ** 6,
};

const SIZE_TERM_RE = /(\d*(?:\.\d*)?)([^\d.]*)/y;

/** Parses a Prometheus byte size (see the module header) into bytes; undefined if invalid. */
export function parseSize(text: string): number | undefined {
  if (text === '0') return 0;
  if (text === '') return undefined;
  let total = 0;
  SIZE_TERM_RE.lastIndex = 0;
  while (SIZE_TERM_RE.lastIndex < text.length) {
    const match = SIZE_TERM_RE.exec(text);
    if (match === null) return undefined;
    const [, number, unit] = match;
    if (number === '' || number === '.') return undefined;
    const multiplier = Object.hasOwn(BYTES_PER_UNIT, unit) ? BYTES_PER_UNIT[unit] : undefined;
    if (multiplier === undefined) return undefined;
    total += Number(number) * multiplier;
  }
  total = Math.floor(total);
  return Number.isSafeInteger(total) ? total : undefined;
}
