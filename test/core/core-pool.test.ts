/**
 * Cores shared across targets (src/core/core-pool.ts): several cores as contexts of one
 * instance, each with its own globals and heap. Each test can fail: the samples are compared
 * with unshared cores', memory figures come from the pool's own accounting.
 */
import { Core } from '../../src/core/core';
import { CorePool } from '../../src/core/core-pool';
import { decodeRw1 } from '../helpers/remote-write-proto';

const encoder = new TextEncoder();

function page(prefix: string, series: number, value = 1): Uint8Array {
  let text = `# TYPE ${prefix}_requests_total counter\n`;
  for (let i = 0; i < series; i++) text += `${prefix}_requests_total{path="/p/${i % 13}",shard="${i}"} ${i * value}\n`;
  return encoder.encode(text);
}

/** Every sample the core's last scrape encodes, as name{labels} value, sorted. */
function encoded(core: Core): string[] {
  const out: string[] = [];
  core.encode('prometheus.WriteRequest', {}, (body) => {
    for (const series of decodeRw1(body).timeseries) {
      const labels = series.labels.map((l: { name: string; value: string }) => `${l.name}=${l.value}`).join(',');
      for (const sample of series.samples) out.push(`${labels} ${sample.value}`);
    }
  });
  return out.sort();
}

function scrapeInChunks(cores: Array<[Core, Uint8Array]>, timestampMs: number, chunk = 4096): void {
  for (const [core] of cores) core.begin({ format: 'text', timestampMs });
  const longest = Math.max(...cores.map(([, body]) => body.length));
  // Chunk by chunk, turn by turn: what a shared fetch does with its members.
  for (let at = 0; at < longest; at += chunk) {
    for (const [core, body] of cores) if (at < body.length) core.feed(body.subarray(at, at + chunk));
  }
  for (const [core] of cores) core.finish();
}

describe('CorePool', () => {
  it('keeps two cores of one instance apart, fed chunk by chunk in turn', () => {
    const pool = new CorePool();
    const a = Core.createShared(pool);
    const b = Core.createShared(pool);
    const soloA = Core.create();
    const soloB = Core.create();
    for (const ts of [1000, 2000, 3000]) {
      const pa = page('a', ts === 2000 ? 1500 : 3000, ts);
      const pb = page('b', 2000, ts);
      scrapeInChunks([[a, pa], [b, pb]], ts);
      scrapeInChunks([[soloA, pa], [soloB, pb]], ts);
      expect(encoded(a)).toEqual(encoded(soloA));
      expect(encoded(b)).toEqual(encoded(soloB));
    }
    const stats = pool.stats();
    expect(stats.instances).toBe(1);
    expect(stats.contexts).toBe(2);
  });

  it('keeps a hostile core to its own memory limit: the other one scrapes on untouched', () => {
    const pool = new CorePool();
    const good = Core.createShared(pool);
    const hostile = Core.createShared(pool, { maxMemoryBytes: 12 << 20 });
    const goodPage = page('good', 500);
    scrapeInChunks([[good, goodPage]], 1000);
    const before = encoded(good);
    const goodHeap = good.memoryStats().heapBytes;
    // Every line a new series with long labels: past 12 MiB of its own heap the scrape fails.
    hostile.begin({ format: 'text', timestampMs: 1000 });
    let error: unknown;
    try {
      for (let chunk = 0; chunk < 1000; chunk++) {
        let text = '';
        for (let i = 0; i < 200; i++) text += `explode{id="${chunk}-${i}",pad="${'x'.repeat(200)}${chunk * 1000 + i}"} 1\n`;
        hostile.feed(encoder.encode(text));
      }
      hostile.finish();
    } catch (err) {
      error = err;
    }
    expect((error as { code?: string }).code).toBe('ERR_MEMORY_LIMIT');
    expect(hostile.memoryStats().heapBytes).toBeGreaterThan(12 << 20);
    // The good core: its heap and its samples as they were, and its next scrape the same.
    expect(good.memoryStats().heapBytes).toBe(goodHeap);
    expect(encoded(good)).toEqual(before);
    scrapeInChunks([[good, goodPage]], 2000);
    expect(encoded(good).map((s) => s.replace(/ .*/, ''))).toEqual(before.map((s) => s.replace(/ .*/, '')));
    // The hostile core's next begin rebuilds it smaller: its pages go back to the pool.
    hostile.abort();
    hostile.begin({ format: 'text', timestampMs: 2000 });
    hostile.finish();
    expect(hostile.memoryStats().heapBytes).toBeLessThan(12 << 20);
    expect(pool.stats().poolFreeBytes).toBeGreaterThan(8 << 20);
  });

  it('gives a closed core pages back to the pool, and the next core takes them', () => {
    const pool = new CorePool();
    const stays = Core.createShared(pool);
    scrapeInChunks([[stays, page('s', 100)]], 1000);
    const goes = Core.createShared(pool);
    scrapeInChunks([[goes, page('g', 20_000)]], 1000);
    const heap = goes.memoryStats().heapBytes;
    const free = pool.stats().poolFreeBytes;
    goes.close();
    expect(pool.stats().poolFreeBytes).toBe(free + heap);
    expect(pool.stats().contexts).toBe(1);
    expect(() => goes.begin({ format: 'text', timestampMs: 2000 })).toThrow(/close/);
    // A new core of the same size is built from those pages: the instance does not grow.
    const memory = pool.stats().memoryBytes;
    const next = Core.createShared(pool);
    scrapeInChunks([[next, page('n', 20_000)]], 1000);
    expect(pool.stats().memoryBytes).toBe(memory);
    expect(pool.stats().poolFreeBytes).toBeLessThan(free + heap);
  });

  it('after a trap in one core, moves the other to a new instance with its series', () => {
    const pool = new CorePool();
    const victim = Core.createShared(pool);
    const other = Core.createShared(pool);
    const otherPage = page('o', 2000);
    scrapeInChunks([[victim, page('v', 100)], [other, otherPage]], 1000);
    const before = encoded(other);
    // A ref far past the table: the core reads through a wild pointer and traps.
    expect(() => victim.forget(0x7fff_ffff)).toThrow(expect.objectContaining({ code: 'ERR_CORE_TRAP' }));
    expect(pool.stats()).toMatchObject({ contextsTrapped: 1, instancesRetired: 1, contextsLost: 0 });
    // The other core's last scrape is still there, and its next begin() moves it.
    expect(encoded(other)).toEqual(before);
    other.begin({ format: 'text', timestampMs: 2000 });
    other.feed(otherPage);
    const summary = other.finish();
    expect(summary.newSeries).toBe(0); // its series came along
    expect(summary.staleSeries).toBe(0);
    expect(pool.stats()).toMatchObject({ instances: 1, contexts: 2, contextsLost: 0 });
    // The victim starts over in the new instance: every series new.
    victim.begin({ format: 'text', timestampMs: 2000 });
    victim.feed(page('v', 100));
    expect(victim.finish().newSeries).toBe(100);
  });
});
