import { formatDuration, parseDuration, parseSize } from '../../src/config/units';

describe('parseDuration (Prometheus model.ParseDuration)', () => {
  test.each([
    ['0', 0], ['0s', 0], ['1s', 1000], ['500ms', 500], ['1m30s', 90_000], ['1h', 3_600_000], ['1d', 86_400_000],
    ['1w', 604_800_000], ['1y', 31_536_000_000], ['1h30m10s100ms', 5_410_100], ['15s', 15_000],
  ])('%s = %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  test.each(['', '1x', '1', '-1s', '1.5s', '1s1m', '1m1m', ' 1s', '1S', 's', '1ms1s'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  test.each([[0, '0s'], [90_000, '1m30s'], [500, '500ms'], [86_400_000 + 1000, '1d1s']])('formats %d as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toBe(ms);
  });
});

describe('parseSize (alecthomas/units ParseBase2Bytes)', () => {
  test.each([
    ['0', 0], ['0B', 0], ['1B', 1], ['1KB', 1024], ['1KiB', 1024], ['10MB', 10 * 1024 ** 2], ['1GiB', 1024 ** 3],
    ['1.5MB', 1_572_864], ['1MB1KB25B', 1_049_625], ['2TB', 2 * 1024 ** 4],
  ])('%s = %d bytes', (text, bytes) => expect(parseSize(text)).toBe(bytes));

  test.each(['', '1024', '1kB', '1kiB', '1x', 'MB', '.MB', '1 MB', '1constructor', '1toString'])('refuses %j', (text) => {
    expect(parseSize(text)).toBeUndefined();
  });
});
