/**
 * `scrapewire run` stops cleanly on SIGTERM whenever it comes: while the collector is still
 * starting (its server listening, its jobs not yet started) and the moment it has printed its
 * address. Before, a SIGTERM in that window found no handler and the default action killed the
 * process (exit by signal, no staleness markers, nothing persisted): a kubelet stopping a pod
 * that had just started, or a test stopping the collector as soon as it answered.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from '../e2e/support/collector-process';

interface Exit { code: number | null; signal: NodeJS.Signals | null; log: string }

/** Starts the collector and sends SIGTERM as soon as its output matches `when`. */
function stopWhen(config: string, storage: string, when: RegExp): Promise<Exit> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'run', `--config.file=${config}`, '--web.listen-address=127.0.0.1:0', `--storage.path=${storage}`]);
    let log = '';
    let sent = false;
    const onData = (chunk: Buffer): void => {
      log += chunk.toString();
      if (!sent && when.test(log)) {
        sent = true;
        child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code, signal) => resolve({ code, signal, log }));
  });
}

describe('scrapewire run and SIGTERM', () => {
  let dir: string;
  let config: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'scrapewire-signals-'));
    config = join(dir, 'scrapewire.yml');
    writeFileSync(config, 'scrape_configs:\n  - job_name: j\n    static_configs: [{targets: ["127.0.0.1:9"]}]\n');
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.each([
    ['while it starts (its server just listening)', /HTTP server listening/],
    ['the moment it printed its address', /scrapewire is running/],
  ])('%s: a clean stop, exit code 0', async (_when, pattern) => {
    for (let i = 0; i < 3; i++) {
      const exit = await stopWhen(config, join(dir, `storage-${pattern.source.length}-${i}`), pattern);
      expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
      expect(exit.log).toContain('shutting down');
    }
  }, 60_000);
});
