/**
 * The examples run as shipped, compiled by `npm run build` (pretest) and started as child
 * processes that import the package by its name, against a real VictoriaMetrics:
 * - the README's five lines (examples/five-lines.mjs, an ES module) and docs/EMBEDDING.md's copy
 *   of them;
 * - an Express service (examples/express-service.ts) shipping its prom-client metrics and two
 *   sidecars' through scrapewire mounted on its own port, with the receiver stopped and
 *   restarted in the middle: every scrape it made is in the receiver afterwards;
 * - an agent of only the core and the remote writer (examples/core-agent.ts);
 * - a plugin (examples/plugin.ts);
 * - the older embedding example (examples/embedded-agent.ts).
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './helpers/paths';
import { freePort, VictoriaMetrics } from './helpers/receivers';
import { pollUntil, sleep } from './e2e/support/wait';
import { startHttpServer } from './scrape/support/loopback-server';

const run = promisify(execFile);
const example = (name: string): string => join(REPO_ROOT, 'dist', 'examples', name);

let vm: VictoriaMetrics;
const children: ChildProcess[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  vm = await new VictoriaMetrics().start();
}, 60_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await vm?.destroy();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(join(os.tmpdir(), 'sw-example-'));
  dirs.push(dir);
  return dir;
}

/** A child whose stdout lines are collected; `line(pattern)` waits for one. */
function start(args: string[], env: Record<string, string>, cwd: string): { child: ChildProcess; lines: string[]; line(pattern: RegExp, timeoutMs?: number): Promise<string>; exited: Promise<number | null> } {
  const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const lines: string[] = [];
  let stderr = '';
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString();
    const parts = text.split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
  });
  child.stderr!.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-4000); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const line = async (pattern: RegExp, timeoutMs = 30_000): Promise<string> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = lines.find((l) => pattern.test(l));
      if (found !== undefined) return found;
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`no line matching ${pattern}; exit ${child.exitCode}; stderr:\n${stderr}`);
      await sleep(50);
    }
  };
  return { child, lines, line, exited };
}

/** The lines between `// readme:begin` and `// readme:end`. */
function readmeRegion(file: string): string {
  const text = fs.readFileSync(file, 'utf8');
  const match = /\/\/ readme:begin\n([\s\S]*?)\/\/ readme:end\n/.exec(text);
  if (match === null) throw new Error(`${file} has no readme region`);
  return match[1];
}

/** The first ```js / ```ts block after `heading` in a markdown file. */
function firstCodeBlock(markdown: string, heading: string): string | undefined {
  const at = markdown.indexOf(heading);
  if (at < 0) return undefined;
  return /```(?:js|ts|javascript|typescript)\n([\s\S]*?)```/.exec(markdown.slice(at))?.[1];
}

test('the README\'s five lines: an Express service\'s prom-client metrics reach VictoriaMetrics, its pages on the service\'s port', async () => {
  const five = join(REPO_ROOT, 'examples', 'five-lines.mjs');
  // The guide shows the file's code as it is; so does the README once its Library API section points at it.
  const code = readmeRegion(five);
  expect(firstCodeBlock(fs.readFileSync(join(REPO_ROOT, 'docs', 'EMBEDDING.md'), 'utf8'), '## Five lines')).toBe(code);
  const readme = fs.readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  if (readme.includes('examples/five-lines.mjs')) expect(firstCodeBlock(readme, '## Library API')).toBe(code);

  const port = await freePort();
  const cwd = tempDir();
  const service = start([five], { REMOTE_WRITE_URL: vm.writeUrl, PORT: String(port) }, cwd);
  try {
    const targets = await pollUntil(async () => {
      try {
        return await (await fetch(`http://127.0.0.1:${port}/scrapewire/api/v1/targets`)).json() as { data: { activeTargets: Array<{ scrapeUrl: string; health: string }> } };
      } catch {
        return undefined;
      }
    }, (answer) => answer?.data.activeTargets[0]?.health === 'up', 30_000);
    expect(targets?.data.activeTargets).toEqual([expect.objectContaining({ scrapeUrl: 'local://shop/metrics', health: 'up' })]);
    const series = await pollUntil(() => vm.exportSeries('{job="shop",__name__=~"up|process_cpu_user_seconds_total"}'), (found) => found.length >= 2, 30_000);
    expect(series.map((s) => s.metric).sort((a, b) => a.__name__.localeCompare(b.__name__))).toEqual([
      { __name__: 'process_cpu_user_seconds_total', instance: 'shop', job: 'shop' },
      { __name__: 'up', instance: 'shop', job: 'shop' },
    ]);
    // The disk queue is where the service was started.
    expect(fs.existsSync(join(cwd, 'data', 'scrapewire', 'scrapewire.lock'))).toBe(true);
  } finally {
    service.child.kill('SIGKILL');
    await service.exited;
  }
});

test('an Express service with prom-client and two sidecars, scrapewire on its own port: a receiver outage in the middle loses nothing', async () => {
  const service = start([example('express-service.js')], { REMOTE_WRITE_URL: vm.writeUrl, STORAGE_PATH: join(tempDir(), 'queue') }, REPO_ROOT);
  const base = (JSON.parse(await service.line(/"listening"/)) as { listening: string }).listening;
  try {
    // The service's own route and scrapewire's pages, on the one port.
    for (let i = 0; i < 3; i++) expect(await (await fetch(`${base}/orders`)).json()).toEqual({ ok: true });
    const page = await (await fetch(`${base}/scrapewire/targets`)).text();
    expect(page).toContain('local://shop/metrics');
    const api = await pollUntil(
      async () => (await (await fetch(`${base}/scrapewire/api/v1/targets`)).json()) as { data: { activeTargets: Array<{ labels: Record<string, string>; health: string }> } },
      (answer) => answer.data.activeTargets.length === 3 && answer.data.activeTargets.every((t) => t.health === 'up'), 30_000);
    expect(api.data.activeTargets.map((t) => `${t.labels.job}/${t.labels.sidecar ?? ''}`).sort()).toEqual(['shop/', 'sidecars/cache', 'sidecars/proxy']);
    await pollUntil(() => vm.exportSeries('up{service="shop"}'), (found) => found.length === 3, 30_000);

    // The outage: scrapes go on, into the disk queue.
    await vm.stop();
    await sleep(4000);
    await fetch(`${base}/orders`);
    await vm.start();
    await sleep(3000);
    service.child.kill('SIGTERM');
    const summary = JSON.parse(await service.line(/"stopped"/, 60_000)) as { scrapes: Record<string, number[]>; failedSends: number };
    expect(await service.exited).toBe(0);
    // The receiver was down while the service ran: sends failed and were retried.
    expect(summary.failedSends).toBeGreaterThan(0);
    expect(Object.keys(summary.scrapes).sort()).toEqual(['shop/shop', expect.stringMatching(/^sidecars\/127\.0\.0\.1:\d+$/), expect.stringMatching(/^sidecars\/127\.0\.0\.1:\d+$/)]);

    // Every successful scrape's `up` sample is in the receiver, those made during the outage included.
    for (const [key, timestamps] of Object.entries(summary.scrapes)) {
      const [job, instance] = key.split('/');
      expect(timestamps.length).toBeGreaterThanOrEqual(8);
      const stored = await pollUntil(async () => {
        const [series] = await vm.exportSeries(`up{job="${job}",instance="${instance}",service="shop"}`);
        return new Set(series?.timestamps ?? []);
      }, (set) => timestamps.every((t) => set.has(t)), 30_000);
      expect(timestamps.filter((t) => !stored.has(t))).toEqual([]);
    }
    // The service's own counter and the sidecars' series, with their labels.
    const orders = await vm.exportSeries('shop_orders_total');
    expect(orders.map((s) => s.metric)).toEqual([{ __name__: 'shop_orders_total', instance: 'shop', job: 'shop', kind: 'web', service: 'shop' }]);
    expect(Math.max(...orders[0].values)).toBe(4);
    const sidecars = await vm.exportSeries('{__name__=~"(cache|proxy)_polls_total"}');
    expect(sidecars.map((s) => `${s.metric.__name__} ${s.metric.sidecar} ${s.metric.job}`).sort()).toEqual(['cache_polls_total cache sidecars', 'proxy_polls_total proxy sidecars']);
  } finally {
    if (service.child.exitCode === null) service.child.kill('SIGKILL');
  }
}, 180_000);

test('an agent of only the core and the remote writer delivers a page it fetches', async () => {
  let served = 0;
  const page = await startHttpServer((_req, res) => {
    served++;
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(`# TYPE core_agent_demo gauge\ncore_agent_demo{slot="a"} ${served}\ncore_agent_demo{slot="b"} 1\n`);
  });
  try {
    const { stdout } = await run(process.execPath, [example('core-agent.js'), `${page.origin}/metrics`, vm.writeUrl, '3'], { timeout: 60_000 });
    expect(stdout).toContain('core-agent: 3 scrapes, 6 samples, 6 samples acknowledged by the receiver');
    const series = await pollUntil(() => vm.exportSeries('core_agent_demo'), (found) => found.length === 2 && found.every((s) => s.values.length === 3), 30_000);
    expect(series.map((s) => s.metric).sort((a, b) => a.slot.localeCompare(b.slot))).toEqual([
      { __name__: 'core_agent_demo', instance: new URL(page.origin).host, job: 'core-agent', slot: 'a' },
      { __name__: 'core_agent_demo', instance: new URL(page.origin).host, job: 'core-agent', slot: 'b' },
    ]);
    expect(series.find((s) => s.metric.slot === 'a')!.values.sort()).toEqual([1, 2, 3]);
  } finally {
    await page.close();
  }
});

test('a plugin derives a series from in-process targets\' scrapes, delivered with them', async () => {
  const { stdout } = await run(process.execPath, [example('plugin.js'), vm.writeUrl], { timeout: 60_000 });
  expect(stdout).toMatch(/^plugin: \d+ scrapes of the pools; queue_saturation_ratio images 0\.20, mail 0\.05$/m);
  const ratios = await pollUntil(() => vm.exportSeries('queue_saturation_ratio'), (found) => found.length === 2, 30_000);
  // A plugin's series carry the labels it gives them (and external labels), not a target's.
  expect(ratios.map((s) => [s.metric, s.values.filter((v) => v !== null && !Number.isNaN(v))[0]]).sort((a, b) => String((a[0] as Record<string, string>).pool).localeCompare(String((b[0] as Record<string, string>).pool)))).toEqual([
    [{ __name__: 'queue_saturation_ratio', pool: 'images' }, 0.2], [{ __name__: 'queue_saturation_ratio', pool: 'mail' }, 0.05],
  ]);
});

test('examples/embedded-agent.ts runs and reports what it did', () => {
  const out = execFileSync(process.execPath, [example('embedded-agent.js')], { timeout: 60_000 }).toString();
  expect(out).toMatch(/^core: 2 samples parsed, a \d+-byte snappy rw2 request with 2 samples$/m);
  const agent = /agent: app up; app scraped (\d+) times; (\d+) remote-write requests delivered/.exec(out);
  expect(agent).not.toBeNull();
  expect(Number(agent![1])).toBeGreaterThanOrEqual(2);
  // Its scrapes and the plugin's series are batched across sources (batch_send_deadline 5 s):
  // the 3.5 s run goes out in as few as one request, sent at the latest when the agent stops.
  expect(Number(agent![2])).toBeGreaterThanOrEqual(1);
});
