/**
 * The single executable (scripts/build-binary.js -> dist/sea/scrapewire), run the way it is
 * shipped: copied alone into an empty directory, started from there, with no node_modules, no
 * build/ and no dist/ anywhere around it.
 *
 * Building takes a few seconds plus ~100 MB of disk; it is skipped when the binary is newer than
 * everything it is made from (build/release.wasm, src/, package.json and the build script).
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { snappyUncompress } from '../src/remote/snappy';
import { decodeRw1 } from './helpers/remote-write-proto';
import { BUILT_BINARY, ensureBinary } from './helpers/sea-binary';
import { metricsAfterWorkerScrape, WORKER_SCRAPED } from './helpers/worker-metrics';

let dir: string;
let binary: string;

/** Runs the copied binary in its own directory with a minimal environment. */
function runBinary(args: string[], options: { input?: string; env?: Record<string, string> } = {}): SpawnSyncReturns<Buffer> {
  return spawnSync(binary, args, {
    cwd: dir,
    input: options.input,
    // No NODE_PATH, no NODE_OPTIONS: nothing from the test's own node may leak in.
    env: { PATH: '/usr/bin:/bin', HOME: dir, ...options.env },
    timeout: 60_000,
  });
}

beforeAll(() => {
  ensureBinary();
  dir = mkdtempSync(join(tmpdir(), 'scrapewire-binary-'));
  binary = join(dir, 'scrapewire');
  copyFileSync(BUILT_BINARY, binary);
  // copyFileSync keeps the mode on POSIX; the binary must still be executable in its new home.
  expect(statSync(binary).mode & 0o111).not.toBe(0);
  writeFileSync(join(dir, 'good.prom'), '# TYPE a counter\na{x="1"} 1\na{x="2"} 2\na{x="2"} 3\nb 4 1234\n');
}, 300_000);

afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

test('the directory it runs in holds nothing but the binary and its input', () => {
  expect(readdirSync(dir).sort()).toEqual(['good.prom', 'scrapewire']);
});

test('check FILE works from an empty directory', () => {
  const r = runBinary(['check', 'good.prom']);
  expect(r.stderr.toString()).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout.toString()).toBe('good.prom: 2 families, 3 series, 4 samples\n');
});

test('check reads stdin and reports a parse error with its position, exit 1', () => {
  const r = runBinary(['check'], { input: 'ok 1\nbad{x="1" 2\n' });
  expect(r.status).toBe(1);
  expect(r.stdout.toString()).toBe('line 2, column 11: expected "," or "}" after label value, got "2"\n');
});

test('encode writes a snappy-compressed remote-write request that decodes', () => {
  const r = runBinary(['encode', '--timestamp', '5000', 'good.prom']);
  expect(r.status).toBe(0);
  const request = decodeRw1(snappyUncompress(new Uint8Array(r.stdout)));
  const rows = request.timeseries.map((ts: { labels: { name: string; value: string }[]; samples: { value: number; timestamp: number }[] }) => [
    ts.labels.map((l) => `${l.name}=${l.value}`).join(','),
    ts.samples[0].value,
    Number(ts.samples[0].timestamp),
  ]);
  expect(rows).toEqual([
    ['__name__=a,x=1', 1, 5000],
    ['__name__=a,x=2', 2, 5000],
    ['__name__=b', 4, 1234],
  ]);
});

test('the wasm comes from the embedded asset, not from SCRAPEWIRE_WASM', () => {
  // A file that exists but is not WebAssembly: if the binary read it, compiling would throw.
  writeFileSync(join(dir, 'bogus.wasm'), 'this is not a wasm module');
  try {
    const r = runBinary(['check', 'good.prom'], { env: { SCRAPEWIRE_WASM: join(dir, 'bogus.wasm') } });
    expect(r.stderr.toString()).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toBe('good.prom: 2 families, 3 series, 4 samples\n');
  } finally {
    rmSync(join(dir, 'bogus.wasm'));
  }
});

test('every argument goes to the app: the first one is the command, node options are not consumed', () => {
  // In a SEA, process.argv is [binary, binary, ...args], so argv.slice(2) is what the user typed.
  const help = runBinary(['help']);
  expect(help.status).toBe(0);
  expect(help.stdout.toString()).toContain('Usage: scrapewire [command]');

  const unknown = runBinary(['frobnicate']);
  expect(unknown.status).toBe(2);
  expect(unknown.stderr.toString()).toContain('unknown command "frobnicate"');

  // Plain node would take --version itself and print its own version; the SEA hands it to the CLI.
  const version = runBinary(['--version']);
  expect(version.status).toBe(0);
  expect(version.stdout.toString()).toMatch(/^scrapewire \d+\.\d+\.\d+\n$/);
});

test('no experimental-feature warning on stderr', () => {
  const r = runBinary(['help']);
  expect(r.stderr.toString()).not.toMatch(/ExperimentalWarning|single executable/i);
});

test('--scrape.workers=2: the workers start from the bundle carried as an asset, scrape, and stop cleanly', async () => {
  const { spawn } = await import('node:child_process');
  const child = spawn(binary, ['run', '--scrape.workers=2', '--web.listen-address=127.0.0.1:0', `--storage.path=${join(dir, 'data')}`], {
    cwd: dir,
    env: { PATH: '/usr/bin:/bin', HOME: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  child.stderr.on('data', (chunk) => (out += chunk));
  try {
    let base: string | undefined;
    for (let i = 0; i < 200 && base === undefined; i++) {
      base = /scrapewire is running: (http:\/\/[^/]+)\/targets/.exec(out)?.[1];
      if (base === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect({ base: base !== undefined, out: base === undefined ? out : '' }).toEqual({ base: true, out: '' });
    const metrics = await metricsAfterWorkerScrape(base!);
    expect(metrics).toMatch(WORKER_SCRAPED);
    expect(metrics).not.toMatch(/scrapewire_scrape_worker_restarts_total\{/);
  } finally {
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect({ code, out: code === 0 ? '' : out }).toEqual({ code: 0, out: '' });
    rmSync(join(dir, 'data'), { recursive: true, force: true });
  }
}, 60_000);
