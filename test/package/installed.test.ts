/**
 * The published package installed the way a Node developer installs it: the tarball of
 * `npm pack` and its dependencies from the npm registry, in a fresh project outside this
 * repository (test/package/support/npm-package.ts). From there: a CommonJS service and an ES
 * module service use it against a real VictoriaMetrics; `scrapewire/core` loads only the core,
 * through require and through import; a TypeScript service type-checks under
 * moduleResolution node16, nodenext and bundler; and `npx scrapewire check` runs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from '../helpers/paths';
import { VictoriaMetrics } from '../helpers/receivers';
import { pollUntil } from '../e2e/support/wait';
import { installConsumer, type ConsumerProject } from './support/npm-package';

const TSC = path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

let project: ConsumerProject;
let vm: VictoriaMetrics;

beforeAll(async () => {
  [project, vm] = await Promise.all([installConsumer(), new VictoriaMetrics().start()]);
}, 900_000);

afterAll(async () => {
  project?.remove();
  await vm?.destroy();
});

function json<T>(stdout: string): T {
  return JSON.parse(stdout.trim().split('\n').pop()!) as T;
}

/** The installed package's directory in the consumer project. */
const installed = (): string => path.join(project.dir, 'node_modules', 'scrapewire');

test('the package and its dependencies come from the tarball and the registry, not from this repository', async () => {
  const { stdout } = await project.exec(process.execPath, ['-p', 'JSON.stringify(["scrapewire", "undici", "prom-client"].map((name) => require.resolve(name)))']);
  const resolved = JSON.parse(stdout) as string[];
  for (const file of resolved) expect(file.startsWith(path.join(project.dir, 'node_modules') + path.sep)).toBe(true);
  expect(fs.lstatSync(installed()).isSymbolicLink()).toBe(false);
  expect(JSON.parse(fs.readFileSync(path.join(installed(), 'package.json'), 'utf8')).version).toBe(
    JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).version);
});

test('CommonJS: one library behind four entry points; the core encodes and the remote writer delivers to VictoriaMetrics', async () => {
  const { stdout } = await project.exec(process.execPath, ['library.cjs', vm.writeUrl], 120_000);
  const result = json<{
    samples: number; requests: number; sent: number;
    configError: { code: string; message: string }; parseError: { code: string; line: number; column: number };
  }>(stdout);
  expect(result).toMatchObject({ samples: 2, requests: 1, sent: 2 });
  expect(result.configError.code).toBe('ERR_CONFIG');
  expect(result.configError.message).toBe('bad.yml:3: scrape_configs[0].scrape_interval: invalid duration "fast"');
  expect(result.parseError).toEqual({ code: 'ERR_PARSE', line: 2, column: 6 });
  // VictoriaMetrics makes a new series searchable a little after acknowledging it.
  const series = await pollUntil(() => vm.exportSeries('consumer_jobs_total{consumer="cjs"}'), (found) => found.length >= 2, 30_000);
  expect(series.map((s) => s.metric).sort((a, b) => a.queue.localeCompare(b.queue))).toEqual([
    { __name__: 'consumer_jobs_total', consumer: 'cjs', job: 'package-test', queue: 'mail' },
    { __name__: 'consumer_jobs_total', consumer: 'cjs', job: 'package-test', queue: 'sms' },
  ]);
});

test('ES modules: named imports equal to require()\'s objects; a Collector scrapes and delivers to VictoriaMetrics, and one embedded in a service ships its registry', async () => {
  const { stdout } = await project.exec(process.execPath, ['library.mjs', vm.baseUrl], 180_000);
  const result = json<{
    exportNames: Record<string, number>; found: Array<Record<string, string>>; agentServesMetrics: boolean;
    embeddedFound: Array<Record<string, string>>; mountedTargets: string[]; scrapesUp: boolean;
  }>(stdout);
  expect(Object.keys(result.exportNames)).toEqual(['scrapewire', 'scrapewire/core', 'scrapewire/remote', 'scrapewire/collector']);
  for (const count of Object.values(result.exportNames)) expect(count).toBeGreaterThan(3);
  expect(result.found).toEqual([expect.objectContaining({ __name__: 'consumer_jobs_total', consumer: 'esm', job: 'package-test', queue: 'mail' })]);
  expect(result.agentServesMetrics).toBe(true);
  // The embedded collector: the service's registry as an in-process target, its pages on the service's server.
  expect(result.embeddedFound).toEqual([{ __name__: 'consumer_orders_total', consumer: 'esm-embedded', instance: 'service', job: 'service' }]);
  expect(result.mountedTargets).toEqual(['local://service/metrics']);
  expect(result.scrapesUp).toBe(true);
});

/**
 * The files a probe saw loaded, relative to the consumer's node_modules ('scrapewire/dist/...',
 * 'undici/...'; '../x' outside it); builtins and the probe's own files left out.
 */
async function loadedBy(probe: 'probe.cjs' | 'probe.mjs', specifier: string): Promise<{ samples?: number; files: string[] }> {
  const { stdout } = await project.exec(process.execPath, [probe, specifier]);
  const { samples, loaded } = json<{ samples?: number; loaded: string[] }>(stdout);
  const files = new Set<string>();
  for (const entry of loaded) {
    if (entry.startsWith('node:')) continue;
    const file = entry.startsWith('file:') ? fileURLToPath(entry) : entry;
    if (path.dirname(file) === project.dir && /^probe/.test(path.basename(file))) continue;
    files.add(path.relative(path.join(project.dir, 'node_modules'), file).split(path.sep).join('/'));
  }
  return { samples, files: [...files].sort() };
}

/** The packages among `files` (first path segment, scope included). */
const packagesIn = (files: string[]): Set<string> => new Set(files.map((f) => /^((?:@[^/]+\/)?[^/]+)\//.exec(f)?.[1] ?? f));

/**
 * What `scrapewire/core` may load: its own folder and the shared words at the root of src/ (the
 * protocol vocabulary, errors, labels), nothing of the collector, the remote writer or the
 * scraper, and no other package.
 */
const CORE_FILE = /^scrapewire\/dist\/(src\/core\/[a-z-]+\.js|src\/(remote-write-protocol|errors|labels)\.js|esm\/core\.mjs)$/;

function expectOnlyCoreFiles(files: string[]): void {
  expect(files.filter((file) => !CORE_FILE.test(file))).toEqual([]);
  expect(files).toEqual(expect.arrayContaining(['scrapewire/dist/src/core/core.js', 'scrapewire/dist/src/core/wasm.js']));
}

test('require(\'scrapewire/core\') loads the core\'s own files and nothing else, even after a scrape', async () => {
  const core = await loadedBy('probe.cjs', 'scrapewire/core');
  expect(core.samples).toBe(1);
  expectOnlyCoreFiles(core.files);
  expect(core.files).not.toContain('scrapewire/dist/esm/core.mjs');
  // The same probe sees the heavy modules where they are loaded: it can fail.
  const remote = await loadedBy('probe.cjs', 'scrapewire/remote');
  expect([...packagesIn(remote.files)]).toEqual(expect.arrayContaining(['scrapewire', 'undici', 'prom-client']));
  const everything = await loadedBy('probe.cjs', 'scrapewire');
  expect(everything.files).toContain('scrapewire/dist/src/collector/collector.js');
  expect([...packagesIn(everything.files)]).toEqual(expect.arrayContaining(['undici', 'prom-client', 'pino', 'yaml']));
  // re2js comes with the first relabel regex (src/relabel/compile.ts), not with the library.
  expect([...packagesIn(everything.files)]).not.toContain('re2js');
});

test('import \'scrapewire/core\' loads the wrapper and the core\'s own files and nothing else, through either loader', async () => {
  const core = await loadedBy('probe.mjs', 'scrapewire/core');
  expect(core.samples).toBe(1);
  expectOnlyCoreFiles(core.files);
  expect(core.files).toContain('scrapewire/dist/esm/core.mjs');
  const remote = await loadedBy('probe.mjs', 'scrapewire/remote');
  expect(remote.files).toEqual(expect.arrayContaining(['scrapewire/dist/esm/remote.mjs', 'scrapewire/dist/src/remote/index.js']));
  expect([...packagesIn(remote.files)]).toEqual(expect.arrayContaining(['undici', 'prom-client']));
});

describe.each([
  { resolution: 'node16', files: ['usage.mts', 'usage.cts'], compilerOptions: { module: 'node16', moduleResolution: 'node16' } },
  { resolution: 'nodenext', files: ['usage.mts', 'usage.cts'], compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext' } },
  { resolution: 'bundler', files: ['usage.ts'], compilerOptions: { module: 'esnext', moduleResolution: 'bundler' } },
])('TypeScript, moduleResolution $resolution', ({ resolution, files, compilerOptions }) => {
  test('tsc --noEmit accepts the service, rejects what the types forbid, and reads the declarations of each condition', async () => {
    const usage = fs.readFileSync(path.join(project.dir, 'usage.mts'), 'utf8');
    // broken.*: the same service with one wrong use more, so the check is seen to fail.
    const broken = files.map((file) => file.replace(/^usage/, 'broken'));
    for (const file of files) if (file !== 'usage.mts') fs.writeFileSync(path.join(project.dir, file), usage);
    for (const file of broken) fs.writeFileSync(path.join(project.dir, file), `${usage}\nexport const wrong: number = core.encode('rw3', {}, () => {});\n`);
    const tsconfig = `tsconfig.${resolution}.json`;
    fs.writeFileSync(path.join(project.dir, tsconfig), JSON.stringify({
      compilerOptions: {
        ...compilerOptions, target: 'ES2022', lib: ['ES2022'], types: ['node'], strict: true, noEmit: true,
        // The package's declarations are checked too, as a strict consumer would.
        skipLibCheck: false,
      },
      files: [...files, ...broken],
    }, null, 2));
    const out = await project.exec(process.execPath, [TSC, '-p', tsconfig, '--listFiles'], 180_000).then(
      (result) => ({ code: 0, stdout: result.stdout }),
      (err: { code: number; stdout: string }) => ({ code: err.code, stdout: err.stdout }),
    );
    const errors = out.stdout.split('\n').filter((line) => / error TS\d+:/.test(line));
    expect(out.code).not.toBe(0);
    expect(errors).toHaveLength(broken.length);
    for (const file of broken) {
      expect(errors).toContainEqual(expect.stringMatching(new RegExp(`^${file.replace('.', '\\.')}\\(\\d+,\\d+\\): error TS2345: Argument of type '"rw3"'`)));
    }
    const listed = out.stdout.split('\n').map((line) => path.relative(installed(), line.trim()).split(path.sep).join('/'));
    // ESM code gets the wrappers' declarations, CommonJS code the library's own.
    expect(listed).toEqual(expect.arrayContaining(['dist/esm/core.d.mts', 'dist/esm/collector.d.mts', 'dist/esm/remote.d.mts', 'dist/esm/index.d.mts']));
    if (files.includes('usage.cts')) expect(listed).toEqual(expect.arrayContaining(['dist/src/core/index.d.ts', 'dist/src/collector/index.d.ts']));
  });
});

test('the installed command: npx scrapewire check', async () => {
  fs.writeFileSync(path.join(project.dir, 'metrics.txt'), '# TYPE jobs_total counter\njobs_total{queue="mail"} 12\njobs_total{queue="sms"} 3\n');
  fs.writeFileSync(path.join(project.dir, 'bad.txt'), 'ok 1\nbad{ 2\n');
  const good = await project.exec('npx', ['--offline', 'scrapewire', 'check', 'metrics.txt']);
  expect(good.stdout.trim()).toBe('metrics.txt: 1 families, 2 series, 2 samples');
  const bad = await project.exec('npx', ['--offline', 'scrapewire', 'check', 'bad.txt']).then(
    () => ({ code: 0, stdout: '' }),
    (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, stdout: err.stdout + err.stderr }),
  );
  expect(bad.code).toBe(1);
  expect(bad.stdout).toContain('line 2, column 6: invalid label name');
  // The command is the bundle (one file, no module of the library loaded), as `npm start` runs it.
  const loaded = await project.exec(process.execPath, ['-e',
    'process.argv = [process.argv[0], "scrapewire", "--version"]; require("./node_modules/scrapewire/bin/scrapewire.js"); '
    + 'process.on("exit", () => console.error(JSON.stringify(Object.keys(require.cache).map((f) => require("path").relative(process.cwd(), f)))))']);
  expect(loaded.stdout.trim()).toMatch(/^scrapewire \d+\.\d+\.\d+/);
  expect(JSON.parse(loaded.stderr.trim().split('\n').pop()!)).toEqual([
    path.join('node_modules', 'scrapewire', 'bin', 'scrapewire.js'),
    path.join('node_modules', 'scrapewire', 'dist', 'bundle', 'scrapewire.cjs'),
  ]);
});
