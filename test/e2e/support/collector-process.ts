/**
 * The collector as a child process, the way it is deployed: `node dist/src/cli.js run ...` (or the
 * single executable). start() waits for the "scrapewire is running: http://HOST:PORT/targets"
 * line that run.ts prints once scraping has started, and takes the address from it, so
 * --web.listen-address=127.0.0.1:0 works too. Every child started here is remembered until it
 * exits; killAllCollectors() (call it in afterAll) SIGKILLs whatever is left, and so does the
 * worker's exit, so a failing test never leaves a collector behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { REPO_ROOT } from '../../helpers/paths';

export const CLI = join(REPO_ROOT, 'dist', 'src', 'cli.js');

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface CollectorOptions {
  /** Absent: the bundled default configuration. */
  configFile?: string;
  /** --web.listen-address; default 127.0.0.1:0 (the address is read back from the child). */
  listenAddress?: string;
  storagePath?: string;
  /** Further flags, e.g. --cluster.members-count=2. */
  args?: string[];
  /** The executable and its leading arguments; default [node, dist/src/cli.js]. */
  command?: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** --log.level; default warn (failed scrapes and sends still show in output()). */
  logLevel?: string;
  startTimeoutMs?: number;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ActiveTarget {
  labels: Record<string, string>;
  scrapePool: string;
  scrapeUrl: string;
  health: string;
  lastError: string;
}

export class CollectorProcess {
  /** `http://127.0.0.1:PORT`, the collector's web server. */
  url = '';
  readonly exited: Promise<Exit>;
  private log = '';

  private constructor(readonly child: ChildProcess) {
    running.add(child);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        running.delete(child);
        resolve({ code, signal });
      });
    });
    const keep = (chunk: Buffer): void => { this.log = (this.log + chunk.toString()).slice(-20_000); };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  static async start(options: CollectorOptions): Promise<CollectorProcess> {
    const command = options.command ?? [process.execPath, CLI];
    if (options.command === undefined && !existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" before the e2e tests`);
    const args = [
      ...command.slice(1),
      'run',
      ...(options.configFile === undefined ? [] : [`--config.file=${options.configFile}`]),
      `--web.listen-address=${options.listenAddress ?? '127.0.0.1:0'}`,
      ...(options.storagePath === undefined ? [] : [`--storage.path=${options.storagePath}`]),
      `--log.level=${options.logLevel ?? 'warn'}`,
      ...(options.args ?? []),
    ];
    const child = spawn(command[0], args, { cwd: options.cwd ?? REPO_ROOT, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const collector = new CollectorProcess(child);
    try {
      collector.url = await collector.waitForAddress(options.startTimeoutMs ?? 20_000);
    } catch (err) {
      await collector.kill();
      throw err;
    }
    return collector;
  }

  /** The last 20 kB of the child's stdout and stderr. */
  output(): string {
    return this.log;
  }

  get isRunning(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  private waitForAddress(timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const found = (): boolean => {
        const match = /scrapewire is running: (http:\/\/[^/\s]+)\/targets/.exec(this.log);
        if (match === null) return false;
        cleanup();
        resolve(match[1]);
        return true;
      };
      const onData = (): void => { found(); };
      const onExit = (code: number | null, signal: string | null): void => {
        cleanup();
        reject(new Error(`collector exited (${code ?? signal}) before it was running:\n${this.log}`));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`collector not running after ${timeoutMs} ms:\n${this.log}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.child.stdout?.off('data', onData);
        this.child.stderr?.off('data', onData);
        this.child.off('exit', onExit);
      };
      // Listeners registered after the constructor's: this.log already holds the chunk.
      this.child.stdout?.on('data', onData);
      this.child.stderr?.on('data', onData);
      this.child.once('exit', onExit);
      found();
    });
  }

  /** Sends `signal` and waits for the exit; SIGKILL after `timeoutMs` (then signal is SIGKILL). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 30_000): Promise<Exit> {
    if (!this.isRunning) return this.exited;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }

  /** SIGKILL, as the OOM killer would, and wait for the exit. */
  kill(): Promise<Exit> {
    return this.stop('SIGKILL');
  }

  /** SIGHUP: reload the configuration file. */
  sighup(): void {
    this.child.kill('SIGHUP');
  }

  /** POST /-/reload; resolves with the status and body. */
  async reload(): Promise<{ status: number; body: string }> {
    const res = await request(`${this.url}/-/reload`, { method: 'POST' });
    return { status: res.statusCode, body: await res.body.text() };
  }

  /** GET `path` on the collector's web server. */
  async get(path: string): Promise<{ status: number; body: string }> {
    const res = await request(`${this.url}${path}`);
    return { status: res.statusCode, body: await res.body.text() };
  }

  /** /api/v1/targets' active targets. */
  async targets(): Promise<ActiveTarget[]> {
    const { status, body } = await this.get('/api/v1/targets?state=active');
    if (status !== 200) throw new Error(`/api/v1/targets: ${status} ${body}`);
    return (JSON.parse(body) as { data: { activeTargets: ActiveTarget[] } }).data.activeTargets;
  }

  /** Sum of the samples of `name` on the collector's /metrics whose labels include `labels`. */
  async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    const { body } = await this.get('/metrics');
    let total = 0;
    for (const line of body.split('\n')) {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/.exec(line);
      if (match === null || match[1] !== name) continue;
      const text = match[2] ?? '';
      if (Object.entries(labels).every(([k, v]) => text.includes(`${k}="${v}"`))) total += Number(match[3]);
    }
    return total;
  }
}

/** SIGKILLs every collector child still running and waits for them (afterAll). */
export async function killAllCollectors(): Promise<void> {
  const children = [...running];
  await Promise.all(children.map((child) => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  })));
}

/**
 * Runs `body`; when it throws, the output of `collectors` is added to the error, so a failed
 * assertion shows what the collector logged (its warnings, a crash) next to it.
 */
export async function withCollectorOutput(collectors: () => Array<CollectorProcess | undefined>, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    const logs = collectors().filter((c): c is CollectorProcess => c !== undefined)
      .map((c, i) => `--- collector ${i} (${c.url || 'not started'}) output ---\n${c.output() || '(nothing)'}`).join('\n');
    if (err instanceof Error) err.message = `${err.message}\n${logs}`;
    throw err;
  }
}
