/**
 * Retry timing, as Prometheus's queue manager does it: the first retry waits min_backoff, each
 * further one twice the last, up to max_backoff; a Retry-After header (delay-seconds or an HTTP
 * date) that a 429 or 503 carries replaces that wait when it asks for a positive one. A
 * Retry-After of 0 or a date in the past is no request at all: the backoff applies. No retry ever
 * waits less than min_backoff.
 *
 * Jitter only adds (up to a quarter of the step, within max_backoff), so senders that failed
 * together spread out without any of them coming back early. Prometheus has none; "equal jitter"
 * (a point in [delay/2, delay]) was used here before and let a first retry come after
 * min_backoff / 2.
 */

/** Share of the backoff step that jitter may add. */
const JITTER_SHARE = 0.25;

/** The backoff step before retry number `attempt` (1 = first retry): min * 2^(attempt-1), at most max. */
export function backoffStep(attempt: number, minMs: number, maxMs: number): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 40);
  return Math.max(0, Math.min(maxMs, minMs * 2 ** exponent));
}

/**
 * Delay before retry number `attempt` without a Retry-After: the step plus up to a quarter of it
 * in jitter, never above max (unless min itself is) and never below min.
 */
export function backoffDelay(attempt: number, minMs: number, maxMs: number, random: () => number = Math.random): number {
  const step = backoffStep(attempt, minMs, maxMs);
  const jittered = Math.min(maxMs, step + random() * step * JITTER_SHARE);
  return Math.ceil(Math.max(minMs, step, jittered));
}

/**
 * Delay before retry number `attempt` given what the receiver said: a positive Retry-After is
 * honoured as Prometheus does (it may exceed max_backoff, up to MAX_RETRY_AFTER_MS) but never
 * shortens the wait below min_backoff; absent, 0 or in the past, the backoff applies.
 */
export function retryDelay(attempt: number, retryAfterMs: number | undefined, minMs: number, maxMs: number, random: () => number = Math.random): number {
  if (retryAfterMs !== undefined && retryAfterMs > 0) return Math.ceil(Math.max(minMs, retryAfterMs));
  return backoffDelay(attempt, minMs, maxMs, random);
}

/** Longest Retry-After honoured; a receiver asking for more is capped (and still retried). */
export const MAX_RETRY_AFTER_MS = 15 * 60 * 1000;

/**
 * Parses Retry-After into milliseconds from `nowMs`; undefined when absent or unparseable.
 * A date in the past, like "0", means "no wait asked" (0): the caller's backoff applies.
 */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number = Date.now()): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, MAX_RETRY_AFTER_MS);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(at - nowMs, 0), MAX_RETRY_AFTER_MS);
}
