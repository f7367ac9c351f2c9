/**
 * The published package as npm makes it: `npm pack` of this repository (its dist/, built by
 * `npm run build`, which pretest runs), and a fresh project outside the repository that installs
 * the tarball from the file and its dependencies from the npm registry (or npm's cache), as a
 * Node developer's service would.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../helpers/paths';

const run = promisify(execFile);

/** What every consumer-side command runs with: no trace of the repository or of `npm test`. */
export function consumerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    // npm_config_local_prefix would point npm at the repository; the other npm_* variables
    // describe the `npm test` run; NODE_PATH and NODE_OPTIONS could reach the repo's modules.
    if (/^npm_(package_|lifecycle_|command$|config_local_prefix$)/.test(key)) continue;
    if (key === 'NODE_PATH' || key === 'NODE_OPTIONS' || key === 'INIT_CWD') continue;
    env[key] = value;
  }
  return env;
}

export interface Tarball {
  file: string;
  /** Paths inside the package (without tar's `package/` prefix), sorted. */
  files: string[];
}

/** `npm pack` of the repository into `dir`, from dist/ as it is (prepack's build is skipped). */
export async function packRepository(dir: string): Promise<Tarball> {
  const wrappers = path.join(REPO_ROOT, 'dist', 'esm', 'index.mjs');
  if (!fs.existsSync(wrappers)) throw new Error(`${wrappers} is missing: run "npm run build" first (pretest does)`);
  // --ignore-scripts: prepack would rebuild dist/ under the feet of the tests running beside this one.
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
    cwd: REPO_ROOT, env: consumerEnv(), maxBuffer: 64 << 20,
  });
  const [{ filename }] = JSON.parse(stdout) as Array<{ filename: string }>;
  const file = path.join(dir, filename);
  // The tarball's own listing, not npm's report of what it meant to put in.
  const { stdout: listing } = await run('tar', ['-tzf', file], { maxBuffer: 64 << 20 });
  const files = listing.split('\n').filter((line) => line !== '' && !line.endsWith('/')).map((line) => {
    if (!line.startsWith('package/')) throw new Error(`${file}: ${line} is outside package/`);
    return line.slice('package/'.length);
  }).sort();
  return { file, files };
}

/** Unpacks the tarball into `dir`/package. */
export async function unpack(tarball: Tarball, dir: string): Promise<string> {
  await run('tar', ['-xzf', tarball.file, '-C', dir]);
  return path.join(dir, 'package');
}

export interface ConsumerProject {
  dir: string;
  tarball: Tarball;
  /** Runs `command` in the project with the consumer's environment; rejects on a non-zero exit. */
  exec(command: string, args: string[], timeoutMs?: number): Promise<{ stdout: string; stderr: string }>;
  remove(): void;
}

function versionOf(name: string): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string };
  return manifest.version;
}

/**
 * A temporary project in the system's temp directory (no node_modules above it) with the
 * tarball installed, plus what a TypeScript service has beside it: @types/node and prom-client
 * at the versions this repository uses. The files of test/package/consumer are copied in.
 */
export async function installConsumer(): Promise<ConsumerProject> {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'sw-consumer-')));
  if (!path.relative(REPO_ROOT, dir).startsWith('..')) throw new Error(`${dir} is inside the repository`);
  const exec = (command: string, args: string[], timeoutMs = 120_000) =>
    run(command, args, { cwd: dir, env: consumerEnv(), timeout: timeoutMs, maxBuffer: 64 << 20 });
  try {
    const tarball = await packRepository(dir);
    fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }, null, 2)}\n`);
    await exec('npm', [
      'install', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock',
      tarball.file, `@types/node@${versionOf('@types/node')}`, `prom-client@${versionOf('prom-client')}`,
    ], 600_000);
    const consumerFiles = path.join(__dirname, '..', 'consumer');
    for (const name of fs.readdirSync(consumerFiles)) fs.copyFileSync(path.join(consumerFiles, name), path.join(dir, name));
    return { dir, tarball, exec, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
