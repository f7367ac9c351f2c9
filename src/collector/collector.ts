/**
 * The collector: one process that loads a Prometheus-format configuration, scrapes its targets
 * (src/scrape: every target of every job through one pipeline, targets asking for the same
 * request sharing one fetch), runs the enabled plugins over them (src/plugins), delivers through
 * remote write (src/remote), and serves its own metrics and the targets and service-discovery
 * pages (src/server); with the bundled default configuration (or enableSink), also the built-in
 * sink and the demo page.
 *
 * ```ts
 * const collector = await Collector.start({ configFile: 'scrapewire.yml', listenAddress: '127.0.0.1:9090', storagePath: 'data' });
 * await collector.reload();        // re-reads the file: unchanged targets keep their caches and shared fetches
 * await collector.stop(10_000);    // stop scraping, deliver or persist what is queued
 * ```
 */
import type { Registry } from 'prom-client';
import { loadConfigFile, parseConfig } from '../config/load';
import type { Config } from '../config/types';
import { ownsTarget, type ClusterOptions } from '../cluster/sharding';
import { ScrapewireError } from '../errors';
import { RemoteWriter } from '../remote/remote-writer';
import { RW1 } from '../remote-write-protocol';
import { silentLogger, type Logger } from '../logger';
import { ScrapeManager, sendingLabelsOf } from '../scrape/scrape-manager';
import { BUILTIN_PLUGINS } from '../plugins/builtin';
import { countScrapedBytes } from '../runtime/gc-pacing';
import { PluginHost } from '../plugins/plugin-host';
import { checkPluginJobs, PluginRegistry } from '../plugins/registry';
import type { Plugin } from '../plugins/types';
import type { TargetScraper } from '../scrape/target';
import { createSelfMetricsRegistry, startServer, type RunningServer, type TargetStatus } from '../server';
import { droppedTargetStatus } from '../server/targets-api';
import { parseListenAddress } from '../server/listen-address';
import { DEFAULT_CONFIG_NAME, defaultConfigText } from './default-config';
import type { WebLimits } from '../server/limits';
import { DemoSource } from './demo';
import { RemoteWriteSink, type SinkLimits } from './sink';

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
  /** POST/PUT /-/reload and /-/quit (--web.enable-lifecycle); 403 otherwise. */
  enableLifecycle?: boolean;
  /** --web.config.file: TLS, client certificates, basic auth, response headers (exporter-toolkit format). */
  webConfigFile?: string;
  /** --web.read-timeout, --web.max-connections and the server's other limits. */
  webLimits?: Partial<WebLimits>;
  /**
   * Mounts the built-in remote-write sink (/api/v1/write, /sink) and the demo page
   * (/demo/metrics). Default: only with the bundled default configuration (neither configFile
   * nor config), which scrapes and writes to them.
   */
  enableSink?: boolean;
  sinkLimits?: Partial<SinkLimits>;
  /** Called on POST /-/quit (with enableLifecycle); default: stop(). */
  onQuit?: () => void;
  logger?: Logger;
  registry?: Registry;
  cluster?: ClusterOptions;
  /** Deadline for delivering queued data on stop. Default 10 s. */
  shutdownDeadlineMs?: number;
  /**
   * The environment `${NAME}` in the configuration file and the Kubernetes in-cluster settings
   * are read from (KUBERNETES_SERVICE_HOST/PORT, ROOT_PATH). Default process.env.
   */
  env?: Record<string, string | undefined>;
  /** Plugins of the embedding agent, registered beside the built-in ones; enabled by plugins.enabled. */
  plugins?: readonly Plugin[];
}

export class Collector {
  private manager: ScrapeManager | undefined;
  private plugins: PluginHost | undefined;
  private writer: RemoteWriter | undefined;
  private server: RunningServer | undefined;
  /** Undefined unless the sink is enabled (see CollectorOptions.enableSink). */
  private readonly sink: RemoteWriteSink | undefined;
  private readonly demo: DemoSource | undefined;
  private config: Config | undefined;
  private ready = false;
  private reloading: Promise<void> = Promise.resolve();
  private stopping: Promise<void> | undefined;
  readonly registry: Registry;
  readonly logger: Logger;

  private constructor(private readonly options: CollectorOptions) {
    this.registry = options.registry ?? createSelfMetricsRegistry();
    this.logger = options.logger ?? silentLogger;
    const sinkEnabled = options.enableSink ?? (options.configFile === undefined && options.config === undefined);
    this.sink = sinkEnabled ? new RemoteWriteSink(this.registry, options.sinkLimits) : undefined;
    this.demo = sinkEnabled ? new DemoSource() : undefined;
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

  /** `http`, or `https` with tls_server_config in the web configuration. */
  get scheme(): 'http' | 'https' {
    return this.server?.scheme ?? 'http';
  }

  /** The configuration in use. */
  get currentConfig(): Config | undefined {
    return this.config;
  }

  private async startAll(): Promise<void> {
    // The server first: the default config scrapes and writes to it, and its port may be 0.
    const { sink, demo } = this;
    this.server = await startServer({
      listenAddress: this.options.listenAddress ?? '127.0.0.1:9090',
      registry: this.registry,
      targets: { targets: () => [...this.targetStatuses(), ...this.droppedTargetStatuses()] },
      control: { ready: () => this.ready, reload: () => this.reload(), quit: () => this.quit() },
      enableDebug: this.options.enableDebug ?? false,
      enableLifecycle: this.options.enableLifecycle ?? false,
      webConfigFile: this.options.webConfigFile,
      limits: this.options.webLimits,
      logger: this.logger,
      routes: sink === undefined || demo === undefined ? [] : [
        { path: '/api/v1/write', methods: ['POST'], handle: (req, res) => sink.handleWrite(req, res) },
        { path: '/sink', methods: ['GET', 'HEAD'], handle: (req, res) => sink.handlePage(req, res) },
        { path: '/demo/metrics', methods: ['GET', 'HEAD'], handle: (req, res) => demo.handle(req, res) },
      ],
    });
    if (this.server.scheme === 'https' && this.options.configFile === undefined && this.options.config === undefined) {
      this.logger.warn({}, 'the bundled default configuration scrapes and writes to this server over plain HTTP: with TLS in --web.config.file, give a --config.file of your own');
    }
    const config = await this.loadConfig();
    this.config = config;
    this.writer = new RemoteWriter({
      endpoints: config.remote_write,
      registry: this.registry,
      logger: this.logger,
      storageDir: this.options.storagePath,
    });
    this.plugins = this.createPluginHost(config, this.writer);
    this.manager = this.createManager(config, this.writer, this.plugins);
    await this.manager.start();
    this.ready = true;
    this.logger.info(
      { config: this.options.configFile ?? DEFAULT_CONFIG_NAME, jobs: config.scrape_configs.length, remoteWrite: config.remote_write.map((rw) => rw.name) },
      'scrapewire started',
    );
  }

  /** The enabled plugins, reading the jobs they name through the scrape loop; undefined when none is enabled. */
  private createPluginHost(config: Config, writer: RemoteWriter): PluginHost | undefined {
    const registry = new PluginRegistry().registerFactories(BUILTIN_PLUGINS, config.plugins.settings);
    for (const plugin of this.options.plugins ?? []) registry.register(plugin);
    const enabled = registry.enabled(config.plugins.enabled);
    if (enabled.length === 0) return undefined;
    const problem = checkPluginJobs(enabled, config.scrape_configs.map((job) => job.job_name));
    if (problem !== undefined) throw problem;
    const { externalLabels, writeRelabeler } = sendingLabelsOf(config);
    return new PluginHost({
      plugins: enabled,
      registry: this.registry,
      sink: writer,
      logger: this.logger,
      externalLabels,
      writeRelabeler,
      maxSamplesPerRequest: this.maxSamplesPerRequest(config),
    });
  }

  private createManager(config: Config, writer: RemoteWriter, readers: PluginHost | undefined): ScrapeManager {
    const cluster = this.options.cluster;
    // Requests are split once for every endpoint: at the smallest max_samples_per_send.
    const endpoints = config.remote_write;
    const maxSamplesPerRequest = this.maxSamplesPerRequest(config);
    const metadata = endpoints.filter((rw) => rw.protobuf_message === RW1 && rw.metadata_config.send);
    const metadataIntervalMs = metadata.length === 0 ? 0 : Math.min(...metadata.map((rw) => rw.metadata_config.send_interval));
    return new ScrapeManager({
      config,
      sink: writer,
      registry: this.registry,
      maxSamplesPerRequest,
      metadataIntervalMs,
      logger: this.logger,
      env: this.options.env,
      readers,
      onBodyBytes: countScrapedBytes,
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

  private maxSamplesPerRequest(config: Config): number {
    const endpoints = config.remote_write;
    return endpoints.length === 0 ? 2000 : Math.min(...endpoints.map((rw) => rw.queue_config.max_samples_per_send));
  }

  private async loadConfig(): Promise<Config> {
    const parseOptions = { defaultScrapeInterval: DEFAULT_SCRAPE_INTERVAL_MS, defaultScrapeTimeout: DEFAULT_SCRAPE_INTERVAL_MS };
    let config: Config;
    if (this.options.config !== undefined) config = this.options.config;
    else if (this.options.configFile !== undefined) config = await loadConfigFile(this.options.configFile, { ...parseOptions, env: this.options.env });
    else {
      const { host, port } = parseListenAddress(this.address);
      config = parseConfig(defaultConfigText({ host: host ?? '127.0.0.1', port }), DEFAULT_CONFIG_NAME, parseOptions);
    }
    for (const warning of config.warnings) this.logger.warn({ warning }, 'configuration');
    return config;
  }

  /**
   * Re-reads the configuration (SIGHUP, POST /-/reload). Targets whose URL, labels and job
   * settings are unchanged keep running with their series cache; queued data is kept. A bad
   * file leaves everything as it was and throws ERR_CONFIG. remote_write changes need a restart.
   */
  reload(): Promise<void> {
    this.reloading = this.reloading.catch(() => undefined).then(async () => {
      if (this.manager === undefined || this.stopping !== undefined) throw new ScrapewireError('ERR_USAGE', 'the collector is not running');
      const loaded = await this.loadConfig();
      const previous = this.config!;
      if (JSON.stringify(loaded.remote_write) !== JSON.stringify(previous.remote_write)) {
        this.logger.warn({}, 'remote_write changed: the new endpoints take effect after a restart');
      }
      if (JSON.stringify(loaded.plugins) !== JSON.stringify(previous.plugins)) {
        this.logger.warn({}, 'plugins changed: they take effect after a restart');
      }
      const config = { ...loaded, remote_write: previous.remote_write, plugins: previous.plugins };
      await this.manager.update(config);
      this.config = config;
      this.logger.info({ jobs: loaded.scrape_configs.length }, 'configuration reloaded');
    });
    return this.reloading;
  }

  /** Every target, as the server's /targets page and API show them. */
  targetStatuses(): TargetStatus[] {
    const manager = this.manager;
    return (manager?.targets() ?? []).map((target) => statusOf(target, manager?.discoveredLabels(target)));
  }

  /** Targets relabeling dropped, as /api/v1/targets lists them (droppedTargets). */
  private droppedTargetStatuses(): TargetStatus[] {
    const { targets, counts } = this.manager?.droppedTargets() ?? { targets: [], counts: {} };
    const counted = new Set<string>();
    return targets.map(({ job, discoveredLabels }) => {
      const first = !counted.has(job);
      counted.add(job);
      return droppedTargetStatus(job, discoveredLabels, first ? counts[job] : undefined);
    });
  }

  /** Samples, requests and series that reached the built-in sink (zeros when it is not mounted). */
  sinkStats(): { samples: number; requests: number; series: number } {
    return this.sink?.stats() ?? { samples: 0, requests: 0, series: 0 };
  }

  /** POST /-/quit: the embedder's onQuit, or a graceful stop. */
  private quit(): void {
    if (this.options.onQuit !== undefined) {
      this.options.onQuit();
      return;
    }
    this.stop().catch((err: unknown) => this.logger.error({ err: (err as Error).message }, 'stop after /-/quit failed'));
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
      // The plugins' last outputs (staleness markers of the fetches that went away) first.
      await this.plugins?.idle();
      await this.writer?.close(deadlineMs);
      await this.server?.close();
      this.logger.info({ sink: this.sinkStats() }, 'scrapewire stopped');
    })();
    return this.stopping;
  }
}

function statusOf(target: TargetScraper, discoveredLabels: Record<string, string> | undefined): TargetStatus {
  const { spec } = target;
  const labels = Object.fromEntries(spec.labels);
  return {
    job: spec.job,
    // As built from the target's labels (a default port written in the address stays in it).
    scrapeUrl: spec.http.url,
    labels,
    discoveredLabels: discoveredLabels ?? labels,
    health: target.health,
    lastScrape: target.lastScrapeMs === 0 ? undefined : new Date(target.lastScrapeMs),
    lastScrapeDurationSeconds: target.lastDurationMs / 1000,
    lastError: target.lastError?.message,
    seriesCount: target.seriesCount,
    scrapeIntervalSeconds: spec.intervalMs / 1000,
    scrapeTimeoutSeconds: spec.http.scrapeTimeoutMs / 1000,
  };
}
