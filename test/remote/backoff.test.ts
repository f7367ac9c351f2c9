/** Retry timing as Prometheus's queue manager does it: min_backoff first, doubling to max_backoff, Retry-After honoured. */
import { backoffDelay, backoffStep, parseRetryAfter, retryDelay } from '../../src/remote/backoff';

const never = (): number => 0;
const always = (): number => 1;

describe('backoff', () => {
  it('waits min_backoff before the first retry and doubles up to max_backoff', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 30].map((attempt) => backoffStep(attempt, 200, 5000))).toEqual([200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
    expect([1, 2, 3, 4].map((attempt) => backoffDelay(attempt, 200, 5000, never))).toEqual([200, 400, 800, 1600]);
  });

  it('lets jitter add to a wait, never take from it, and not past max_backoff', () => {
    for (const random of [never, () => 0.5, always]) {
      for (let attempt = 1; attempt <= 10; attempt++) {
        const delay = backoffDelay(attempt, 200, 5000, random);
        expect(delay).toBeGreaterThanOrEqual(backoffStep(attempt, 200, 5000));
        expect(delay).toBeLessThanOrEqual(5000);
      }
    }
    expect(backoffDelay(1, 200, 5000, always)).toBe(250);
    expect(backoffDelay(1, 200, 200, always)).toBe(200);
  });

  it('honours a positive Retry-After, even past max_backoff, but never below min_backoff', () => {
    expect(retryDelay(1, 7000, 200, 5000, always)).toBe(7000);
    expect(retryDelay(1, 50, 200, 5000, always)).toBe(200);
  });

  it('falls back to the backoff for Retry-After 0, a date in the past, or none', () => {
    for (const retryAfter of [0, undefined]) {
      expect(retryDelay(1, retryAfter, 200, 5000, never)).toBe(200);
      expect(retryDelay(3, retryAfter, 200, 5000, never)).toBe(800);
    }
    expect(retryDelay(1, parseRetryAfter('Sun, 31 Dec 2023 00:00:00 GMT', Date.parse('2024-01-01T00:00:00Z')), 200, 5000, never)).toBe(200);
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2024-01-01T00:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter('Mon, 01 Jan 2024 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sun, 31 Dec 2023 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('999999', now)).toBe(15 * 60 * 1000);
  });
});
