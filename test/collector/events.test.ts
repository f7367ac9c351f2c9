/**
 * The collector's typed events and AbortSignals: a `scrape` event per target scrape (target,
 * up, samples, duration, error), the remote writer's delivery events forwarded, start() given
 * up through its signal while discovery has not answered, stop() and flush() with signals.
 */
import { createServer } from 'node:http';
import { Collector } from '../../src/collector/collector';
import { freePort } from '../helpers/receivers';
import type { ScrapeEvent, SentEvent } from '../../src/events';
import { startHttpServer, type LoopbackServer } from '../scrape/support/loopback-server';

let app: LoopbackServer;
let receiver: LoopbackServer;
let hanging: LoopbackServer;

beforeAll(async () => {
  app = await startHttpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end('# TYPE jobs gauge\njobs{queue="mail"} 3\njobs{queue="sms"} 4\n');
  });
  receiver = await startHttpServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  // Accepts requests and never answers.
  hanging = await startHttpServer(() => undefined);
});

afterAll(async () => {
  await Promise.all([app.close(), receiver.close(), hanging.close()]);
});

test('scrape events for every target, delivery events from the remote writer, a listener that throws breaks nothing', async () => {
  const collector = await Collector.start({
    listen: false,
    config: {
      global: { scrape_interval: '1s', scrape_timeout: '500ms' },
      scrape_configs: [
        { job_name: 'app', static_configs: [{ targets: [new URL(app.origin).host] }] },
        { job_name: 'gone', static_configs: [{ targets: ['127.0.0.1:1'] }] },
      ],
      remote_write: [{ url: `${receiver.origin}/api/v1/write`, name: 'rx', queue_config: { batch_send_deadline: '50ms' } }],
    },
  });
  const scrapes: ScrapeEvent[] = [];
  const sent: SentEvent[] = [];
  collector.on('scrape', () => { throw new Error('listener bug'); });
  collector.on('scrape', (event) => scrapes.push(event));
  collector.on('sent', (event) => sent.push(event));
  try {
    const deadline = Date.now() + 20_000;
    while ((!scrapes.some((e) => e.job === 'app') || !scrapes.some((e) => e.job === 'gone') || sent.length === 0) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const ok = scrapes.find((e) => e.job === 'app')!;
    expect(ok).toMatchObject({
      job: 'app', target: `${app.origin}/metrics`, labels: { job: 'app', instance: new URL(app.origin).host },
      up: true, samples: 2, error: undefined,
    });
    expect(ok.durationMs).toBeGreaterThanOrEqual(0);
    expect(ok.samplesWritten).toBeGreaterThanOrEqual(2 + 5);
    const down = scrapes.find((e) => e.job === 'gone')!;
    expect(down).toMatchObject({ up: false, samples: 0, error: expect.objectContaining({ code: 'ERR_HTTP_STATUS', target: 'http://127.0.0.1:1/metrics' }) });
    expect(sent[0]).toMatchObject({ endpoint: 'rx', attempts: 1 });
    // The targets go on being scraped: the throwing listener did not stop anything.
    const count = scrapes.length;
    await collector.flush({ signal: AbortSignal.timeout(10_000) });
    while (scrapes.length <= count + 2 && Date.now() < deadline + 10_000) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(scrapes.length).toBeGreaterThan(count + 2);
  } finally {
    await collector.stop({ deadlineMs: 5000, signal: AbortSignal.timeout(5000) });
  }
});

test('start() is given up through its signal while discovery has not answered, and stops what it started', async () => {
  const controller = new AbortController();
  const port = await freePort();
  const starting = Collector.start({
    listenAddress: `127.0.0.1:${port}`,
    config: { scrape_configs: [{ job_name: 'slow', http_sd_configs: [{ url: `${hanging.origin}/targets` }] }] },
    signal: controller.signal,
  });
  // The http_sd request is in flight and unanswered.
  const deadline = Date.now() + 10_000;
  while (hanging.requests.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(hanging.requests.length).toBeGreaterThan(0);
  controller.abort(new Error('the service is shutting down'));
  await expect(starting).rejects.toThrow('the service is shutting down');
  // Its server is closed: the port can be taken again.
  const server = createServer();
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(port, '127.0.0.1', () => resolve()); });
  server.close();
  await expect(Collector.start({ config: {}, signal: AbortSignal.abort(new Error('already')) })).rejects.toThrow('already');
});
