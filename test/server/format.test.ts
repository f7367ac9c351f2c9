import { formatAgo, formatPrometheusDuration, formatSeconds } from '../../src/server/format';

describe('formatSeconds', () => {
  test.each([
    [0.0043, '4.3ms'],
    [0.25, '250ms'],
    [0, '0ms'],
    [1, '1s'],
    [1.234, '1.23s'],
    [12.5, '12.5s'],
  ])('%p -> %p', (seconds, text) => expect(formatSeconds(seconds)).toBe(text));
});

describe('formatAgo', () => {
  test.each([
    [1.234, '1.2s ago'],
    [-3, '0.0s ago'],
    [59.9, '59.9s ago'],
    [61, '1m 1s ago'],
    [3 * 3600 + 5 * 60 + 7, '3h 5m ago'],
    [2 * 86400 + 3600, '2d 1h ago'],
  ])('%p -> %p', (seconds, text) => expect(formatAgo(seconds)).toBe(text));
});

describe('formatPrometheusDuration', () => {
  test.each([
    [1, '1s'],
    [0.5, '500ms'],
    [90, '1m30s'],
    [15, '15s'],
    [3600, '1h'],
    [86400 * 8, '1w1d'],
    [0, '0s'],
    [1.5, '1s500ms'],
  ])('%p -> %p', (seconds, text) => expect(formatPrometheusDuration(seconds)).toBe(text));
});
