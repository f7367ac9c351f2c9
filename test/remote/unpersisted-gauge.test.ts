/**
 * scrapewire_remote_write_unpersisted_requests says what a SIGKILL would lose right now: requests
 * in memory only. Without a disk queue, everything waiting for a dead receiver counts; with one,
 * the requests move to disk after the first failure and the gauge goes back to 0.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { RemoteWriter } from '../../src/remote/remote-writer';
import { ScriptedReceiver } from './scripted-receiver';
import { endpoints, numberedScrape } from './producer';

async function gauge(registry: Registry): Promise<number> {
  const metric = await registry.getSingleMetric('scrapewire_remote_write_unpersisted_requests')!.get();
  return metric.values.reduce((sum, v) => sum + v.value, 0);
}

async function until(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('requests waiting for a failing receiver: counted in memory, then zero once spilled to disk', async () => {
  const receiver = await new ScriptedReceiver(() => ({ status: 503 })).start();
  const dir = mkdtempSync(join(tmpdir(), 'scrapewire-unpersisted-'));
  const memoryOnly = new Registry();
  const withDisk = new Registry();
  // One request per batch, so each of the three counts on its own.
  const endpoint = { url: receiver.url, queue_config: { min_backoff: '50ms', max_backoff: '100ms', max_samples_per_send: 1 } };
  const a = new RemoteWriter({ registry: memoryOnly, endpoints: endpoints({ ...endpoint, name: 'mem' }) });
  const b = new RemoteWriter({ registry: withDisk, storageDir: dir, endpoints: endpoints({ ...endpoint, name: 'disk' }) });
  try {
    for (let i = 0; i < 3; i++) {
      const scrape = numberedScrape('m', i, 1, 1_700_000_000_000, 's');
      scrape.writeTo(a);
      scrape.writeTo(b);
    }
    expect(await gauge(memoryOnly)).toBe(3);
    await until(async () => receiver.requests.length >= 2);
    await until(async () => (await gauge(withDisk)) === 0);
    expect(await gauge(memoryOnly)).toBe(3);
  } finally {
    await a.close(0);
    await b.close(0);
    await receiver.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('queue_bytes{storage="batch"} is the open batches\' bytes when collected, and 0 once they are closed', async () => {
  const receiver = await new ScriptedReceiver(() => ({ status: 204 })).start();
  const registry = new Registry();
  const writer = new RemoteWriter({ registry, endpoints: endpoints({ url: receiver.url, name: 'batched', queue_config: { batch_send_deadline: '60s', max_samples_per_send: 10_000 } }) });
  const batchBytes = async (): Promise<number> => {
    const metric = await registry.getSingleMetric('scrapewire_remote_write_queue_bytes')!.get();
    return metric.values.filter((v) => v.labels.storage === 'batch').reduce((sum, v) => sum + v.value, 0);
  };
  try {
    expect(await batchBytes()).toBe(0);
    numberedScrape('m', 0, 10, 1_700_000_000_000, 's').writeTo(writer);
    const one = await batchBytes();
    expect(one).toBeGreaterThan(0);
    numberedScrape('m', 10, 10, 1_700_000_000_000, 's').writeTo(writer);
    expect(await batchBytes()).toBeGreaterThan(one);
    expect(receiver.requests.length).toBe(0);
    await writer.flush();
    expect(await batchBytes()).toBe(0);
    expect(receiver.requests.length).toBe(1);
  } finally {
    await writer.close(0);
    await receiver.stop();
  }
});
