/**
 * Retry waits against the scripted receiver, measured by when each attempt arrived: the first
 * retry waits at least min_backoff, each next one at least twice the last (up to max_backoff),
 * Retry-After 0 (or a date in the past) falls back to that backoff, and a positive Retry-After,
 * in seconds or as an HTTP date, is waited out. Only lower bounds are asserted: a loaded machine
 * may wait longer, never shorter.
 *
 * Tolerance: Node schedules a timer from the event loop's cached clock, which counts whole
 * milliseconds, so a wait of d ms measured from the receiver's high-resolution clock can end up
 * to 1 ms short of d; the bounds below allow that 1 ms and nothing more.
 */
import { Registry } from 'prom-client';
import { RemoteWriter } from '../../src/remote';
import { ScriptedReceiver, type ScriptedAnswer } from './scripted-receiver';
import { endpoints, metricValue, numberedScrape } from './producer';

const TIMER_GRANULARITY_MS = 1;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function deliverOnce(answers: ScriptedAnswer[], queueConfig: Record<string, unknown>): Promise<{ receiver: ScriptedReceiver; registry: Registry }> {
  const receiver = await new ScriptedReceiver((_req, i) => answers[i] ?? { status: 204 }).start();
  cleanups.push(() => receiver.stop());
  const registry = new Registry();
  const writer = new RemoteWriter({ registry, endpoints: endpoints({ url: receiver.url, name: 'r', queue_config: { max_shards: 1, ...queueConfig } }) });
  cleanups.push(() => writer.close(0));
  numberedScrape('m', 0, 1, 1_700_000_000_000).writeTo(writer);
  await writer.whenIdle();
  return { receiver, registry };
}

function gaps(receiver: ScriptedReceiver): number[] {
  const times = receiver.requests.map((r) => r.atMonotonicMs);
  return times.slice(1).map((t, i) => t - times[i]);
}

describe('retry waits', () => {
  it('waits min_backoff before the first retry, then doubles: never less (jitter only adds)', async () => {
    const { receiver, registry } = await deliverOnce([{ status: 503 }, { status: 503 }, { status: 500 }, { status: 503 }], { min_backoff: '100ms', max_backoff: '300ms' });
    expect(receiver.requests.map((r) => r.status)).toEqual([503, 503, 500, 503, 204]);
    const waits = gaps(receiver);
    const floors = [100, 200, 300, 300]; // doubled, then capped at max_backoff
    waits.forEach((wait, i) => expect({ retry: i + 1, wait: wait >= floors[i] - TIMER_GRANULARITY_MS }).toEqual({ retry: i + 1, wait: true }));
    expect(await metricValue(registry, 'scrapewire_remote_write_requests_retried_total', { endpoint: 'r' })).toBe(4);
  });

  it.each([
    ['Retry-After: 0', () => '0'],
    ['a Retry-After date in the past', () => new Date(Date.now() - 5000).toUTCString()],
  ])('falls back to min_backoff on %s', async (_name, header) => {
    const { receiver } = await deliverOnce([{ status: 429, headers: { 'retry-after': header() } }, { status: 503, headers: { 'retry-after': header() } }], { min_backoff: '150ms', max_backoff: '1s' });
    expect(receiver.requests.map((r) => r.status)).toEqual([429, 503, 204]);
    const [first, second] = gaps(receiver);
    expect(first).toBeGreaterThanOrEqual(150 - TIMER_GRANULARITY_MS);
    expect(second).toBeGreaterThanOrEqual(300 - TIMER_GRANULARITY_MS);
  });

  it('waits out a Retry-After in seconds, even past max_backoff (as Prometheus does)', async () => {
    const { receiver } = await deliverOnce([{ status: 503, headers: { 'retry-after': '1' } }], { min_backoff: '10ms', max_backoff: '50ms' });
    expect(receiver.requests.map((r) => r.status)).toEqual([503, 204]);
    expect(gaps(receiver)[0]).toBeGreaterThanOrEqual(1000 - TIMER_GRANULARITY_MS);
  });

  it('waits until a Retry-After HTTP date', async () => {
    let until = 0;
    const receiver = await new ScriptedReceiver((_req, i) => {
      if (i > 0) return { status: 204 };
      // HTTP dates count whole seconds: two seconds ahead is at least one second of waiting.
      const header = new Date(Date.now() + 2000).toUTCString();
      until = Date.parse(header);
      return { status: 503, headers: { 'retry-after': header } };
    }).start();
    cleanups.push(() => receiver.stop());
    const writer = new RemoteWriter({ registry: new Registry(), endpoints: endpoints({ url: receiver.url, name: 'd', queue_config: { max_shards: 1, min_backoff: '10ms', max_backoff: '50ms' } }) });
    cleanups.push(() => writer.close(0));
    numberedScrape('m', 0, 1, 1_700_000_000_000).writeTo(writer);
    await writer.whenIdle();
    expect(receiver.requests.map((r) => r.status)).toEqual([503, 204]);
    expect(receiver.requests[1].atWallMs).toBeGreaterThanOrEqual(until - TIMER_GRANULARITY_MS);
    expect(gaps(receiver)[0]).toBeGreaterThanOrEqual(1000 - TIMER_GRANULARITY_MS);
  });
});
