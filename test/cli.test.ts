/**
 * The command line: `check` and `encode` on real files and stdin, through main() with captured
 * streams, and once through the installed bin script in a child process.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { snappyUncompress } from '../src/remote/snappy';
import { main } from '../src/cli';
import { parseRunFlags } from '../src/cli/run';
import { decodeRw1, decodeRw2 } from './helpers/remote-write-proto';
import { REPO_ROOT } from './helpers/paths';

interface Run {
  code: number;
  stdout: Buffer;
  stderr: string;
}

async function run(args: string[], stdin = ''): Promise<Run> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const code = await main(args, { stdin: Readable.from([Buffer.from(stdin)]), stdout, stderr });
  return { code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() };
}

const dir = mkdtempSync(join(tmpdir(), 'scrapewire-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const good = join(dir, 'good.prom');
writeFileSync(good, '# TYPE a counter\na{x="1"} 1\na{x="2"} 2\na{x="2"} 3\nb 4 1234\n');

function readDelimited(bytes: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  let p = 0;
  while (p < bytes.length) {
    let len = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[p++];
      len += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
      shift += 7;
    }
    parts.push(bytes.subarray(p, p + len));
    p += len;
  }
  return parts;
}

test('check prints families, series and samples and exits 0', async () => {
  const r = await run(['check', good]);
  expect(r.code).toBe(0);
  expect(r.stdout.toString()).toBe(`${good}: 2 families, 3 series, 4 samples\n`);
});

test('check reads stdin and reports the first error with its position, exit 1', async () => {
  const r = await run(['check'], 'ok 1\nbad{x="1" 2\n');
  expect(r.code).toBe(1);
  expect(r.stdout.toString()).toBe('line 2, column 11: expected "," or "}" after label value, got "2"\n');
});

test('check --format openmetrics applies OpenMetrics rules', async () => {
  const r = await run(['check', '--format', 'openmetrics'], 'a 1\n');
  expect(r.code).toBe(1);
  expect(r.stdout.toString()).toBe('line 2, column 1: missing "# EOF" at the end of the exposition\n');
});

test('check config reports a broken configuration with file and line', async () => {
  const file = join(dir, 'bad.yml');
  writeFileSync(file, 'global:\n  scrape_intervall: 1s\n');
  const r = await run(['check', 'config', file]);
  expect(r.code).toBe(1);
  expect(r.stdout.toString()).toContain(`${file}:2:`);
});

test('encode writes one snappy-compressed rw1 request with the given timestamp', async () => {
  const r = await run(['encode', '--timestamp', '5000', good]);
  expect(r.code).toBe(0);
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

test('encode --protocol rw2 --compress none --max-samples 2 writes length-delimited requests', async () => {
  const r = await run(['encode', '--protocol', 'rw2', '--compress', 'none', '--max-samples', '2', '--timestamp', '1', good]);
  expect(r.code).toBe(0);
  const parts = readDelimited(r.stdout);
  expect(parts).toHaveLength(2);
  expect(parts.map((p) => decodeRw2(p).timeseries.length)).toEqual([2, 1]);
});

test('usage errors exit 2 and say what is wrong', async () => {
  const r = await run(['encode', '--protocol', 'rw3', good]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('--protocol must be "rw1" or "rw2", not "rw3"');
  expect((await run(['frobnicate'])).code).toBe(2);
});

test('the bin script runs the built CLI', () => {
  const bin = join(REPO_ROOT, 'bin', 'scrapewire.js');
  const out = execFileSync(process.execPath, [bin, 'check', good]).toString();
  expect(out).toBe(`${good}: 2 families, 3 series, 4 samples\n`);
  const bad = spawnSync(process.execPath, [bin, 'check', '--format', 'openmetrics', good]);
  expect(bad.status).toBe(1);
});

describe('run flags of the web server', () => {
  test('defaults: lifecycle and debug off, the sink left to the configuration, Prometheus-like limits', () => {
    expect(parseRunFlags([], {})).toMatchObject({
      enableLifecycle: false,
      enableDebug: false,
      enableSink: undefined,
      webConfigFile: undefined,
      readTimeoutMs: 60_000,
      maxConnections: 512,
    });
  });

  test('each flag is read', () => {
    expect(parseRunFlags(['--web.enable-lifecycle', '--web.enable-sink', '--web.config.file=web.yml', '--web.read-timeout=5m', '--web.max-connections=20'], {})).toMatchObject({
      enableLifecycle: true,
      enableSink: true,
      webConfigFile: 'web.yml',
      readTimeoutMs: 300_000,
      maxConnections: 20,
    });
  });

  test.each([
    [['--web.read-timeout=soon'], '--web.read-timeout must be a duration such as 30s or 5m, not "soon"'],
    [['--web.max-connections=-1'], '--web.max-connections must be a non-negative integer, not "-1"'],
  ])('%j is a usage error', (args, message) => {
    expect(() => parseRunFlags(args, {})).toThrow(message);
  });

  test('help lists the new flags', async () => {
    const r = await run(['--help']);
    for (const flag of ['--web.config.file', '--web.enable-lifecycle', '--web.enable-sink', '--web.read-timeout', '--web.max-connections']) expect(r.stdout.toString()).toContain(flag);
  });

  test('an invalid --web.config.file stops run with exit code 2 and names file, line and field', async () => {
    const file = join(dir, 'web.yml');
    writeFileSync(file, 'basic_auth_users:\n  alice: plaintext\n');
    const r = await run(['run', `--web.config.file=${file}`, '--web.listen-address=127.0.0.1:0', '--log.level=silent', '--gc.pace-bytes=0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:2: basic_auth_users.alice: not a bcrypt hash`);
  });
});
