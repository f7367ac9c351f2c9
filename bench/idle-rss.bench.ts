/**
 * The collector's baseline: RSS of `scrapewire run` on the bundled default configuration (it
 * scrapes itself and its demo page every second and writes to its built-in sink), in fresh
 * processes, one variant after another, several rounds interleaved so that load on the machine
 * hits every variant alike.
 *
 *   npm run build && npm run build:bundle && npm run bench -- idle-rss
 *   BENCH_IDLE_VARIANTS=dist,bundle BENCH_IDLE_SECONDS=30 BENCH_IDLE_ROUNDS=3 npm run bench -- idle-rss
 *   BENCH_IDLE_FLAGS='--max-semi-space-size=1;--lite-mode' npm run bench -- idle-rss
 *   BENCH_IDLE_SMAPS=1 BENCH_IDLE_VARIANTS=start npm run bench -- idle-rss   (adds the RSS split by region: bench/lib/smaps.ts)
 *
 * Variants (BENCH_IDLE_VARIANTS, comma-separated ids; default: all that can run):
 *   bare       node -e 'setInterval(() => {}, 1000)': the floor of any Node process
 *   dist       node dist/src/cli.js run (the tsc output, one file per module)
 *   bundle     node dist/bundle/scrapewire.cjs run (scripts/build-bundle.js), no flags
 *   start      the bundle as `npm start` runs it (package.json's start script: its node flags)
 *   binary     dist/sea/scrapewire run (npm run build:binary), with deploy/Dockerfile's NODE_OPTIONS
 * BENCH_IDLE_FLAGS adds one variant per `;`-separated set of node flags (and NAME=VALUE
 * environment variables), on the bundle. BENCH_IDLE_RUN_FLAGS adds one variant per `;`-separated
 * set of `run` flags, on the bundle as `npm start` runs it (`--scrape.workers=2`). BENCH_IDLE_COMMANDS adds other builds, `;`-separated
 * `id=command` (`before=node /tmp/before/dist/src/cli.js`).
 *
 * Figures per variant, medians over rounds: RSS at the end of the window (median of its last
 * 5 s of samples every 250 ms), VmHWM (peak, start-up included), and the end RSS split into
 * anonymous memory (heap, WASM memory, malloc) and file-backed pages (mostly the node binary's
 * own code, shared between node processes but counted in each one's RSS).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startCommand } from './lib/start-command';
import { SMAPS_REGIONS, smapsByRegion, type SmapsRegion } from './lib/smaps';

const ROOT = path.resolve(__dirname, '..', '..');
const SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 30);
/** BENCH_IDLE_SMAPS=1: also split each variant's RSS by region (bench/lib/smaps.ts) at the end of its window. */
const SMAPS = process.env.BENCH_IDLE_SMAPS === '1';
const ROUNDS = Number(process.env.BENCH_IDLE_ROUNDS ?? 3);

interface Variant {
  id: string;
  describe: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  available(): boolean;
}

interface Sample {
  rssKb: number;
  hwmKb: number;
  anonKb: number;
  fileKb: number;
  /** Resident KiB by region at the end of the window (BENCH_IDLE_SMAPS=1). */
  regions?: Map<SmapsRegion, number>;
}

const bundle = path.join(ROOT, 'dist', 'bundle', 'scrapewire.cjs');
const dist = path.join(ROOT, 'dist', 'src', 'cli.js');
const binary = path.join(ROOT, 'dist', 'sea', 'scrapewire');

/** NODE_OPTIONS as deploy/Dockerfile sets it for the binary ('' without an ENV line). */
function dockerNodeOptions(): string {
  const text = fs.readFileSync(path.join(ROOT, 'deploy', 'Dockerfile'), 'utf8');
  return /^ENV NODE_OPTIONS="([^"]*)"/m.exec(text)?.[1] ?? '';
}

/** The other ENV lines of deploy/Dockerfile (GLIBC_TUNABLES), as the image runs the binary with them. */
function dockerEnv(): Record<string, string> {
  const text = fs.readFileSync(path.join(ROOT, 'deploy', 'Dockerfile'), 'utf8');
  return Object.fromEntries([...text.matchAll(/^ENV ([A-Z_]+)="([^"]*)"$/gm)].filter((m) => m[1] !== 'NODE_OPTIONS').map((m) => [m[1], m[2]]));
}

function runArgs(dataDir: string): string[] {
  return ['run', '--web.listen-address=127.0.0.1:0', `--storage.path=${dataDir}`, '--log.level=warn'];
}

function variants(dataDir: string): Variant[] {
  const start = fs.existsSync(bundle) ? startCommand(ROOT) : { nodeFlags: [], env: {} };
  const startFlags = start.nodeFlags;
  const startEnv = Object.entries(start.env).map(([k, v]) => `${k}=${v} `).join('');
  const binaryOptions = dockerNodeOptions();
  const binaryEnv = dockerEnv();
  const list: Variant[] = [
    { id: 'bare', describe: "node -e 'setInterval(() => {}, 1000)'", command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'], available: () => true },
    { id: 'dist', describe: 'node dist/src/cli.js run', command: process.execPath, args: [dist, ...runArgs(dataDir)], available: () => fs.existsSync(dist) },
    { id: 'bundle', describe: 'node dist/bundle/scrapewire.cjs run', command: process.execPath, args: [bundle, ...runArgs(dataDir)], available: () => fs.existsSync(bundle) },
    {
      id: 'start',
      describe: `${startEnv}node ${startFlags.join(' ')} dist/bundle/scrapewire.cjs run`,
      command: process.execPath,
      args: [...startFlags, bundle, ...runArgs(dataDir)],
      env: start.env,
      available: () => fs.existsSync(bundle),
    },
    {
      id: 'binary',
      describe: `${Object.entries(binaryEnv).map(([k, v]) => `${k}=${v} `).join('')}NODE_OPTIONS='${binaryOptions}' dist/sea/scrapewire run`,
      command: binary,
      args: runArgs(dataDir),
      env: { ...binaryEnv, NODE_OPTIONS: binaryOptions },
      available: () => fs.existsSync(binary),
    },
  ];
  // Other builds, e.g. main's before a change: `id=command words` (run arguments are appended).
  for (const entry of (process.env.BENCH_IDLE_COMMANDS ?? '').split(';').map((s) => s.trim()).filter((s) => s !== '')) {
    const id = entry.slice(0, entry.indexOf('='));
    const words = entry.slice(entry.indexOf('=') + 1).trim().split(/\s+/);
    const command = words[0] === 'node' ? process.execPath : words[0];
    list.push({ id, describe: `${words.join(' ')} run`, command, args: [...words.slice(1), ...runArgs(dataDir)], available: () => true });
  }
  const extra = (process.env.BENCH_IDLE_FLAGS ?? '').split(';').map((s) => s.trim()).filter((s) => s !== '');
  for (const flags of extra) {
    // NAME=VALUE words are environment variables (MALLOC_ARENA_MAX=2), the others node flags.
    const words = flags.split(/\s+/);
    const env = Object.fromEntries(words.filter((w) => /^[A-Z_]+=/.test(w)).map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]));
    const args = words.filter((w) => !/^[A-Z_]+=/.test(w));
    list.push({ id: `bundle ${flags}`, describe: `${Object.entries(env).map(([k, v]) => `${k}=${v} `).join('')}node ${args.join(' ')} dist/bundle/scrapewire.cjs run`, command: process.execPath, args: [...args, bundle, ...runArgs(dataDir)], env, available: () => fs.existsSync(bundle) });
  }
  for (const flags of (process.env.BENCH_IDLE_RUN_FLAGS ?? '').split(';').map((s) => s.trim()).filter((s) => s !== '')) {
    // NAME=VALUE words are environment variables, as in BENCH_IDLE_FLAGS.
    const words = flags.split(/\s+/);
    const env = Object.fromEntries(words.filter((w) => /^[A-Z_]+=/.test(w)).map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]));
    const args = words.filter((w) => !/^[A-Z_]+=/.test(w));
    list.push({ id: `start ${flags}`, describe: `${Object.entries(env).map(([k, v]) => `${k}=${v} `).join('')}node ${startFlags.join(' ')} dist/bundle/scrapewire.cjs run ${args.join(' ')}`, command: process.execPath, args: [...startFlags, bundle, ...runArgs(dataDir), ...args], env, available: () => fs.existsSync(bundle) });
  }
  const wanted = process.env.BENCH_IDLE_VARIANTS?.split(',').map((s) => s.trim());
  const extraIds = new Set(list.slice(5).map((v) => v.id));
  return list.filter((v) => v.available() && (wanted === undefined || wanted.includes(v.id) || extraIds.has(v.id)));
}

function readSample(pid: number): Sample | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/status`, 'latin1');
  } catch {
    return undefined;
  }
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(text)?.[1] ?? NaN);
  const rssKb = field('VmRSS');
  if (!Number.isFinite(rssKb)) return undefined;
  return { rssKb, hwmKb: field('VmHWM'), anonKb: field('RssAnon'), fileKb: field('RssFile') };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Collectors running now: killed if this process is interrupted, so none outlives the benchmark. */
const running = new Set<import('node:child_process').ChildProcess>();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    for (const child of running) child.kill('SIGKILL');
    process.exit(130);
  });
}

/** One run of one variant: samples every 250 ms for SECONDS, then SIGTERM. */
async function measure(variant: Variant, workDir: string): Promise<Sample> {
  fs.rmSync(path.join(workDir, 'data'), { recursive: true, force: true });
  const child = spawn(variant.command, variant.args, {
    cwd: workDir,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '', ...variant.env },
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-4000); });
  const samples: Array<Sample & { atMs: number }> = [];
  const start = Date.now();
  let regions: Map<SmapsRegion, number> | undefined;
  try {
    while (Date.now() - start < SECONDS * 1000) {
      await sleep(250);
      if (child.exitCode !== null) throw new Error(`${variant.id} exited with ${child.exitCode}: ${stderr}`);
      const sample = readSample(child.pid!);
      if (sample) samples.push({ ...sample, atMs: Date.now() - start });
    }
    if (SMAPS) regions = smapsByRegion(child.pid!, variant.command);
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  }
  const tail = samples.filter((s) => s.atMs >= SECONDS * 1000 - 5000);
  return {
    rssKb: median(tail.map((s) => s.rssKb)),
    hwmKb: Math.max(...samples.map((s) => s.hwmKb)),
    anonKb: median(tail.map((s) => s.anonKb)),
    fileKb: median(tail.map((s) => s.fileKb)),
    regions,
  };
}

async function main(): Promise<void> {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-idle-'));
  try {
    const list = variants(path.join(workDir, 'data'));
    console.log(`idle RSS after ${SECONDS} s, ${ROUNDS} rounds (medians), load before ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    const results = new Map<string, Sample[]>(list.map((v) => [v.id, []]));
    const failures = new Map<string, string>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const variant of list) {
        if (failures.has(variant.id)) continue;
        let sample: Sample;
        try {
          sample = await measure(variant, workDir);
        } catch (err) {
          // A flag the collector cannot run with (--lite-mode implies --jitless: no WebAssembly).
          failures.set(variant.id, (err as Error).message.split('\n').filter((line) => /Error|exited/.test(line)).slice(0, 2).join(' '));
          process.stderr.write(`round ${round + 1} ${variant.id}: failed: ${failures.get(variant.id)}\n`);
          continue;
        }
        results.get(variant.id)!.push(sample);
        process.stderr.write(`round ${round + 1} ${variant.id}: RSS ${(sample.rssKb / 1024).toFixed(1)} MiB, HWM ${(sample.hwmKb / 1024).toFixed(1)} MiB\n`);
      }
    }
    const mib = (kb: number): string => (kb / 1024).toFixed(1);
    console.log(`load after ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    console.log('');
    console.log('| variant | RSS MiB | HWM MiB | anon MiB | file MiB | RSS of each round | command |');
    console.log('|---|---:|---:|---:|---:|---|---|');
    for (const variant of list) {
      const runs = results.get(variant.id)!;
      if (runs.length === 0) {
        console.log(`| ${variant.id} | – | – | – | – | does not run: ${failures.get(variant.id)} | \`${variant.describe}\` |`);
        continue;
      }
      console.log(`| ${variant.id} | ${mib(median(runs.map((r) => r.rssKb)))} | ${mib(median(runs.map((r) => r.hwmKb)))} | ${mib(median(runs.map((r) => r.anonKb)))} | ${mib(median(runs.map((r) => r.fileKb)))} | ${runs.map((r) => mib(r.rssKb)).join(', ')} | \`${variant.describe}\` |`);
    }
    if (SMAPS) {
      console.log('');
      console.log(`RSS by region at the end of the window, MiB (medians over rounds; bench/lib/smaps.ts):`);
      console.log('');
      console.log(`| region | ${list.map((v) => v.id).join(' | ')} |`);
      console.log(`|---|${list.map(() => '---:').join('|')}|`);
      for (const region of SMAPS_REGIONS) {
        const cells = list.map((v) => {
          const values = results.get(v.id)!.flatMap((r) => (r.regions ? [r.regions.get(region)!] : []));
          return values.length === 0 ? '–' : mib(median(values));
        });
        console.log(`| ${region} | ${cells.join(' | ')} |`);
      }
    }
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
