/**
 * Resharding (src/remote/shard-tuner.ts): the calculation on measured numbers, then a queue under
 * a slow scripted receiver that must grow past min_shards (requests in flight at once at the
 * receiver) and shrink back to it once the receiver is fast and the load light, never leaving
 * [min_shards, max_shards] and losing nothing.
 */
import { Registry } from 'prom-client';
import { RemoteWriter } from '../../src/remote';
import { DOWN_AFTER_INTERVALS, ShardTuner } from '../../src/remote/shard-tuner';
import { decodeRw1 } from '../helpers/remote-write-proto';
import { ScriptedReceiver, type ScriptedAnswer } from './scripted-receiver';
import { endpoints, metricValue, numberedScrape } from './producer';

/* eslint-disable @typescript-eslint/no-explicit-any */

describe('ShardTuner', () => {
  const tuner = (min = 1, max = 50) => new ShardTuner({ minShards: min, maxShards: max });

  it('asks for the shards that keep up with the incoming rate: seconds per sample x samples per second', () => {
    const t = tuner();
    // 10,000 samples/s in; 1,000 sent in 1 s of sending: 1 ms per sample -> 10 shards.
    t.recordIn(10_000);
    t.recordSent(1_000, 1);
    expect(t.next(1, 0, 1, true)).toEqual({ shards: 10, desired: 10 });
  });

  it('adds shards to drain a backlog', () => {
    const t = tuner();
    t.recordIn(1_000);
    t.recordSent(1_000, 1);
    // 1 ms per sample; 1,000/s in plus 200,000 backlog over ~20 s: 11 shards.
    expect(t.next(1, 200_000, 1, true).shards).toBe(11);
  });

  it('stays within +-30% of the current count, and within min and max', () => {
    const t = tuner(2, 8);
    t.recordIn(12_000);
    t.recordSent(1_000, 1);
    expect(t.next(10, 0, 1, true).shards).toBe(8); // desired 12, current 10 tolerated, but above max
    const u = tuner(2, 50);
    u.recordIn(12_000);
    u.recordSent(1_000, 1);
    expect(u.next(10, 0, 1, true).shards).toBe(10);
  });

  it('goes up at once, and down only after DOWN_AFTER_INTERVALS intervals in a row below the band', () => {
    const t = tuner(2, 50);
    t.recordIn(100);
    t.recordSent(1_000, 1);
    const counts: number[] = [];
    for (let i = 1; i < DOWN_AFTER_INTERVALS; i++) counts.push(t.next(10, 0, 1, true).shards);
    expect(counts).toEqual(Array(DOWN_AFTER_INTERVALS - 1).fill(10)); // desired 0.1, but not yet
    expect(t.next(10, 0, 1, true).shards).toBe(2); // the last interval of the run: down to min
    // An interval back inside the band starts the count again.
    const u = tuner(1, 50);
    u.recordIn(1_000);
    u.recordSent(1_000, 1);
    expect(u.next(3, 0, 1, true).shards).toBe(3); // desired 1: below 3 * 0.7
    u.recordIn(3_000);
    u.recordSent(1_000, 1);
    for (let i = 0; i < DOWN_AFTER_INTERVALS; i++) {
      u.recordIn(3_000);
      u.recordSent(3_000, 3);
      expect(u.next(3, 0, 1, true).shards).toBe(3);
    }
  });

  it('keeps the count while the receiver fails, and when nothing was sent to measure', () => {
    const t = tuner();
    t.recordIn(10_000);
    t.recordSent(1_000, 1);
    expect(t.next(3, 0, 1, false).shards).toBe(3);
    const u = tuner();
    u.recordIn(10_000);
    expect(u.next(3, 1_000_000, 1, true)).toEqual({ shards: 3, desired: NaN });
  });
});

async function until(check: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('a slow receiver makes the queue reshard up; a fast one with little load, back down to min_shards', async () => {
  let answer: ScriptedAnswer = { status: 204, delayMs: 100 };
  const receiver = await new ScriptedReceiver(() => answer).start();
  const registry = new Registry();
  const writer = new RemoteWriter({
    registry,
    shardUpdateIntervalMs: 100,
    endpoints: endpoints({ url: receiver.url, name: 's', queue_config: { min_shards: 1, max_shards: 6, max_samples_per_send: 100, batch_send_deadline: '50ms' } }),
  });
  const shards = (): number => writer.stats().s.shards;
  const seen = new Set<number>();
  let written = 0;
  let next = 0;
  let load = { targets: 16, samples: 20 };
  let running = true;
  // A producer at a steady pace: every 20 ms, each target writes a scrape.
  const producing = (async () => {
    while (running) {
      for (let t = 0; t < load.targets; t++) {
        numberedScrape(`m_${t}`, next, load.samples, 1_700_000_000_000, `job/${t}`).writeTo(writer);
        written += load.samples;
      }
      next += load.samples;
      seen.add(shards());
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  try {
    // 16,000 samples/s against 100 samples per 100 ms per shard: one shard cannot keep up.
    await until(() => shards() > 1, 30_000);
    await until(() => receiver.maxConcurrent > 1, 30_000);
    expect(await metricValue(registry, 'scrapewire_remote_write_shards_desired', { endpoint: 's' })).toBeGreaterThan(1);

    answer = { status: 204 };
    load = { targets: 1, samples: 5 };
    await until(() => shards() === 1, 60_000);
    running = false;
    await producing;
    await writer.whenIdle();

    expect([...seen].every((n) => n >= 1 && n <= 6)).toBe(true);
    expect(await metricValue(registry, 'scrapewire_remote_write_reshards_total', { endpoint: 's' })).toBeGreaterThanOrEqual(2);
    expect(await metricValue(registry, 'scrapewire_remote_write_samples_sent_total', { endpoint: 's' })).toBe(written);
    // Every series in order, across the changes in the number of shards.
    const bySeries = new Map<string, number[]>();
    for (const request of receiver.requests) {
      for (const ts of decodeRw1(request.body).timeseries) {
        const name = ts.labels.find((l: any) => l.name === '__name__').value;
        bySeries.set(name, [...(bySeries.get(name) ?? []), ...ts.samples.map((s: any) => s.timestamp)]);
      }
    }
    for (const [name, stamps] of bySeries) expect({ name, sorted: stamps.every((t, i) => i === 0 || t > stamps[i - 1]) }).toEqual({ name, sorted: true });
  } finally {
    running = false;
    await producing;
    await writer.close(0);
    await receiver.stop();
  }
});
