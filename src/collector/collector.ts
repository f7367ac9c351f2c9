/**
 * The collector: one process that loads a Prometheus-format configuration, scrapes its targets
 * (src/scrape), delivers through remote write (src/remote), and serves its own metrics, the
 * targets page, the built-in sink and the demo page (src/server).
 *
 * ```ts
 * const collector = await Collector.start({ configFile: 'scrapewire.yml', listenAddress: '127.0.0.1:9090', storagePath: 'data' });
 * await collector.reload();        // re-reads the file: unchanged targets keep their caches
 * await collector.stop(10_000);    // stop scraping, deliver or persist what is queued
 * ```
 */
import type { Registry } from 'prom-client';
import { loadConfigFile, parseConfig } from '../config/load';
import type { Config } from '../config/types';
import { ownsTarget, type ClusterOptions } from '../cluster/sharding';
import { ScrapewireError } from '../core/errors';
import { RemoteWriter } from '../remote/remote-writer';
import type { Logger } from '../remote/logger';
import { ScrapeManager } from '../scrape/scrape-manager';
import type { TargetScraper } from '../scrape/target';
import { createSelfMetricsRegistry, startServer, type RunningServer, type TargetStatus } from '../server';
import { parseListenAddress } from '../server/listen-address';
import { DEFAULT_CONFIG_NAME, defaultConfigText } from './default-config';
import { DemoSource } from './demo';
import { RemoteWriteSink } from './sink';

/** scrapewire's own default interval, where Prometheus' is 1m: this agent scrapes every second. */
export const DEFAULT_SCRAPE_INTERVAL_MS = 1000;

export interface CollectorOptions {
  /** A Prometheus-format file; absent: the bundled default configuration. */
  configFile?: string;
  /** A configuration given as an object (embedding); takes precedence over configFile. */
  config?: Config;
  /** `host:port`; default 127.0.0.1:9090. */
  listenAddress?: string;
  /** Where the remote-write disk queues live; absent: memory only. */
  storagePath?: string;
  enableDebug?: boolean;
  logger?: Logger;
  registry?: Registry;
  cluster?: ClusterOptions;
  /** Applied to every loaded configuration before use (the CLI's node-local flags). */
  amendConfig?: (config: Config) => Config;
  /** Deadline for delivering queued data on stop. Default 10 s. */
  shutdownDeadlineMs?: number;
}

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} } as unknown as Logger;

export class Collector {
  private manager: ScrapeManager | undefined;
  private writer: RemoteWriter | undefined;
  private server: RunningServer | undefined;
  private readonly sink: RemoteWriteSink;
  private readonly demo = new DemoSource();
  private config: Config | undefined;
  private ready = false;
  private reloading: Promise<void> = Promise.resolve();
  private stopping: Promise<void> | undefined;
  readonly registry: Registry;
  readonly logger: Logger;

  private constructor(private readonly options: CollectorOptions) {
    this.registry = options.registry ?? createSelfMetricsRegistry();
    this.logger = options.logger ?? silent;
    this.sink = new RemoteWriteSink(this.registry);
  }

  /** Starts the web server, loads the configuration, and starts scraping and delivering. */
  static async start(options: CollectorOptions = {}): Promise<Collector> {
    const collector = new Collector(options);
    try {
      await collector.startAll();
    } catch (err) {
      await collector.stop(0).catch(() => undefined);
      throw err;
    }
    return collector;
  }

  /** The web server's bound address (`host:port`). */
  get address(): string {
    return this.server?.address ?? '';
  }

  /** The configuration in use. */
  get currentConfig(): Config | undefined {
    return this.config;
  }

  private async startAll(): Promise<void> {
    // The server first: the default config scrapes and writes to it, and its port may be 0.
    this.server = await startServer({
      listenAddress: this.options.listenAddress ?? '127.0.0.1:9090',
      registry: this.registry,
      targets: { targets: () => this.targetStatuses() },
      control: { ready: () => this.ready, reload: () => this.reload() },
      enableDebug: this.options.enableDebug ?? false,
      logger: this.logger,
      routes: [
        { path: '/api/v1/write', methods: ['POST'], handle: (req, res) => this.sink.handleWrite(req, res) },
        { path: '/sink', methods: ['GET', 'HEAD'], handle: (req, res) => this.sink.handlePage(req, res) },
        { path: '/demo/metrics', methods: ['GET', 'HEAD'], handle: (req, res) => this.demo.handle(req, res) },
      ],
    });
    const config = await this.loadConfig();
    this.config = config;
    this.writer = new RemoteWriter({
      endpoints: config.remote_write,
      registry: this.registry,
      logger: this.logger,
      storageDir: this.options.storagePath,
    });
    this.manager = this.createManager(config, this.writer);
    await this.manager.start();
    this.ready = true;
    this.logger.info(
      { config: this.options.configFile ?? DEFAULT_CONFIG_NAME, jobs: config.scrape_configs.length, remoteWrite: config.remote_write.map((rw) => rw.name) },
      'scrapewire started',
    );
  }

  private createManager(config: Config, writer: RemoteWriter): ScrapeManager {
    const cluster = this.options.cluster;
    // Requests are split once for every endpoint: at the smallest max_samples_per_send.
    const endpoints = config.remote_write;
    const maxSamplesPerRequest = endpoints.length === 0 ? 2000 : Math.min(...endpoints.map((rw) => rw.queue_config.max_samples_per_send));
    const metadata = endpoints.filter((rw) => rw.protobuf_message === 'prometheus.WriteRequest' && rw.metadata_config.send);
    const metadataIntervalMs = metadata.length === 0 ? 0 : Math.min(...metadata.map((rw) => rw.metadata_config.send_interval));
    return new ScrapeManager({
      config,
      sink: writer,
      registry: this.registry,
      maxSamplesPerRequest,
      metadataIntervalMs,
      onError: (error) => this.logger.warn({ err: error }, 'target discovery problem'),
      onScrape: (target, outcome) => {
        if (outcome.error !== undefined) {
          this.logger.warn({ target: target.target, job: target.spec.job, err: outcome.error.message }, 'scrape failed');
        }
      },
      ownsTarget: cluster === undefined || cluster.membersCount <= 1
        ? undefined
        : (spec) => ownsTarget(spec.labels as [string, string][], cluster),
    });
  }

  private async loadConfig(): Promise<Config> {
    const parseOptions = { defaultScrapeInterval: DEFAULT_SCRAPE_INTERVAL_MS, defaultScrapeTimeout: DEFAULT_SCRAPE_INTERVAL_MS };
    let config: Config;
    if (this.options.config !== undefined) config = this.options.config;
    else if (this.options.configFile !== undefined) config = await loadConfigFile(this.options.configFile, parseOptions);
    else {
      const { host, port } = parseListenAddress(this.address);
      config = parseConfig(defaultConfigText({ host: host ?? '127.0.0.1', port }), DEFAULT_CONFIG_NAME, parseOptions);
    }
    for (const warning of config.warnings) this.logger.warn({ warning }, 'configuration');
    return this.options.amendConfig ? this.options.amendConfig(config) : config;
  }

  /**
   * Re-reads the configuration (SIGHUP, POST /-/reload). Targets whose URL, labels and job
   * settings are unchanged keep running with their series cache; queued data is kept. A bad
   * file leaves everything as it was and throws ERR_CONFIG. remote_write changes need a restart.
   */
  reload(): Promise<void> {
    this.reloading = this.reloading.catch(() => undefined).then(async () => {
      if (this.manager === undefined || this.stopping !== undefined) throw new ScrapewireError('ERR_USAGE', 'the collector is not running');
      const config = await this.loadConfig();
      if (JSON.stringify(config.remote_write) !== JSON.stringify(this.config?.remote_write)) {
        this.logger.warn({}, 'remote_write changed: the new endpoints take effect after a restart');
      }
      await this.manager.update({ ...config, remote_write: this.config!.remote_write });
      this.config = { ...config, remote_write: this.config!.remote_write };
      this.logger.info({ jobs: config.scrape_configs.length }, 'configuration reloaded');
    });
    return this.reloading;
  }

  /** Every target, as the server's /targets page and API show them. */
  targetStatuses(): TargetStatus[] {
    return (this.manager?.targets() ?? []).map((target) => statusOf(target));
  }

  /** Samples, requests and series that reached the built-in sink. */
  sinkStats(): { samples: number; requests: number; series: number } {
    return this.sink.stats();
  }

  /**
   * Graceful shutdown: scraping stops (every series gets its staleness marker), then queued
   * requests are sent until the deadline and the rest is persisted to disk.
   */
  stop(deadlineMs = this.options.shutdownDeadlineMs ?? 10_000): Promise<void> {
    this.stopping ??= (async () => {
      this.ready = false;
      await this.reloading.catch(() => undefined);
      await this.manager?.stop();
      await this.writer?.close(deadlineMs);
      await this.server?.close();
      this.logger.info({ sink: this.sink.stats() }, 'scrapewire stopped');
    })();
    return this.stopping;
  }
}

function statusOf(target: TargetScraper): TargetStatus {
  const { spec } = target;
  const labels = Object.fromEntries(spec.labels);
  return {
    job: spec.job,
    scrapeUrl: target.target,
    labels,
    discoveredLabels: labels,
    health: target.health,
    lastScrape: target.lastScrapeMs === 0 ? undefined : new Date(target.lastScrapeMs),
    lastScrapeDurationSeconds: target.lastDurationMs / 1000,
    lastError: target.lastError?.message,
    seriesCount: target.seriesCount,
    scrapeIntervalSeconds: spec.intervalMs / 1000,
    scrapeTimeoutSeconds: spec.http.scrapeTimeoutMs / 1000,
  };
}
