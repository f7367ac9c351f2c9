/**
 * Content negotiation on the wire, through the whole scrape pipeline (config -> targets ->
 * shared fetch -> core -> remote-write requests): real loopback servers record the Accept header
 * each job sends and answer with a chosen Content-Type; the samples delivered show which parser
 * read the body.
 *
 * The body `m 1 1700000000` (plus `# EOF`) tells the parsers apart: the text format reads the
 * timestamp as milliseconds, OpenMetrics as seconds.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Registry } from 'prom-client';
import { parseConfig } from '../../src/config/load';
import { ScrapewireError } from '../../src/errors';
import { HttpScraper } from '../../src/scrape/http-scraper';
import { ScrapeManager } from '../../src/scrape/scrape-manager';
import type { TargetScraper } from '../../src/scrape/target';
import { DecodingSink } from './support/decoding-sink';
import { startHttpServer, type LoopbackServer } from './support/loopback-server';
import { ManualClock, waitFor } from './support/manual-clock';
import { encodePage } from '../support/client-model';

const BODY = '# TYPE m gauge\nm 1 1700000000\n# EOF\n';
const AS_TEXT = 1_700_000_000;
const AS_OPENMETRICS = 1_700_000_000_000;
const PROTOBUF = 'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited';

/** What each path answers: a Content-Type (undefined: none) and a body. */
const ROUTES: Record<string, { contentType?: string; body: string }> = {
  '/om': { contentType: 'application/openmetrics-text; version=1.0.0; charset=utf-8', body: BODY },
  '/text': { contentType: 'text/plain; version=0.0.4; charset=utf-8', body: BODY },
  '/utf8': {
    contentType: 'text/plain; version=1.0.0; escaping=allow-utf-8; charset=utf-8',
    body: '# HELP "my.metric" A name only UTF-8 allows.\n# TYPE "my.metric" gauge\n{"my.metric","label.name"="v"} 7\n',
  },
  '/blank': { body: BODY },
  '/html': { contentType: 'text/html', body: BODY },
  '/broken': { contentType: 'text/plain; version', body: BODY },
  // A gauge family "m" with one metric of value 5: 0x0A 1 'm' (name), 0x18 1 (GAUGE), 0x22 9 (metric: 0x12 7 (gauge: 0x09 double 5)... )
  '/protobuf': { contentType: PROTOBUF, body: Buffer.from(encodePage([{ name: 'm', type: 'GAUGE', metric: [{ gauge: { value: 5 } }] }])).toString('latin1') },
  '/empty': { body: '' },
  '/shared': { contentType: 'text/plain; version=0.0.4', body: BODY },
};

let server: LoopbackServer;
beforeAll(async () => {
  server = await startHttpServer((req: IncomingMessage, res: ServerResponse) => {
    const route = ROUTES[new URL(req.url ?? '/', 'http://x').pathname];
    res.writeHead(200, route.contentType === undefined ? {} : { 'content-type': route.contentType });
    res.end(Buffer.from(route.body, route.contentType === PROTOBUF ? 'latin1' : 'utf8'));
  });
});
afterAll(() => server.close());

function acceptSeen(path: string): string[] {
  return server.requests.filter((r) => new URL(r.url, 'http://x').pathname === path).map((r) => String(r.headers.accept));
}

const DEFAULT_ACCEPT = 'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,'
  + 'text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2';

test('each job offers its protocols, the Content-Type picks the parser, the fallback covers blank and unknown types', async () => {
  const host = new URL(server.origin).host;
  const job = (name: string, path: string, ...extra: string[]) => [
    `  - job_name: ${name}`, `    metrics_path: ${path}`, `    static_configs: [{targets: ['${host}']}]`, ...extra.map((line) => `    ${line}`),
  ];
  const config = parseConfig([
    'global: {scrape_interval: 10s, scrape_timeout: 5s}',
    'scrape_configs:',
    ...job('om', '/om'),
    ...job('text', '/text', 'scrape_protocols: [PrometheusText0.0.4]'),
    ...job('utf8', '/utf8', 'scrape_protocols: [PrometheusText1.0.0, PrometheusText0.0.4]', 'metric_name_escaping_scheme: allow-utf-8'),
    ...job('blank', '/blank'),
    ...job('blank-fallback', '/blank', 'fallback_scrape_protocol: OpenMetricsText1.0.0'),
    ...job('html-fallback', '/html', 'fallback_scrape_protocol: PrometheusText0.0.4', 'metric_name_escaping_scheme: underscores'),
    ...job('broken', '/broken'),
    ...job('protobuf', '/protobuf', 'fallback_scrape_protocol: PrometheusText0.0.4'),
    ...job('empty', '/empty'),
    // Same URL and negotiation: one request; other protocols: a request of their own.
    ...job('shared-a', '/shared'),
    ...job('shared-b', '/shared'),
    ...job('shared-om-only', '/shared', 'scrape_protocols: [OpenMetricsText1.0.0]'),
  ].join('\n'), 'negotiation.yml');

  const clock = new ManualClock();
  const sink = new DecodingSink();
  const manager = new ScrapeManager({ config, sink, registry: new Registry(), clock });
  await manager.start();
  try {
    await waitFor(() => manager.targets().length === 12, 'every target');
    clock.advance(10_000);
    await waitFor(() => manager.targets().every((t) => t.health !== 'unknown'), 'a scrape of every target');
    const byJob = new Map<string, TargetScraper>(manager.targets().map((t) => [t.spec.job, t]));
    const samplesOf = (jobName: string) => sink.samples.filter((s) => s.labels.job === jobName && !['up'].includes(s.labels.__name__)
      && !s.labels.__name__.startsWith('scrape_'));

    // Accept as Prometheus 3 builds it from each job's scrape_protocols and escaping scheme.
    expect(acceptSeen('/om')).toEqual([DEFAULT_ACCEPT]);
    expect(acceptSeen('/text')).toEqual(['text/plain;version=0.0.4;q=0.6,*/*;q=0.5']);
    expect(acceptSeen('/utf8')).toEqual(['text/plain;version=1.0.0;escaping=allow-utf-8;q=0.6,text/plain;version=0.0.4;q=0.5,*/*;q=0.4']);
    expect(acceptSeen('/html')).toEqual([DEFAULT_ACCEPT.replaceAll('allow-utf-8', 'underscores')]);
    expect(acceptSeen('/shared').sort()).toEqual([
      'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,*/*;q=0.5',
      DEFAULT_ACCEPT,
    ]);

    // The parser each Content-Type chose.
    expect(samplesOf('om').map((s) => [s.labels.__name__, s.timestamp])).toEqual([['m', AS_OPENMETRICS]]);
    expect(samplesOf('text').map((s) => [s.labels.__name__, s.timestamp])).toEqual([['m', AS_TEXT]]);
    expect(samplesOf('utf8').map((s) => [s.labels, s.value])).toEqual([
      [{ __name__: 'my.metric', instance: host, job: 'utf8', 'label.name': 'v' }, 7],
    ]);
    expect(samplesOf('blank-fallback').map((s) => s.timestamp)).toEqual([AS_OPENMETRICS]);
    expect(samplesOf('html-fallback').map((s) => s.timestamp)).toEqual([AS_TEXT]);
    for (const name of ['shared-a', 'shared-b', 'shared-om-only']) expect(samplesOf(name).map((s) => s.timestamp)).toEqual([AS_TEXT]);
    // Protobuf, not offered by that job but answered anyway: read as protobuf (its fallback is not used).
    expect(samplesOf('protobuf').map((s) => [s.labels.__name__, s.value])).toEqual([['m', 5]]);

    // No usable Content-Type and no fallback: the scrape fails naming the target, as in Prometheus 3.
    const failure = (name: string) => {
      const target = byJob.get(name)!;
      expect(target.health).toBe('down');
      expect(samplesOf(name)).toEqual([]);
      expect(sink.samples.find((s) => s.labels.job === name && s.labels.__name__ === 'up')?.value).toBe(0);
      return { code: target.lastError?.code, target: target.lastError?.target, detail: target.lastError?.detail };
    };
    expect(failure('blank')).toEqual({
      code: 'ERR_PARSE', target: `${server.origin}/blank`,
      detail: 'non-compliant scrape target sending blank Content-Type and no fallback_scrape_protocol specified for target',
    });
    expect(failure('broken')).toEqual({
      code: 'ERR_PARSE', target: `${server.origin}/broken`,
      detail: 'cannot parse Content-Type "text/plain; version" and no fallback_scrape_protocol for target: mime: invalid media parameter',
    });
    // An empty body is an empty scrape, whatever its Content-Type (Prometheus checks the type only when there is a body).
    expect(byJob.get('empty')!.health).toBe('up');
    expect(samplesOf('empty')).toEqual([]);
  } finally {
    await manager.stop();
  }
});

test('HttpScraper refuses a body without a usable Content-Type only once a byte arrives', async () => {
  const scraper = new HttpScraper({ url: `${server.origin}/blank`, scrapeTimeoutMs: 5000 });
  try {
    const response = await scraper.scrape();
    expect(response.contentType).toBe('');
    let error: unknown;
    try {
      for await (const chunk of response.body) throw new Error(`a chunk of ${chunk.length} bytes reached the parser`);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ScrapewireError);
    expect((error as ScrapewireError).message).toBe(
      `${server.origin}/blank: non-compliant scrape target sending blank Content-Type and no fallback_scrape_protocol specified for target`);

    // The connection is reusable afterwards, and the same scraper reads an empty body as empty.
    const empty = new HttpScraper({ url: `${server.origin}/empty`, scrapeTimeoutMs: 5000 });
    try {
      const chunks: Uint8Array[] = [];
      for await (const chunk of (await empty.scrape()).body) chunks.push(chunk);
      expect(Buffer.concat(chunks).length).toBe(0);
    } finally {
      await empty.close();
    }
    const again = await scraper.scrape();
    await expect((async () => { for await (const _ of again.body) { /* refused */ } })()).rejects.toThrow('blank Content-Type');
  } finally {
    await scraper.close();
  }
});

test('HttpScraper validates the negotiation options it is given', () => {
  const attempt = (options: Record<string, unknown>) => {
    try {
      new HttpScraper({ url: 'http://127.0.0.1:9/m', scrapeTimeoutMs: 1000, ...options });
    } catch (err) {
      return (err as ScrapewireError).detail;
    }
    return 'accepted';
  };
  expect(attempt({ scrapeProtocols: ['PrometheusProto'] })).toBe('accepted');
  expect(attempt({ scrapeProtocols: [] })).toBe('scrapeProtocols: cannot be empty');
  expect(attempt({ scrapeProtocols: ['PrometheusText0.0.4', 'PrometheusText0.0.4'] })).toBe('scrapeProtocols[1]: duplicated protocol "PrometheusText0.0.4"');
  expect(attempt({ fallbackScrapeProtocol: 'text' })).toMatch(/^fallbackScrapeProtocol: unknown scrape protocol "text"/);
  expect(attempt({ metricNameEscapingScheme: 'none' })).toBe('metricNameEscapingScheme: unknown name escaping method "none"');
  expect(attempt({ scrapeProtocols: ['OpenMetricsText0.0.1'], fallbackScrapeProtocol: 'PrometheusText1.0.0' })).toBe('accepted');
});

test('HttpScraper reads each response by its own Content-Type when a target changes it between scrapes', async () => {
  const types = ['text/plain; version=0.0.4', 'application/openmetrics-text; version=1.0.0', 'text/html', 'text/plain; version=0.0.4', ''];
  let next = 0;
  const changing = await startHttpServer((_req, res) => {
    const type = types[next++ % types.length];
    res.writeHead(200, type === '' ? {} : { 'content-type': type });
    res.end(BODY);
  });
  const scraper = new HttpScraper({ url: `${changing.origin}/metrics`, scrapeTimeoutMs: 5000 });
  try {
    const seen: string[] = [];
    for (let i = 0; i < types.length; i++) {
      const response = await scraper.scrape();
      try {
        for await (const _ of response.body) { /* read through */ }
        seen.push(response.format);
      } catch (err) {
        seen.push(`refused: ${(err as ScrapewireError).detail}`);
      }
    }
    expect(seen).toEqual([
      'text',
      'openmetrics',
      'refused: received unsupported Content-Type "text/html" and no fallback_scrape_protocol specified for target',
      'text',
      'refused: non-compliant scrape target sending blank Content-Type and no fallback_scrape_protocol specified for target',
    ]);
  } finally {
    await scraper.close();
    await changing.close();
  }
});
