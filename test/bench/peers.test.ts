/**
 * The pure parts of the whole-process comparison (bench/peers/): the loopback target server,
 * churn, the /proc sampler, the SVG writer, the config writer, the schedule arithmetic and the
 * RESULTS.md section replacement. Nothing here measures or times anything.
 */
import { spawn } from 'node:child_process';
import * as http from 'node:http';
import * as zlib from 'node:zlib';
import { parseConfig } from '../../src/config/load';
import { collectPayload } from '../../bench/payload/generate';
import { lineChartSvg, niceTicks } from '../../bench/peers/charts';
import { peerConfigYaml } from '../../bench/peers/config';
import { descendants, ProcessSampler, readCpuSeconds, readRssBytes, treeRssBytes } from '../../bench/peers/proc';
import { labelSetDigest, setDifference } from '../../bench/peers/receiver';
import { logHints, replaceSection, SECTION_HEADING } from '../../bench/peers/report';
import { scheduledScrapes } from '../../bench/peers/schedule';
import { acceptsGzip, TargetServer } from '../../bench/peers/target-server';

interface Fetched {
  status: number;
  encoding: string | undefined;
  body: Buffer;
}

function get(url: string, acceptEncoding?: string): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: acceptEncoding ? { 'accept-encoding': acceptEncoding } : {}, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, encoding: res.headers['content-encoding'] as string | undefined, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** The server counts a page when its response has finished; give its event loop a few turns. */
async function settle(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setImmediate(r));
}

function seriesOf(page: Buffer): Set<string> {
  const series = new Set<string>();
  for (const line of page.toString('latin1').split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const close = line.lastIndexOf('}');
    series.add(close >= 0 ? line.slice(0, close + 1) : line.split(' ')[0]);
  }
  return series;
}

const pageOf = (sizeBytes: number, scrape: number, churnPercent = 0): Buffer =>
  Buffer.concat(collectPayload({ kind: 'cadvisor', sizeBytes, scrape, churnPercent }).chunks);

describe('target server', () => {
  // Small pages (cached, sent whole) and large ones (streamed from the generator).
  for (const sizeBytes of [200_000, 1_500_000]) {
    test(`serves ${sizeBytes} bytes gzip then plain, page by page as the generator writes them, and counts`, async () => {
      const server = await new TargetServer({ kind: 'cadvisor', sizeBytes, targets: 2 }).start();
      try {
        const zipped = await get(server.url(0), 'gzip, deflate');
        expect(zipped.status).toBe(200);
        expect(zipped.encoding).toBe('gzip');
        const first = zlib.gunzipSync(zipped.body);
        expect(first.equals(pageOf(sizeBytes, 0))).toBe(true);
        expect(first.length).toBeGreaterThanOrEqual(sizeBytes);
        expect(first.length).toBeLessThan(sizeBytes + 70_000);

        const plain = await get(server.url(0));
        expect(plain.encoding).toBeUndefined();
        expect(plain.body.equals(pageOf(sizeBytes, 1))).toBe(true);

        const other = await get(server.url(1), 'identity');
        expect(other.body.equals(pageOf(sizeBytes, 0))).toBe(true);

        await settle(() => server.totals().served === 3);
        expect(server.countsOf(0)).toMatchObject({ requests: 2, served: 2, gzip: 1, aborted: 0, refused: 0 });
        expect(server.countsOf(0).bytes).toBe(first.length + plain.body.length);
        expect(server.countsOf(0).samples).toBe(collectPayload({ kind: 'cadvisor', sizeBytes, scrape: 0 }).stats.samples + collectPayload({ kind: 'cadvisor', sizeBytes, scrape: 1 }).stats.samples);
        expect(server.countsOf(1)).toMatchObject({ requests: 1, served: 1 });
        expect(server.totals().requestedAt).toHaveLength(3);

        expect((await get(`http://${server.address}/t/2/metrics`)).status).toBe(404);
        expect((await get(`http://${server.address}/metrics`)).status).toBe(404);

        server.cutoff();
        expect((await get(server.url(0))).status).toBe(503);
        expect(server.countsOf(0)).toMatchObject({ requests: 3, served: 2, refused: 1 });

        server.reset();
        expect(server.totals().requests).toBe(0);
        const again = await get(server.url(0));
        expect(again.status).toBe(200);
        expect(again.body.equals(pageOf(sizeBytes, 0))).toBe(true);
      } finally {
        await server.close();
      }
    });
  }

  test('churn renames part of the series from one request to the next; no churn keeps them', async () => {
    const churning = await new TargetServer({ kind: 'cadvisor', sizeBytes: 300_000, churnPercent: 20 }).start();
    const steady = await new TargetServer({ kind: 'cadvisor', sizeBytes: 300_000 }).start();
    try {
      const a = seriesOf((await get(churning.url(0))).body);
      const b = seriesOf((await get(churning.url(0))).body);
      const { onlyA, onlyB } = setDifference(a, b);
      expect(onlyA).toBeGreaterThan(0);
      expect(onlyB).toBeGreaterThan(0);
      expect(onlyA).toBeLessThan(a.size / 2);

      const c = seriesOf((await get(steady.url(0))).body);
      const d = seriesOf((await get(steady.url(0))).body);
      expect(setDifference(c, d)).toEqual({ onlyA: 0, onlyB: 0 });
    } finally {
      await churning.close();
      await steady.close();
    }
  });

  test('Accept-Encoding parsing', () => {
    expect(acceptsGzip('gzip')).toBe(true);
    expect(acceptsGzip('deflate, gzip;q=0.5')).toBe(true);
    expect(acceptsGzip('gzip;q=0')).toBe(false);
    expect(acceptsGzip('identity')).toBe(false);
    expect(acceptsGzip(undefined)).toBe(false);
  });
});

describe('/proc sampler', () => {
  test('reads the RSS and CPU of the current process', () => {
    const rss = readRssBytes(process.pid)!;
    expect(rss).toBeGreaterThan(1e6);
    // Same quantity as Node's own figure, read a moment apart.
    expect(rss).toBeGreaterThan(process.memoryUsage().rss / 2);
    expect(rss).toBeLessThan(process.memoryUsage().rss * 2);
    expect(readCpuSeconds(process.pid)).toBeGreaterThan(0);

    const sampler = new ProcessSampler(process.pid, { includeChildren: false });
    const sample = sampler.poll()!;
    expect(sample.rssBytes).toBeGreaterThan(1e6);
    sampler.poll();
    expect(sampler.samples).toHaveLength(2);
    expect(sampler.peakRss()).toBeGreaterThanOrEqual(sampler.averageRss());
    expect(sampler.cpuSeconds()).toBeGreaterThan(0);
  });

  test('includes child processes and reports a missing process as gone', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      await new Promise<void>((resolve) => child.once('spawn', () => resolve()));
      expect(descendants(process.pid)).toContain(child.pid);
      const own = readRssBytes(process.pid)!;
      expect(treeRssBytes(process.pid, [child.pid!])!).toBeGreaterThan(own - 1);
    } finally {
      child.kill('SIGKILL');
    }
    expect(readRssBytes(2 ** 22 + 12345)).toBeUndefined();
    expect(new ProcessSampler(2 ** 22 + 12345).poll()).toBeUndefined();
  });
});

/** A minimal well-formedness check: balanced tags, one root, quoted attributes, known entities only. */
function assertWellFormedXml(text: string): void {
  const body = text.replace(/^<\?xml[^?]*\?>\s*/, '');
  const stack: string[] = [];
  let roots = 0;
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|<!--[\s\S]*?-->/g;
  let at = 0;
  for (let m = tag.exec(body); m !== null; m = tag.exec(body)) {
    const between = body.slice(at, m.index);
    expect(between).not.toMatch(/[<>]/);
    expect(between.replace(/&(amp|lt|gt|quot|apos);/g, '')).not.toContain('&');
    at = m.index + m[0].length;
    if (m[0].startsWith('<!--')) continue;
    const [, closing, name, , selfClosing] = m;
    if (closing) {
      expect(stack.pop()).toBe(name);
    } else {
      if (stack.length === 0) roots++;
      if (!selfClosing) stack.push(name);
    }
  }
  expect(body.slice(at).trim()).toBe('');
  expect(stack).toEqual([]);
  expect(roots).toBe(1);
}

describe('SVG charts', () => {
  test('one polyline per agent, well-formed, names escaped', () => {
    const svg = lineChartSvg({
      title: 'Peak RSS <vs> page size & more',
      xLabel: 'page MB',
      yLabel: 'RSS MB',
      series: [
        { name: 'vmagent (default)', points: [{ x: 10, y: 120 }, { x: 100, y: 900 }] },
        { name: 'vmagent -promscrape.streamParse', points: [{ x: 10, y: 80 }, { x: 100, y: 300 }] },
        { name: 'Prometheus "agent"', points: [{ x: 100, y: 2000 }, { x: 10, y: 300 }] },
        { name: 'scrapewire', points: [] },
      ],
    });
    assertWellFormedXml(svg);
    expect(svg.match(/<polyline /g)).toHaveLength(4);
    expect(svg).toMatch(/^<\?xml[^>]*>\n<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain('Peak RSS &lt;vs&gt; page size &amp; more');
    expect(svg).toContain('Prometheus &quot;agent&quot;');
    // Points are drawn in x order whatever order they came in.
    const prometheus = /<title>Prometheus &quot;agent&quot;<\/title>\n<polyline [^>]*points="([^"]*)"/.exec(svg)![1].split(' ').map((p) => Number(p.split(',')[0]));
    expect(prometheus[0]).toBeLessThan(prometheus[1]);
  });

  test('ticks are round and cover the range', () => {
    expect(niceTicks(0, 100)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(0, 0.9)).toEqual([0, 0.2, 0.4, 0.6, 0.8]);
  });
});

describe('config writer', () => {
  test('one target: a config parseConfig accepts, with the interval, timeout, path and remote write', () => {
    const text = peerConfigYaml({ address: '127.0.0.1:9100', paths: ['/t/0/metrics'], intervalSeconds: 5, timeoutSeconds: 5, remoteWriteUrl: 'http://127.0.0.1:8428/api/v1/write' });
    const config = parseConfig(text, 'peers.yml');
    expect(config.warnings).toEqual([]);
    expect(config.scrape_configs).toHaveLength(1);
    const job = config.scrape_configs[0];
    expect(job).toMatchObject({ job_name: 'peers', scrape_interval: 5000, scrape_timeout: 5000, metrics_path: '/t/0/metrics', honor_timestamps: false });
    expect(job.static_configs).toEqual([{ targets: ['127.0.0.1:9100'], labels: {} }]);
    expect(config.remote_write.map((r) => r.url)).toEqual(['http://127.0.0.1:8428/api/v1/write']);
  });

  test('many targets on one address: a group per path with __metrics_path__ and a distinct instance', () => {
    const paths = Array.from({ length: 3 }, (_, i) => `/t/${i}/metrics`);
    const config = parseConfig(peerConfigYaml({ address: '127.0.0.1:9100', paths, intervalSeconds: 1, timeoutSeconds: 1, remoteWriteUrl: 'http://127.0.0.1:8428/api/v1/write', externalLabels: { agent: 'x' } }), 'peers.yml');
    expect(config.global.external_labels).toEqual({ agent: 'x' });
    const groups = config.scrape_configs[0].static_configs;
    expect(groups).toHaveLength(3);
    expect(groups[2]).toEqual({ targets: ['127.0.0.1:9100'], labels: { __metrics_path__: '/t/2/metrics', instance: '127.0.0.1:9100/t/2' } });
    expect(new Set(groups.map((g) => g.labels.instance)).size).toBe(3);
  });

  test('rejects a timeout longer than the interval', () => {
    expect(() => peerConfigYaml({ address: 'a:1', paths: ['/m'], intervalSeconds: 1, timeoutSeconds: 2, remoteWriteUrl: 'http://a/w' })).toThrow(/scrape_timeout/);
  });
});

describe('arithmetic and bookkeeping', () => {
  test('scheduled scrapes from arrival times', () => {
    // On schedule from the window's opening: 60 s window closing half an interval early -> 12.
    const arrivals = Array.from({ length: 12 }, (_, k) => 1000 + k * 5000 + (k % 3) * 7);
    expect(scheduledScrapes(arrivals, 1000, 1000 + 57_500, 5000)).toBe(12);
    // A first request that arrived late does not shift the schedule.
    expect(scheduledScrapes([1300, 6000, 11000], 1000, 13_500, 5000)).toBe(3);
    // Missed slots still count as scheduled.
    expect(scheduledScrapes([1000, 16000], 1000, 1000 + 57_500, 5000)).toBe(12);
    // Never scraped: every slot from one interval after the opening.
    expect(scheduledScrapes([], 0, 10_000, 1000)).toBe(10);
  });

  test('label set digests ignore excluded labels and label order', () => {
    expect(labelSetDigest({ __name__: 'a', job: 'j', agent: 'x' }, ['agent'])).toBe(labelSetDigest({ job: 'j', __name__: 'a' }));
    expect(labelSetDigest({ __name__: 'a', job: 'j' })).not.toBe(labelSetDigest({ __name__: 'a', job: 'k' }));
  });

  test('log hints: distinct warnings without timestamps or ports', () => {
    const tail = [
      '1/metrics","job":"peers","err":"cut off at the start of the tail","msg":"scrape failed"}',
            '{"level":"info","time":"2026-11-24T21:04:49.500Z","msg":"HTTP server listening"}',
      '{"level":"warn","err":"http://127.0.0.1:1/t/0/metrics: server returned HTTP status 503 Service Unavailable","msg":"scrape failed"}',
      '{"level":"warn","time":"2026-11-24T21:05:07.983Z","err":"http://127.0.0.1:35985/t/0/metrics: scrape timed out after 5000 ms","msg":"scrape failed"}',
      '{"level":"warn","time":"2026-11-24T21:05:13.030Z","err":"http://127.0.0.1:35985/t/0/metrics: scrape timed out after 5000 ms","msg":"scrape failed"}',
      '2026-11-24T21:05:13.030Z\terror\tlib/promscrape/scrapework.go:1: cannot read data from 127.0.0.1:4000',
    ].join('\n');
    expect(logHints(tail)).toEqual([
      'scrape failed: http://127.0.0.1:PORT/t/0/metrics: scrape timed out after 5000 ms',
      'error lib/promscrape/scrapework.go:1: cannot read data from 127.0.0.1:PORT',
    ]);
    expect(logHints(undefined)).toEqual([]);
  });

  test('the RESULTS.md section is replaced in place, other sections kept', () => {
    const doc = '# Benchmark results\n\n## How\n\ntext\n\n## Whole-process comparison\n\nold\n\n## Later\n\nkept\n';
    const out = replaceSection(doc, `${SECTION_HEADING}\n\nnew\n`);
    expect(out).toBe('# Benchmark results\n\n## How\n\ntext\n\n## Whole-process comparison\n\nnew\n\n## Later\n\nkept\n');
    expect(replaceSection('# R\n\n## A\n\na\n', `${SECTION_HEADING}\n\nnew\n`)).toBe('# R\n\n## A\n\na\n\n## Whole-process comparison\n\nnew\n');
  });
});

describe('native-histogram scenario', () => {
  test('the protobuf target serves a page with native histograms and counts what an agent ingests from it', async () => {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { nativePage, ProtobufTargetServer, PROTOBUF_CONTENT_TYPE } = require('../../bench/peers/protobuf-target') as typeof import('../../bench/peers/protobuf-target');
    const { parseProtobufReference } = require('../support/protobuf-reference') as typeof import('../support/protobuf-reference');
    /* eslint-enable @typescript-eslint/no-require-imports */
    const page = nativePage(60_000);
    expect(page.histograms).toBeGreaterThan(10);
    const server = await new ProtobufTargetServer(page).start();
    try {
      const res = await new Promise<http.IncomingMessage & { body?: Buffer }>((resolve, reject) => {
        http.get(`http://${server.address}${server.path(0)}`, { headers: { 'accept-encoding': 'gzip' }, agent: false }, (r) => {
          const chunks: Buffer[] = [];
          r.on('data', (c: Buffer) => chunks.push(c));
          r.on('end', () => resolve(Object.assign(r, { body: Buffer.concat(chunks) })));
        }).on('error', reject);
      });
      expect(res.headers['content-type']).toBe(PROTOBUF_CONTENT_TYPE);
      const read = parseProtobufReference(zlib.gunzipSync(res.body!), { scrapeNativeHistograms: true });
      await settle(() => server.totals().served === 1);
      expect(server.totals()).toMatchObject({ served: 1, gzip: 1, samples: read.samples.length + read.histograms.length });
      expect(read.histograms.every((h) => h.schema === 3)).toBe(true);
    } finally {
      await server.close();
    }
  });

  test('the config gives an agent its own job settings and send_native_histograms', () => {
    const text = peerConfigYaml({
      address: '127.0.0.1:9100', paths: ['/t/0/metrics'], intervalSeconds: 5, timeoutSeconds: 5, remoteWriteUrl: 'http://127.0.0.1:9090/api/v1/write',
      jobSettings: { scrape_native_histograms: true }, remoteWriteSettings: { send_native_histograms: true },
    });
    const config = parseConfig(text, 'peers.yml');
    expect(config.scrape_configs[0]).toMatchObject({ scrape_native_histograms: true, scrape_protocols: ['PrometheusProto', 'OpenMetricsText1.0.0', 'OpenMetricsText0.0.1', 'PrometheusText1.0.0', 'PrometheusText0.0.4'] });
    expect(config.remote_write[0].send_native_histograms).toBe(true);
  });

  test('vmagent is left out of it with the reason; Prometheus agent gets the native-histograms feature', () => {
    /* eslint-disable-next-line @typescript-eslint/no-require-imports */
    const { allAgents } = require('../../bench/peers/agents') as typeof import('../../bench/peers/agents');
    const agents = allAgents('off');
    expect(agents.filter((a) => a.noNativeHistograms !== undefined).map((a) => a.id)).toEqual(['vmagent', 'vmagent-stream']);
    expect(agents[0].noNativeHistograms).toMatch(/cannot scrape the protobuf exposition or native histograms/);
    const prometheus = agents.find((a) => a.id === 'prometheus-agent')!;
    const context = { configFile: 'c.yml', dataDir: 'd', listenPort: 1, remoteWriteUrl: 'u', maxScrapeBytes: 1, root: '.' };
    expect(prometheus.command({ ...context, nativeHistograms: true }).args[0]).toBe('--enable-feature=agent,native-histograms');
    expect(prometheus.command(context).args[0]).toBe('--enable-feature=agent');
    expect(agents.find((a) => a.id === 'scrapewire')!.nativeJobSettings).toEqual({ scrape_native_histograms: true });
  });

  test('scrapewire with two scrape threads is a variant run only when named, with --scrape.workers=2', () => {
    /* eslint-disable-next-line @typescript-eslint/no-require-imports */
    const { allAgents } = require('../../bench/peers/agents') as typeof import('../../bench/peers/agents');
    const agents = allAgents('on');
    const context = { configFile: 'c.yml', dataDir: 'd', listenPort: 1, remoteWriteUrl: 'u', maxScrapeBytes: 1, root: '.' };
    const one = agents.find((a) => a.id === 'scrapewire')!;
    const two = agents.find((a) => a.id === 'scrapewire-workers2')!;
    expect(one.onlyWhenNamed).toBeUndefined();
    expect(one.command(context).args.some((a) => a.startsWith('--scrape.workers'))).toBe(false);
    expect(two.onlyWhenNamed).toBe(true);
    expect(two.name).toBe('scrapewire run --scrape.workers=2');
    expect(two.command(context).args.slice(-1)).toEqual(['--scrape.workers=2']);
  });
});
