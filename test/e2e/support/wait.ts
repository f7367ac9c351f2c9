/** Polling for the end-to-end tests: deadlines are generous, the result is what gets asserted. */

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Calls `probe` every `intervalMs` until `done(value)` holds, and returns that value; at the
 * deadline returns the last value anyway, so the test's own assertion reports what was wrong.
 */
export async function pollUntil<T>(probe: () => Promise<T> | T, done: (value: T) => boolean, timeoutMs: number, intervalMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() >= deadline) return value;
    await sleep(intervalMs);
  }
}
