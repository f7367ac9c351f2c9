/**
 * --scrape.workers: 1 by default (the main thread alone, no worker), a positive whole number or
 * `auto` (the CPUs available, at most 8); anything else is refused naming the flag. The bundled
 * CLI runs with two workers and exits cleanly.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import * as path from 'node:path';
import { MAX_AUTO_SCRAPE_WORKERS, parseRunFlags } from '../../src/cli/run';
import { ScrapewireError } from '../../src/errors';
import { metricsAfterWorkerScrape, WORKER_SCRAPED } from '../helpers/worker-metrics';

describe('--scrape.workers', () => {
  test('defaults to 1 and takes a whole number or auto', () => {
    expect(parseRunFlags([], {}).scrapeWorkers).toBe(1);
    expect(parseRunFlags(['--scrape.workers=1'], {}).scrapeWorkers).toBe(1);
    expect(parseRunFlags(['--scrape.workers=2'], {}).scrapeWorkers).toBe(2);
    expect(parseRunFlags(['--scrape.workers', '4'], {}).scrapeWorkers).toBe(4);
    expect(parseRunFlags(['--scrape.workers=auto'], {}).scrapeWorkers).toBe(Math.min(MAX_AUTO_SCRAPE_WORKERS, availableParallelism()));
  });

  test.each(['0', '-1', 'two', '1.5', '', '2x', '0x2', '1e1', '257', ' 2'])('refuses %p', (value) => {
    let error: unknown;
    try {
      parseRunFlags([`--scrape.workers=${value}`], {});
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ScrapewireError);
    expect((error as ScrapewireError).code).toBe('ERR_USAGE');
    expect((error as ScrapewireError).message).toBe(`--scrape.workers must be a whole number from 1 to 256, or auto, not "${value}"`);
  });

  const bundle = path.resolve(__dirname, '../../dist/bundle/scrapewire.cjs');

  test('the bundle says so and exits 2 for a bad value', () => {
    if (!existsSync(bundle)) throw new Error(`${bundle} is missing: npm test builds it (npm run build)`);
    let status = 0;
    let stderr = '';
    try {
      execFileSync(process.execPath, [bundle, 'run', '--scrape.workers=0'], { stdio: 'pipe' });
    } catch (err) {
      status = (err as { status: number }).status;
      stderr = String((err as { stderr: Buffer }).stderr);
    }
    expect(status).toBe(2);
    expect(stderr).toContain('--scrape.workers must be a whole number from 1 to 256, or auto, not "0"');
  });

  test('the bundle runs its default configuration with two workers, delivering to its sink, and stops cleanly', async () => {
    const storage = mkdtempSync(path.join(tmpdir(), 'sw-workers-'));
    const child = spawn(process.execPath, [bundle, 'run', '--scrape.workers=2', '--web.listen-address=127.0.0.1:0', `--storage.path=${storage}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    const base = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start: ${out}`)), 20_000);
      const check = () => {
        const match = /scrapewire is running: (http:\/\/[^/]+)\/targets/.exec(out);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]);
        } else setTimeout(check, 50);
      };
      check();
    });
    try {
      const metrics = await metricsAfterWorkerScrape(base!);
      expect(metrics).toMatch(WORKER_SCRAPED);
      // Both targets up (polled: on a loaded machine one scrape of /metrics can time out, as with one thread).
      let healths: string[] = [];
      for (let i = 0; i < 300; i++) {
        const targets = (await (await fetch(`${base}/api/v1/targets`)).json()) as { data: { activeTargets: Array<{ health: string }> } };
        healths = targets.data.activeTargets.map((target) => target.health);
        if (healths.length === 2 && healths.every((health) => health === 'up')) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(healths).toEqual(['up', 'up']);
    } finally {
      child.kill('SIGTERM');
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      rmSync(storage, { recursive: true, force: true });
      expect({ code, out: code === 0 ? '' : out }).toEqual({ code: 0, out: '' });
    }
    // Staleness markers and the rest were delivered to the built-in sink before the exit.
    expect(out).toMatch(/"sink":\{"samples":[1-9]\d*/);
  }, 60_000);
});
