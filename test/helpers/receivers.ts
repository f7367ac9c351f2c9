/**
 * Real remote-write receivers on loopback for integration tests: VictoriaMetrics single-node and
 * Prometheus with --web.enable-remote-write-receiver (both Debian packages; .ci/run installs
 * them). Each start() picks a free port and a fresh data directory, waits until the receiver
 * answers, and stop() kills it. A receiver can be stopped and started again on the same port and
 * data directory to simulate an outage. Both speak remote write 1.0 only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { request } from 'undici';

export const VICTORIA_METRICS_BIN = process.env.SCRAPEWIRE_VM_BIN ?? '/usr/bin/victoria-metrics';
export const PROMETHEUS_BIN = process.env.SCRAPEWIRE_PROMETHEUS_BIN ?? '/usr/bin/prometheus';

export function requireBinary(bin: string): void {
  if (!fs.existsSync(bin)) {
    throw new Error(`${bin} is missing: the remote-write integration tests need a real receiver. Run .ci/run (it apt-installs victoria-metrics and prometheus) or install the Debian package.`);
  }
}

/** A free TCP port on 127.0.0.1 (bound then released; good enough for a test). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitReady(url: string, child: ChildProcess, output: () => string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`receiver exited with ${child.exitCode} before becoming ready:\n${output()}`);
    try {
      const res = await request(url);
      await res.body.dump();
      if (res.statusCode === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`receiver not ready at ${url} after ${timeoutMs} ms:\n${output()}`);
}

abstract class Receiver {
  port = 0;
  readonly dataDir: string;
  private child?: ChildProcess;
  private log = '';

  /** The last 8,000 characters the process wrote (stdout and stderr). */
  get output(): string {
    return this.log;
  }

  /** Whether the process has exited since start(). */
  get exited(): boolean {
    return this.child === undefined || this.child.exitCode !== null || this.child.signalCode !== null;
  }

  constructor(prefix: string) {
    this.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  }

  protected abstract binary(): string;
  protected abstract args(): string[];
  protected abstract readyPath(): string;
  abstract get writeUrl(): string;

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts (or restarts, same port and data) the receiver and waits until it answers. */
  async start(): Promise<this> {
    requireBinary(this.binary());
    if (this.port === 0) this.port = await freePort();
    const child = spawn(this.binary(), this.args(), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const keep = (chunk: Buffer): void => { this.log = (this.log + chunk.toString()).slice(-8000); };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    await waitReady(`${this.baseUrl}${this.readyPath()}`, child, () => this.log);
    return this;
  }

  /** Kills the receiver (SIGTERM, then SIGKILL after 5 s) and waits for it to exit. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  /** Stops the receiver and removes its data directory. */
  async destroy(): Promise<void> {
    await this.stop();
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}

export interface ExportedSeries {
  metric: Record<string, string>;
  values: number[];
  timestamps: number[];
}

export class VictoriaMetrics extends Receiver {
  constructor() {
    super('sw-vm-');
  }
  protected binary(): string {
    return VICTORIA_METRICS_BIN;
  }
  protected args(): string[] {
    return [`-httpListenAddr=127.0.0.1:${this.port}`, `-storageDataPath=${this.dataDir}`, '-retentionPeriod=100y', '-search.disableCache', '-loggerLevel=ERROR'];
  }
  protected readyPath(): string {
    return '/health';
  }
  get writeUrl(): string {
    return `${this.baseUrl}/api/v1/write`;
  }

  /** Makes recently ingested samples searchable (VM buffers them for about a second otherwise). */
  async flush(): Promise<void> {
    const res = await request(`${this.baseUrl}/internal/force_flush`);
    await res.body.dump();
  }

  /** Every raw sample of the series matching `selector`, via /api/v1/export (JSON lines). */
  async exportSeries(selector: string): Promise<ExportedSeries[]> {
    await this.flush();
    const res = await request(`${this.baseUrl}/api/v1/export?match[]=${encodeURIComponent(selector)}&start=0`);
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`export ${selector}: ${res.statusCode} ${text}`);
    return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as ExportedSeries);
  }
}

export interface PrometheusOptions {
  /** Feature flags, joined into one --enable-feature (e.g. native-histograms, exemplar-storage). */
  features?: string[];
  /** The configuration file's text; `global: {}` when absent (a receiver scrapes nothing). */
  config?: string;
  /**
   * Agent mode: --enable-feature=agent with its WAL in the data directory; it scrapes and
   * remote-writes and has no query API and no remote-write receiver.
   */
  agent?: boolean;
  /** --log.level (default error); what it logs is in `output`. */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

/**
 * Debian's Prometheus on loopback: a remote-write receiver with a query API by default, or, with
 * `agent`, a scraper in agent mode (the oracle for the collector's own scraping).
 */
export class Prometheus extends Receiver {
  private readonly configFile: string;
  constructor(private readonly options: PrometheusOptions = {}) {
    super('sw-prom-');
    this.configFile = path.join(this.dataDir, 'prometheus.yml');
    fs.writeFileSync(this.configFile, options.config ?? 'global: {}\n');
  }
  protected binary(): string {
    return PROMETHEUS_BIN;
  }
  protected args(): string[] {
    const { agent = false, features = [], logLevel = 'error' } = this.options;
    const all = agent ? ['agent', ...features] : features;
    return [
      ...(agent ? [`--storage.agent.path=${path.join(this.dataDir, 'wal')}`] : ['--web.enable-remote-write-receiver', `--storage.tsdb.path=${path.join(this.dataDir, 'tsdb')}`]),
      `--web.listen-address=127.0.0.1:${this.port}`, `--config.file=${this.configFile}`, `--log.level=${logLevel}`,
      ...(all.length > 0 ? [`--enable-feature=${all.join(',')}`] : []),
    ];
  }
  protected readyPath(): string {
    return '/-/ready';
  }
  get writeUrl(): string {
    return `${this.baseUrl}/api/v1/write`;
  }

  /** Instant query through /api/v1/query at `timeSeconds`. */
  async query(expr: string, timeSeconds: number): Promise<Array<{ metric: Record<string, string>; value?: [number, string]; values?: Array<[number, string]> }>> {
    const res = await request(`${this.baseUrl}/api/v1/query?query=${encodeURIComponent(expr)}&time=${timeSeconds}`);
    const body = (await res.body.json()) as { status: string; data: { result: Array<{ metric: Record<string, string>; value?: [number, string]; values?: Array<[number, string]> }> }; error?: string };
    if (body.status !== 'success') throw new Error(`query ${expr}: ${body.error}`);
    return body.data.result;
  }
}
