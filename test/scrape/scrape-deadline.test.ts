/**
 * ScrapeDeadline: one signal for the scrape timeout, the caller's abort and giving up, and the
 * in-flight set it leaves by itself (HttpScraper aborts what is in it on close()).
 */
import { ScrapeDeadline } from '../../src/scrape/scrape-deadline';
import { ScrapewireError } from '../../src/errors';

const target = 'http://127.0.0.1:1/metrics';

test('the timeout aborts the signal with ERR_SCRAPE_TIMEOUT and the deadline leaves the in-flight set', async () => {
  const inFlight = new Set<ScrapeDeadline>();
  const deadline = new ScrapeDeadline(target, 20, undefined, inFlight);
  inFlight.add(deadline);
  await new Promise((resolve) => deadline.signal.addEventListener('abort', resolve));
  expect(inFlight.size).toBe(0);
  const error = deadline.errorFor(new Error('socket closed'), () => new Error('fallback')) as ScrapewireError;
  expect(error.code).toBe('ERR_SCRAPE_TIMEOUT');
  expect(error.target).toBe(target);
});

test('dispose and abort leave the set; the caller\'s abort passes its reason on; a disposed deadline no longer listens to the caller', () => {
  const inFlight = new Set<ScrapeDeadline>();
  const done = new ScrapeDeadline(target, 60_000, undefined, inFlight);
  inFlight.add(done);
  done.dispose();
  expect(inFlight.size).toBe(0);
  expect(done.signal.aborted).toBe(false);

  const given = new ScrapeDeadline(target, 60_000, undefined, inFlight);
  inFlight.add(given);
  given.abort(new Error('limit'));
  expect(inFlight.size).toBe(0);
  expect((given.signal.reason as Error).message).toBe('limit');

  const caller = new AbortController();
  const first = new ScrapeDeadline(target, 60_000, caller.signal, inFlight);
  inFlight.add(first);
  const second = new ScrapeDeadline(target, 60_000, caller.signal, inFlight);
  inFlight.add(second);
  second.dispose();
  const reason = new Error('stopping');
  caller.abort(reason);
  expect(first.signal.reason).toBe(reason);
  expect(first.errorFor(undefined, () => new Error('fallback'))).toBe(reason);
  expect(inFlight.size).toBe(0);
  // The disposed one did not hear the caller's abort.
  expect(second.signal.aborted).toBe(false);
  first.dispose();
});

test('a caller\'s signal already aborted aborts the deadline at once', () => {
  const caller = new AbortController();
  caller.abort(new Error('gone'));
  const deadline = new ScrapeDeadline(target, 60_000, caller.signal);
  expect(deadline.signal.aborted).toBe(true);
  expect(() => deadline.throwIfAborted()).toThrow('gone');
  deadline.dispose();
});
