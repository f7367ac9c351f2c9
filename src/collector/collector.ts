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
 *
 * Embedded in a service: no server of its own (`listen: false`), its pages mounted on the
 * service's (`collector.handler()`), the service's prom-client registry as an in-process target
 * (`localTargets`), events for every scrape and delivery:
 *
 * ```ts
 * const collector = await Collector.start({
 *   listen: false,
 *   storagePath: 'data/scrapewire',
 *   config: { remote_write: [{ url: 'http://victoria:8428/api/v1/write' }] },
 *   localTargets: [{ job: 'orders', source: promClient.register }],
 * });
 * app.use('/scrapewire', collector.handler());     // /scrapewire/metrics, /scrapewire/targets...
 * collector.on('scrape', ({ target, up, samples }) => ...);
 * ```
 */
import { hostname } from 'node:os';
import type { Registry } from 'prom-client';
import { configFromDocument, isValidatedConfig, type ConfigDocument } from '../config/document';
import { loadConfigFile, parseConfig } from '../config/load';
import type { Config, ScrapeConfig } from '../config/types';
import { formatDuration } from '../config/units';
import { DELIVERY_EVENTS, type CollectorEvents, TypedEmitter, type ScrapeEvent } from '../events';
import { LOCAL_SCHEME, LocalSources, type LocalSource } from '../scrape/local-source';
import type { ScrapeOutcome } from '../scrape/target';
import type { MountOptions, RequestListener, WebHandler } from '../server/web-handler';
import { createWebHandler } from '../server/web-handler';
import type { WebHandlerOptions } from '../server/types';
import { ownsTarget, type ClusterOptions } from '../cluster/sharding';
import { ScrapewireError } from '../errors';
import { RemoteWriter } from '../remote/remote-writer';
import { RW1 } from '../remote-write-protocol';
import { silentLogger, type Logger } from '../logger';
import { ScrapeManager, sendingLabelsOf } from '../scrape/scrape-manager';
import { scrapeOffsetSeed } from '../scrape/scrape-loop';
import { BUILTIN_PLUGINS } from '../plugins/builtin';
import { countScrapedBytes } from '../runtime/gc-pacing';
import { PluginHost } from '../plugins/plugin-host';
import { checkPluginJobs, PluginRegistry } from '../plugins/registry';
import type { Plugin } from '../plugins/types';
import type { TargetView } from '../scrape/workers/scrape-workers';
import { createSelfMetricsRegistry, startServer, type RunningServer, type TargetStatus } from '../server';
import { droppedTargetStatus } from '../server/targets-api';
import { parseListenAddress } from '../server/listen-address';
import { DEFAULT_CONFIG_NAME, defaultConfigText } from './default-config';
import type { WebLimits } from '../server/limits';
import { DemoSource } from './demo';
import { RemoteWriteSink, type SinkLimits } from './sink';

/** scrapewire's own default interval, where Prometheus' is 1m: this agent scrapes every second. */
export const DEFAULT_SCRAPE_INTERVAL_MS = 1000;

/**
 * Scrape requests running at once by default. Without a cap, 2,000 targets at 1 s on a busy node
 * each got a sliver of the one event loop, ran past their timeout after their page had arrived
 * and lost it, and the garbage collector worked through 2,000 scrapes' objects at a time
 * (bench/RESULTS.md, 2026-12-03): with 256, none timed out and more pages were scraped per CPU
 * second. A node's pods answer in milliseconds, so 256 slots still allow many thousand scrapes a
 * second.
 */
export const DEFAULT_MAX_CONCURRENT_FETCHES = 256;

/**
 * An in-process target: a source of this process (a prom-client registry, or a function
 * returning exposition text) scraped on its job's interval like any target, with no HTTP.
 */
export interface LocalTarget {
  /**
   * The job it belongs to: a scrape_configs job of the configuration (its interval, timeout,
   * relabeling, limits, honor_labels... apply), or a new job with the global defaults.
   */
  job: string;
  source: LocalSource;
  /**
   * Its address: the `instance` label (unless relabeling sets one) and its URL,
   * `local://<name><metrics_path>`. Letters, digits, `.`, `_`, `-`. Default: the job's name.
   */
  name?: string;
  /** Labels of the target, as in static_configs (`__scrape_interval__: '15s'` works too). */
  labels?: Record<string, string>;
}

/** What `Collector.start` takes: the configuration, the web endpoints, storage, in-process targets, plugins. */
export interface CollectorOptions {
  /** A Prometheus-format file; absent: the bundled default configuration. */
  configFile?: string;
  /**
   * A configuration given in code (embedding); takes precedence over configFile. Either a
   * validated `Config` (parseConfig) or the same document as a plain object
   * (`{ remote_write: [{ url }] }`), which is validated the same way.
   */
  config?: Config | ConfigDocument;
  /**
   * false: no server of the collector's own; its endpoints are served only where
   * `handler()` is mounted. Needs `config` or `configFile` (the bundled default configuration
   * scrapes the collector's own port). Default true.
   */
  listen?: boolean;
  /** `host:port`; default 127.0.0.1:9090. */
  listenAddress?: string;
  /** In-process targets: sources of this process scraped as targets, through the one pipeline. */
  localTargets?: readonly LocalTarget[];
  /** Aborts a start in progress: what was started is stopped and start() rejects with the reason. */
  signal?: AbortSignal;
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
   * --scrape.max-concurrent-fetches: scrape requests (with the parsing of their bodies) running at
   * once across all targets; a tick that finds them all taken waits, and is skipped if its
   * target's next slot comes first. 0: no limit. Default DEFAULT_MAX_CONCURRENT_FETCHES (256).
   */
  maxConcurrentFetches?: number;
  /**
   * --scrape.workers: threads that scrape, the main thread one of them. 1 (default): the main
   * thread does it all, as without the option. N > 1: N - 1 worker threads (node:worker_threads)
   * beside the main thread; each of the N takes the targets a hash of each target gives it, with
   * its own connections and 1/N of maxConcurrentFetches, and the workers hand their requests to
   * the main thread's remote writer; in-process targets (`localTargets`) and the jobs plugins
   * read stay on the main thread. See docs/plans/scrape-workers.md.
   */
  scrapeWorkers?: number;
  /** @internal false: N worker threads and a main thread that only delivers (ScrapeManagerOptions.mainThreadScrapes). */
  scrapeWorkersIncludeMain?: boolean;
  /**
   * The environment `${NAME}` in the configuration file and the Kubernetes in-cluster settings
   * are read from (KUBERNETES_SERVICE_HOST/PORT, ROOT_PATH). Default process.env.
   */
  env?: Record<string, string | undefined>;
  /** Plugins of the embedding agent, registered beside the built-in ones; enabled by plugins.enabled. */
  plugins?: readonly Plugin[];
}

/** How `stop()` ends delivery: a deadline, and a signal that ends the wait early. */
export interface StopOptions {
  /** Time to deliver queued data before persisting the rest. Default: shutdownDeadlineMs (10 s). */
  deadlineMs?: number;
  /** Ends the delivery wait at once: what is queued is persisted (or dropped, counted, without a disk queue). */
  signal?: AbortSignal;
}

export class Collector extends TypedEmitter<CollectorEvents> {
  private manager: ScrapeManager | undefined;
  private plugins: PluginHost | undefined;
  private writer: RemoteWriter | undefined;
  private server: RunningServer | undefined;
  private web: WebHandler | undefined;
  private readonly localSources = new LocalSources();
  /** Each failing target's last logged failure (logScrapeFailure). */
  private readonly lastScrapeFailure = new WeakMap<TargetView, string>();
  /** Undefined unless the sink is enabled (see CollectorOptions.enableSink). */
  private readonly sink: RemoteWriteSink | undefined;
  private readonly demo: DemoSource | undefined;
  private config: Config | undefined;
  /** The jobs the enabled plugins read: with scrape workers, their targets stay on the main thread, where the plugin host is. */
  private pluginJobs = new Set<string>();
  private ready = false;
  private reloading: Promise<void> = Promise.resolve();
  private stopping: Promise<void> | undefined;
  readonly registry: Registry;
  readonly logger: Logger;

  private constructor(private readonly options: CollectorOptions) {
    const logger = options.logger ?? silentLogger;
    super((error, event) => logger.error({ event, err: error instanceof Error ? error.message : String(error) }, 'an event listener threw'));
    this.registry = options.registry ?? createSelfMetricsRegistry();
    this.logger = logger;
    const sinkEnabled = options.enableSink ?? (options.configFile === undefined && options.config === undefined);
    this.sink = sinkEnabled ? new RemoteWriteSink(this.registry, options.sinkLimits) : undefined;
    this.demo = sinkEnabled ? new DemoSource() : undefined;
  }

  /**
   * Starts the web server (unless `listen: false`), loads the configuration, and starts scraping
   * and delivering. Rejects with a ScrapewireError (ERR_CONFIG, ERR_USAGE, ERR_STORAGE_LOCKED...)
   * or the abort reason of `options.signal`, after stopping what it had started.
   */
  static async start(options: CollectorOptions = {}): Promise<Collector> {
    options.signal?.throwIfAborted();
    const collector = new Collector(options);
    const signal = options.signal;
    let onAbort: (() => void) | undefined;
    try {
      const aborted = new Promise<never>((_resolve, reject) => {
        onAbort = () => reject(signal!.reason);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
      aborted.catch(() => undefined);
      await Promise.race([collector.startAll(), aborted]);
    } catch (err) {
      await collector.stop(0).catch(() => undefined);
      throw err;
    } finally {
      if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
    }
    return collector;
  }

  /**
   * A request listener for the service's own server, serving the collector's endpoints
   * (/metrics, /targets, /api/v1/targets, /service-discovery, /-/healthy, /-/ready, and the
   * sink, lifecycle and debug ones when enabled) under a path prefix, with Node's `(req, res)`
   * signature plus Express's `next` for paths outside the prefix. Every request goes through the
   * same guarded entry as the collector's own server: nothing leaves it as an exception.
   *
   * ```ts
   * app.use('/scrapewire', collector.handler());                           // Express (prefix from the mount)
   * http.createServer(collector.handler({ prefix: '/scrapewire' }));       // node:http
   * fastify.all('/scrapewire/*', (req, reply) => { reply.hijack(); handle(req.raw, reply.raw); });   // Fastify, with { prefix }
   * ```
   */
  handler(options: MountOptions = {}): RequestListener {
    if (this.web === undefined) throw new ScrapewireError('ERR_USAGE', 'handler() of a collector that did not start');
    return this.web.mount(options);
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
    const listen = this.options.listen ?? true;
    if (!listen && this.options.config === undefined && this.options.configFile === undefined) {
      throw new ScrapewireError('ERR_USAGE', 'listen: false needs a config or a configFile: the bundled default configuration scrapes and writes to the collector\'s own server');
    }
    for (const target of this.options.localTargets ?? []) this.localSources.register(target.name ?? target.job, target.source);
    // The server first: the default config scrapes and writes to it, and its port may be 0.
    const { sink, demo } = this;
    const webOptions: WebHandlerOptions = {
      registry: this.registry,
      extraMetrics: () => this.manager?.workerMetrics() ?? Promise.resolve([]),
      targets: { targets: () => [...this.targetStatuses(), ...this.droppedTargetStatuses()] },
      control: { ready: () => this.ready, reload: () => this.reload(), quit: () => this.quit() },
      enableDebug: this.options.enableDebug ?? false,
      enableLifecycle: this.options.enableLifecycle ?? false,
      webConfigFile: this.options.webConfigFile,
      logger: this.logger,
      routes: sink === undefined || demo === undefined ? [] : [
        { path: '/api/v1/write', methods: ['POST'], handle: (req, res) => sink.handleWrite(req, res) },
        { path: '/sink', methods: ['GET', 'HEAD'], handle: (req, res) => sink.handlePage(req, res) },
        { path: '/demo/metrics', methods: ['GET', 'HEAD'], handle: (req, res) => demo.handle(req, res) },
      ],
    };
    this.web = createWebHandler(webOptions, { mountedOnly: !listen });
    if (listen) {
      this.server = await startServer({
        ...webOptions,
        listenAddress: this.options.listenAddress ?? '127.0.0.1:9090',
        limits: this.options.webLimits,
        handler: this.web,
      });
    }
    if (this.server?.scheme === 'https' && this.options.configFile === undefined && this.options.config === undefined) {
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
    const writer = this.writer;
    for (const event of DELIVERY_EVENTS) writer.on(event, (payload) => this.emit(event, payload as never));
    this.plugins = this.createPluginHost(config, this.writer);
    this.manager = this.createManager(config, this.writer, this.plugins, this.pluginJobs);
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
    this.pluginJobs = new Set(enabled.flatMap(({ plugin }) => plugin.jobs));
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

  private createManager(config: Config, writer: RemoteWriter, readers: PluginHost | undefined, pluginJobs: Set<string>): ScrapeManager {
    const cluster = this.options.cluster;
    // Requests are split once for every endpoint: at the smallest max_samples_per_send.
    const endpoints = config.remote_write;
    const maxSamplesPerRequest = this.maxSamplesPerRequest(config);
    const metadata = endpoints.filter((rw) => rw.protobuf_message === RW1 && rw.metadata_config.send);
    const metadataIntervalMs = metadata.length === 0 ? 0 : Math.min(...metadata.map((rw) => rw.metadata_config.send_interval));
    // A target's metadata is split once for every endpoint: at the smallest max_samples_per_send.
    const metadataMaxPerRequest = metadata.length === 0 ? 0 : Math.min(...metadata.map((rw) => rw.metadata_config.max_samples_per_send));
    return new ScrapeManager({
      config,
      sink: writer,
      registry: this.registry,
      maxSamplesPerRequest,
      metadataIntervalMs,
      metadataMaxPerRequest,
      offsetSeed: scrapeOffsetSeed(hostname(), config.global.external_labels),
      logger: this.logger,
      env: this.options.env,
      readers,
      onBodyBytes: countScrapedBytes,
      localSources: this.localSources,
      maxConcurrentFetches: this.options.maxConcurrentFetches ?? DEFAULT_MAX_CONCURRENT_FETCHES,
      workers: this.options.scrapeWorkers ?? 1,
      mainThreadScrapes: this.options.scrapeWorkersIncludeMain,
      keepOnMain: pluginJobs.size === 0 ? undefined : (spec) => pluginJobs.has(spec.job),
      onError: (error) => this.logger.warn({ err: error }, 'target discovery problem'),
      onScrape: (target, outcome) => {
        if (outcome.error !== undefined) this.logScrapeFailure(target, outcome.error.message);
        else this.lastScrapeFailure.delete(target);
        if (this.listening('scrape')) this.emit('scrape', scrapeEvent(target, outcome));
      },
      ownsTarget: cluster === undefined || cluster.membersCount <= 1
        ? undefined
        : (spec) => ownsTarget(spec.labels as [string, string][], cluster),
    });
  }

  /**
   * A target's failure is a warning when it starts or its reason changes; the same failure again
   * is logged at debug, as Prometheus logs every failed scrape. At 1 s intervals a target that is
   * down would otherwise write a warning a second, and on an overloaded node (timeouts on
   * hundreds of targets) the logging itself took a tenth of the CPU (bench/RESULTS.md,
   * 2026-12-03).
   */
  private logScrapeFailure(target: TargetView, message: string): void {
    const fields = { target: target.target, job: target.spec.job, err: message };
    if (this.lastScrapeFailure.get(target) === message) {
      this.logger.debug(fields, 'scrape failed again');
      return;
    }
    this.lastScrapeFailure.set(target, message);
    this.logger.warn(fields, 'scrape failed');
  }

  private maxSamplesPerRequest(config: Config): number {
    const endpoints = config.remote_write;
    return endpoints.length === 0 ? 2000 : Math.min(...endpoints.map((rw) => rw.queue_config.max_samples_per_send));
  }

  private async loadConfig(): Promise<Config> {
    const parseOptions = { defaultScrapeInterval: DEFAULT_SCRAPE_INTERVAL_MS, defaultScrapeTimeout: DEFAULT_SCRAPE_INTERVAL_MS };
    let config: Config;
    const given = this.options.config;
    if (given !== undefined) config = isValidatedConfig(given) ? given : configFromDocument(given, '<CollectorOptions.config>', parseOptions);
    else if (this.options.configFile !== undefined) config = await loadConfigFile(this.options.configFile, { ...parseOptions, env: this.options.env });
    else {
      const { host, port } = parseListenAddress(this.address);
      config = parseConfig(defaultConfigText({ host: host ?? '127.0.0.1', port }), DEFAULT_CONFIG_NAME, parseOptions);
    }
    for (const warning of config.warnings) this.logger.warn({ warning }, 'configuration');
    return withLocalTargets(config, this.options.localTargets ?? []);
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
    return (manager?.targetViews() ?? []).map((target) => statusOf(target, manager?.discoveredLabels(target)));
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

  /**
   * Sends what the remote writer holds in open batches and resolves once every endpoint has
   * acknowledged (or dropped, counted) everything queued; rejects with `signal`'s reason if it
   * aborts first (nothing is lost: the requests stay queued).
   */
  async flush(options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.plugins?.idle();
    await this.writer?.flush(options);
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
   * requests are sent until the deadline (a number: the deadline in ms) or `signal`, and the rest
   * is persisted to disk. Later calls return the same promise.
   */
  stop(options: number | StopOptions = {}): Promise<void> {
    const { deadlineMs = this.options.shutdownDeadlineMs ?? 10_000, signal } = typeof options === 'number' ? { deadlineMs: options } : options;
    this.stopping ??= (async () => {
      this.ready = false;
      await this.reloading.catch(() => undefined);
      await this.manager?.stop();
      // The plugins' last outputs (staleness markers of the fetches that went away) first.
      await this.plugins?.idle();
      await this.writer?.close(deadlineMs, { signal });
      await this.server?.close();
      this.web?.close();
      this.logger.info({ sink: this.sinkStats() }, 'scrapewire stopped');
    })();
    return this.stopping;
  }
}

function scrapeEvent(target: TargetView, outcome: ScrapeOutcome): ScrapeEvent {
  return {
    job: target.spec.job,
    target: target.target,
    labels: Object.fromEntries(target.spec.labels),
    up: outcome.error === undefined,
    samples: outcome.error === undefined ? outcome.summary?.samplesPostRelabel ?? 0 : 0,
    samplesWritten: outcome.samplesWritten,
    durationMs: outcome.durationMs,
    timestampMs: outcome.timestampMs,
    error: outcome.error,
  };
}

/**
 * The configuration with the in-process targets added: each one a static target of its job
 * (created with the global defaults when the configuration has no such job) whose `__scheme__`
 * is `local`, so discovery, relabeling and /service-discovery treat it like any other.
 */
export function withLocalTargets(config: Config, targets: readonly LocalTarget[]): Config {
  if (targets.length === 0) return config;
  const jobs = config.scrape_configs.map((job) => ({ ...job, static_configs: [...job.static_configs] }));
  for (const target of targets) {
    let job = jobs.find((candidate) => candidate.job_name === target.job);
    if (job === undefined) {
      job = defaultJob(config, target.job);
      jobs.push(job);
    }
    job.static_configs.push({ targets: [target.name ?? target.job], labels: { ...target.labels, __scheme__: LOCAL_SCHEME } });
  }
  return { ...config, scrape_configs: jobs };
}

/** A job with nothing but a name, defaulted from `config`'s global section by the validator. */
function defaultJob(config: Config, jobName: string): ScrapeConfig {
  const { global } = config;
  const document: ConfigDocument = {
    global: {
      scrape_interval: formatDuration(global.scrape_interval),
      scrape_timeout: formatDuration(global.scrape_timeout),
      body_size_limit: global.body_size_limit,
      sample_limit: global.sample_limit,
      label_limit: global.label_limit,
      label_name_length_limit: global.label_name_length_limit,
      label_value_length_limit: global.label_value_length_limit,
      target_limit: global.target_limit,
    },
    scrape_configs: [{ job_name: jobName }],
  };
  return configFromDocument(document, `<local target of job ${JSON.stringify(jobName)}>`).scrape_configs[0];
}

function statusOf(target: TargetView, discoveredLabels: Record<string, string> | undefined): TargetStatus {
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
