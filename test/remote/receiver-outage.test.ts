/**
 * Against real receivers on loopback: a receiver that goes away and comes back gets every
 * sample enqueued in the meantime, in order, with nothing lost.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Registry } from 'prom-client';
import { RemoteWriter } from '../../src/remote';
import { Prometheus, VictoriaMetrics } from '../helpers/receivers';
import { endpoints, metricValue, numberedScrape } from './producer';

const BASE_TS = Date.now() - 60 * 60 * 1000; // an hour ago: inside any default retention/out-of-bounds window
const PER_REQUEST = 50;

describe('VictoriaMetrics outage', () => {
  const vm = new VictoriaMetrics();
  let storage: string;
  beforeAll(async () => {
    storage = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-outage-'));
    await vm.start();
  });
  afterAll(async () => {
    await vm.destroy();
    fs.rmSync(storage, { recursive: true, force: true });
  });

  it('delivers every sample enqueued while the receiver was down (0 lost)', async () => {
    const registry = new Registry();
    const w = new RemoteWriter({ registry, storageDir: storage, endpoints: endpoints({ url: vm.writeUrl, name: 'vm', queue_config: { min_backoff: '50ms', max_backoff: '500ms', max_shards: 2 } }) });
    let next = 0;
    const send = (requests: number): void => {
      for (let i = 0; i < requests; i++) {
        const where = numberedScrape('sw_outage_total', next, PER_REQUEST, BASE_TS, 'src').writeTo(w)[0];
        expect(where).not.toBe('dropped');
        next += PER_REQUEST;
      }
    };
    send(10);
    await w.whenIdle();
    await vm.stop();
    // Outage of about 5 s: keep producing at a scrape-like pace.
    for (let tick = 0; tick < 10; tick++) {
      send(5);
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(w.stats().vm.diskBytes).toBeGreaterThan(0);
    await vm.start();
    send(5);
    await w.whenIdle();
    await w.close(1000);

    const series = await vm.exportSeries('sw_outage_total');
    expect(series).toHaveLength(1);
    const values = [...series[0].values].sort((a, b) => a - b);
    expect(values).toEqual(Array.from({ length: next }, (_, i) => i));
    expect(await metricValue(registry, 'scrapewire_remote_write_samples_sent_total', { endpoint: 'vm' })).toBe(next);
    expect(await metricValue(registry, 'scrapewire_remote_write_samples_dropped_total', { endpoint: 'vm' })).toBe(0);
    expect(await metricValue(registry, 'scrapewire_remote_write_requests_failed_total', { endpoint: 'vm', reason: 'network' })).toBeGreaterThan(0);
    expect(await metricValue(registry, 'scrapewire_remote_write_newest_sent_timestamp_seconds', { endpoint: 'vm' })).toBe((BASE_TS + (next - 1) * 1000) / 1000);
    expect(fs.readdirSync(path.join(storage, 'vm')).filter((f) => f.endsWith('.seg'))).toEqual([]);
  });
});

describe('Prometheus receiver', () => {
  const prom = new Prometheus();
  beforeAll(async () => { await prom.start(); });
  afterAll(async () => { await prom.destroy(); });

  it('stores what was sent as 1.0, queryable back', async () => {
    const registry = new Registry();
    const base = Date.now() - 10 * 60 * 1000;
    const w = new RemoteWriter({ registry, endpoints: endpoints({ url: prom.writeUrl, name: 'prom', queue_config: { min_backoff: '50ms', max_backoff: '500ms' } }) });
    for (let i = 0; i < 4; i++) numberedScrape('sw_prom_total', i * 25, 25, base).writeTo(w);
    await w.whenIdle();
    await w.close(1000);
    expect(await metricValue(registry, 'scrapewire_remote_write_samples_dropped_total', { endpoint: 'prom' })).toBe(0);
    const result = await prom.query('count_over_time(sw_prom_total[1h])', Math.floor(base / 1000) + 200);
    expect(result).toHaveLength(1);
    expect(result[0].value?.[1]).toBe('100');
  });
});
