/**
 * A failing target's scrape failures in the collector's log: a warning when the failure starts or
 * its reason changes, the same failure again at debug (a target down at 1 s would otherwise log a
 * warning every second, and on an overloaded node the logging alone cost a tenth of the CPU).
 */
import { Collector } from '../../src/collector/collector';
import type { ScrapeEvent } from '../../src/events';
import type { Logger } from '../../src/logger';
import { startHttpServer, type LoopbackServer } from '../scrape/support/loopback-server';

interface Record { level: string; msg?: string; fields: { target?: string; err?: string } }

let mode: 503 | 500 | 200 = 503;
let app: LoopbackServer;
let receiver: LoopbackServer;

beforeAll(async () => {
  app = await startHttpServer((_req, res) => {
    if (mode !== 200) { res.writeHead(mode).end(); return; }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end('up_and_running 1\n');
  });
  receiver = await startHttpServer((req, res) => { req.resume(); req.on('end', () => res.writeHead(204).end()); });
});

afterAll(async () => {
  await Promise.all([app.close(), receiver.close()]);
});

test('a failure is a warning when it starts and when its reason changes; the same failure again is debug', async () => {
  const records: Record[] = [];
  const at = (level: string) => (fields: object, msg?: string): void => { records.push({ level, msg, fields: fields as Record['fields'] }); };
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  const collector = await Collector.start({
    listen: false,
    logger,
    config: {
      global: { scrape_interval: '200ms', scrape_timeout: '150ms' },
      scrape_configs: [{ job_name: 'app', static_configs: [{ targets: [new URL(app.origin).host] }] }],
      remote_write: [{ url: `${receiver.origin}/api/v1/write` }],
    },
  });
  const scrapes: ScrapeEvent[] = [];
  collector.on('scrape', (event) => scrapes.push(event));
  const waitFor = async (what: (e: ScrapeEvent) => boolean, count: number): Promise<void> => {
    const from = scrapes.length;
    const deadline = Date.now() + 20_000;
    while (scrapes.slice(from).filter(what).length < count) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} scrapes`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const failures = (level: string): Record[] => records.filter((r) => r.level === level && r.fields.target === `${app.origin}/metrics`);
  try {
    await waitFor((e) => !e.up, 4);
    expect(failures('warn')).toHaveLength(1);
    expect(failures('warn')[0]).toMatchObject({ msg: 'scrape failed', fields: { err: expect.stringContaining('503') } });
    expect(failures('debug').length).toBeGreaterThanOrEqual(3);
    expect(failures('debug').every((r) => r.msg === 'scrape failed again' && r.fields.err!.includes('503'))).toBe(true);

    mode = 200;
    await waitFor((e) => e.up, 1);
    mode = 503;
    await waitFor((e) => !e.up, 2);
    // Down again after being up: a warning again, once.
    expect(failures('warn')).toHaveLength(2);

    mode = 500;
    await waitFor((e) => !e.up && e.error!.message.includes('500'), 2);
    expect(failures('warn')).toHaveLength(3);
    expect(failures('warn')[2].fields.err).toContain('500');
  } finally {
    await collector.stop({ deadlineMs: 2000, signal: AbortSignal.timeout(5000) });
  }
});
