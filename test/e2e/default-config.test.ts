/**
 * End to end: what the README promises for `npm start` (package.json's start script: the bundle,
 * dist/bundle/scrapewire.cjs, with the script's node flags; `npm run build` bundles it). With no
 * config file the collector runs its bundled configuration: it scrapes its own /metrics (job
 * scrapewire) and its demo page (job demo) every second and delivers to its built-in sink. Run
 * from an empty directory with --web.listen-address=127.0.0.1:0 (the bundled configuration
 * scrapes and writes to whatever port the server got) and the default --storage.path.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/paths';
import { CollectorProcess, killAllCollectors, withCollectorOutput } from './support/collector-process';
import { tempDir } from './support/config';
import { pollUntil } from './support/wait';

/**
 * `[NAME=VALUE ...] node [flags] dist/bundle/scrapewire.cjs` as package.json's start script has it
 * (without `run`): the environment words become `env NAME=VALUE`, which execs node.
 */
function npmStartCommand(): string[] {
  const start = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start;
  const all = start.split(/\s+/);
  const env = all.slice(0, all.indexOf('node'));
  expect(env.every((word) => /^[A-Z_]+=\S+$/.test(word))).toBe(true);
  const words = all.slice(env.length);
  expect(words[0]).toBe('node');
  expect(words.at(-1)).toBe('run');
  const node = [process.execPath, ...words.slice(1, -2), join(REPO_ROOT, words.at(-2)!)];
  return env.length > 0 ? ['/usr/bin/env', ...env, ...node] : node;
}

/** The sink page's lines `{labels} value timestamp` as label maps with their value. */
function sinkSeries(page: string): Array<{ labels: Record<string, string>; value: number }> {
  return page.split('\n').filter((line) => line.startsWith('{')).map((line) => {
    const close = line.lastIndexOf('} ');
    const labels: Record<string, string> = {};
    for (const match of line.slice(1, close).matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)=("(?:[^"\\]|\\.)*")/g)) labels[match[1]] = JSON.parse(match[2]) as string;
    return { labels, value: Number(line.slice(close + 2).split(' ')[0]) };
  });
}

describe('no config file: the bundled default configuration', () => {
  const dir = tempDir('default');
  let collector: CollectorProcess | undefined;

  afterAll(async () => {
    await killAllCollectors();
    dir.remove();
  });

  it('scrapes itself and the demo page into the built-in sink, shows both targets up, exits 0 on SIGTERM', () => withCollectorOutput(() => [collector], async () => {
    collector = await CollectorProcess.start({ cwd: dir.path, command: npmStartCommand() });
    expect(collector.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(collector.url).not.toBe('http://127.0.0.1:0');

    const upOf = (series: ReturnType<typeof sinkSeries>, job: string): number | undefined =>
      series.find((s) => s.labels.__name__ === 'up' && s.labels.job === job)?.value;
    const sink = await pollUntil(async () => sinkSeries((await collector!.get('/sink')).body),
      (series) => upOf(series, 'scrapewire') === 1 && upOf(series, 'demo') === 1 && series.some((s) => s.labels.__name__ === 'demo_http_requests_total'), 15_000);
    expect(upOf(sink, 'scrapewire')).toBe(1);
    expect(upOf(sink, 'demo')).toBe(1);
    // The page's own series, with the bundled configuration's labels.
    const demo = sink.filter((s) => s.labels.job === 'demo' && s.labels.__name__ === 'demo_http_requests_total');
    expect(demo.length).toBeGreaterThan(0);
    for (const s of demo) expect(s.labels).toMatchObject({ env: 'demo', collector: 'scrapewire' });
    expect(sink.some((s) => s.labels.job === 'scrapewire' && s.labels.__name__.startsWith('scrapewire_'))).toBe(true);

    const targets = await collector.targets();
    expect(targets.map((t) => [t.scrapePool, t.health]).sort()).toEqual([['demo', 'up'], ['scrapewire', 'up']]);
    expect(targets.find((t) => t.scrapePool === 'demo')!.scrapeUrl).toBe(`${collector.url}/demo/metrics`);

    expect(await collector.stop('SIGTERM', 20_000)).toEqual({ code: 0, signal: null });
  }), 60_000);
});
