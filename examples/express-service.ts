/**
 * An Express service that ships its own prom-client metrics through scrapewire, and scrapes two
 * sidecars beside it, with no second port: the collector has no server of its own
 * (`listen: false`), its pages are mounted on the service's server under /scrapewire, the
 * service's registry is an in-process target (no HTTP request to itself), and everything goes
 * to a remote-write receiver through the disk queue, so a receiver outage loses nothing.
 *
 *   npm run build && REMOTE_WRITE_URL=http://127.0.0.1:8428/api/v1/write node dist/examples/express-service.js
 *
 * Environment: REMOTE_WRITE_URL (required), PORT (default 0: any free port), STORAGE_PATH
 * (default: a temporary directory). On SIGTERM or SIGINT it stops gracefully: it scrapes one
 * last time, marks its series stale, delivers what is queued (or leaves it on disk) and prints
 * what it did as one JSON line. The test (test/examples.test.ts) runs it against a real
 * VictoriaMetrics that it stops and restarts in the middle.
 */
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { Collector, type ScrapeEvent } from 'scrapewire';

/** A sidecar: a small exporter of its own, on a loopback port (in production, another container). */
async function startSidecar(name: string): Promise<{ server: Server; address: string }> {
  let polls = 0;
  const server = createServer((_req, res) => {
    polls++;
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(`# TYPE ${name}_polls_total counter\n${name}_polls_total ${polls}\n# TYPE ${name}_up gauge\n${name}_up 1\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, address: `127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function main(): Promise<void> {
  const remoteWriteUrl = process.env.REMOTE_WRITE_URL;
  if (remoteWriteUrl === undefined) throw new Error('set REMOTE_WRITE_URL to a remote-write receiver');

  // The service's own metrics, in its own prom-client registry.
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });
  const orders = new Counter({ name: 'shop_orders_total', help: 'Orders taken.', labelNames: ['kind'], registers: [metrics] });
  const latency = new Histogram({ name: 'shop_request_seconds', help: 'Request latency.', registers: [metrics] });

  const cache = await startSidecar('cache');
  const proxy = await startSidecar('proxy');

  // scrapewire: no port of its own, the registry as an in-process target, the sidecars over HTTP.
  const scrapewire = await Collector.start({
    listen: false,
    storagePath: process.env.STORAGE_PATH ?? mkdtempSync(join(tmpdir(), 'shop-scrapewire-')),
    config: {
      global: { scrape_interval: '1s', scrape_timeout: '1s', external_labels: { service: 'shop' } },
      scrape_configs: [
        // Sidecars get their job from a label, so one job scrapes both.
        {
          job_name: 'sidecars',
          static_configs: [{ targets: [cache.address], labels: { sidecar: 'cache' } }, { targets: [proxy.address], labels: { sidecar: 'proxy' } }],
        },
      ],
      remote_write: [{ url: remoteWriteUrl, name: 'metrics-store', queue_config: { batch_send_deadline: '1s', min_backoff: '100ms', max_backoff: '1s' } }],
    },
    localTargets: [{ job: 'shop', source: metrics }],
  });

  // What the collector did, from its events: every scrape's timestamp by target, delivery problems.
  const scrapes: Record<string, number[]> = {};
  let failedSends = 0;
  scrapewire.on('scrape', (event: ScrapeEvent) => {
    if (event.up) (scrapes[`${event.job}/${event.labels.instance}`] ??= []).push(event.timestampMs);
  });
  scrapewire.on('failed', () => { failedSends++; });

  const app = express();
  app.get('/orders', (_req, res) => {
    const end = latency.startTimer();
    orders.inc({ kind: 'web' });
    res.json({ ok: true });
    end();
  });
  app.use('/scrapewire', scrapewire.handler());
  const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  console.log(JSON.stringify({ listening: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));

  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    // Scraping stops (staleness markers), what is queued is delivered within 10 s or kept on disk.
    await scrapewire.stop({ deadlineMs: 10_000 });
    server.closeAllConnections();
    server.close();
    cache.server.close();
    proxy.server.close();
    console.log(JSON.stringify({ stopped: true, scrapes, failedSends }));
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
