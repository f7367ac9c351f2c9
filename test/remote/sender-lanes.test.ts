/**
 * Ordering per series under retries (src/remote/sender-lanes.ts): many targets batched into
 * requests sent by several shards at once, against a receiver that fails a third of them with
 * 503 and answers the rest after a random delay, with the disk queue taking over while it fails.
 * Every series must reach the receiver (in the requests it accepted) with every sample once and
 * its timestamps in order.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { Registry } from 'prom-client';
import { RemoteWriter } from '../../src/remote';
import { Rng } from '../../bench/payload/prng';
import { decodeRw1 } from '../helpers/remote-write-proto';
import { ScriptedReceiver } from './scripted-receiver';
import { endpoints, metricValue, TestScrape } from './producer';

/* eslint-disable @typescript-eslint/no-explicit-any */

const TARGETS = 12;
const ROUNDS = 30;
const BASE_TS = 1_700_000_000_000;

test('a target\'s series keep their timestamps in order across batches, shards, retries and the disk queue', async () => {
  const random = new Rng(11);
  const receiver = await new ScriptedReceiver((_req, i) => (i % 3 === 1 ? { status: 503 } : { status: 204, delayMs: random.int(20) })).start();
  const storage = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-order-'));
  const registry = new Registry();
  const writer = new RemoteWriter({
    registry,
    storageDir: storage,
    endpoints: endpoints({
      url: receiver.url,
      name: 'o',
      queue_config: { min_shards: 4, max_shards: 4, max_samples_per_send: 30, batch_send_deadline: '20ms', min_backoff: '5ms', max_backoff: '20ms' },
    }),
  });
  try {
    let written = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (let t = 0; t < TARGETS; t++) {
        const series = ['a', 'b', 'c'].map((s) => ({
          labels: { __name__: `m_${s}`, target: String(t) },
          samples: [{ value: round, timestamp: BASE_TS + round * 1000 }],
        }));
        new TestScrape(series, `job/${t}`).writeTo(writer);
        written += 3;
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await writer.whenIdle();

    const bySeries = new Map<string, number[]>();
    for (const request of receiver.requests.filter((q) => q.status === 204)) {
      for (const ts of decodeRw1(request.body).timeseries) {
        const key = ts.labels.map((l: any) => `${l.name}=${l.value}`).join(',');
        bySeries.set(key, [...(bySeries.get(key) ?? []), ...ts.samples.map((s: any) => s.timestamp)]);
      }
    }
    expect(bySeries.size).toBe(TARGETS * 3);
    const all = Array.from({ length: ROUNDS }, (_, round) => BASE_TS + round * 1000);
    for (const [series, stamps] of bySeries) expect({ series, stamps }).toEqual({ series, stamps: all });
    // Retries happened, several requests were in flight at once, and batches held several targets.
    expect(receiver.requests.some((q) => q.status === 503)).toBe(true);
    expect(receiver.maxConcurrent).toBeGreaterThan(1);
    expect(await metricValue(registry, 'scrapewire_remote_write_requests_sent_total', { endpoint: 'o' })).toBeLessThan(TARGETS * ROUNDS);
    expect(await metricValue(registry, 'scrapewire_remote_write_samples_sent_total', { endpoint: 'o' })).toBe(written);
    expect(await metricValue(registry, 'scrapewire_remote_write_samples_dropped_total', { endpoint: 'o' })).toBe(0);
  } finally {
    await writer.close(0);
    await receiver.stop();
    fs.rmSync(storage, { recursive: true, force: true });
  }
});

test('many shards in flight at once share one abort signal without a MaxListenersExceededWarning', () => {
  // Run in a process of its own: jest gives a test its own `process`, which never sees Node's warnings.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-wide-'));
  try {
    const script = path.join(tmp, 'child.js');
    buildSync({ entryPoints: [path.join(__dirname, 'wide-shards-child.ts')], bundle: true, platform: 'node', target: 'node20', outfile: script, logLevel: 'error' });
    // The bundled child finds neither the .proto files nor the core's module by its own path.
    const env = {
      ...process.env,
      SCRAPEWIRE_PROMPB_DIR: path.resolve(__dirname, '../fixtures/remote-write/prometheus/prompb'),
      SCRAPEWIRE_WASM: path.resolve(__dirname, '../../build/release.wasm'),
    };
    const result = JSON.parse(execFileSync(process.execPath, [script], { env, encoding: 'utf8', timeout: 60_000 }).trim().split('\n').pop()!) as {
      maxConcurrent: number; sent: number; warnings: string[];
    };
    // More requests were in flight at once than an EventTarget's default of 10 listeners.
    expect(result.maxConcurrent).toBeGreaterThan(10);
    expect(result.sent).toBe(40);
    expect(result.warnings).toEqual([]);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
