/**
 * Retry timing: exponential backoff with jitter between min_backoff and max_backoff, and the
 * Retry-After header (delay-seconds or an HTTP date) that a 429 or 503 may carry.
 */

/**
 * Delay before retry number `attempt` (1 = first retry): min * 2^(attempt-1), capped at max,
 * then "equal jitter": a uniformly random point in [delay/2, delay]. Half the delay is kept so a
 * retry never fires immediately; the random half spreads senders that failed together.
 */
export function backoffDelay(attempt: number, minMs: number, maxMs: number, random: () => number = Math.random): number {
  const exp = Math.min(maxMs, minMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  const delay = Math.max(exp, 0);
  return Math.round(delay / 2 + random() * (delay / 2));
}

/** Longest Retry-After honoured; a receiver asking for more is capped (and still retried). */
export const MAX_RETRY_AFTER_MS = 15 * 60 * 1000;

/**
 * Parses Retry-After into milliseconds from `nowMs`; undefined when absent or unparseable.
 * A date in the past means "now" (0).
 */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number = Date.now()): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, MAX_RETRY_AFTER_MS);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(at - nowMs, 0), MAX_RETRY_AFTER_MS);
}
