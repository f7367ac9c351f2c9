/**
 * `scrapewire run [flags]` (and `scrapewire` alone): the collector. Flag names are Prometheus'
 * where Prometheus has one. What differs from node to node belongs in the configuration as
 * `${NAME}` (expanded from the environment at load and reload: `${NODE_IP}`, `${NODE_NAME}` from
 * the downward API), so one ConfigMap serves every node; the node-local flags that used to do it
 * (--node-ip, --kube-state-url, --enabled-plugins) were removed and say so when given.
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { memberNumFrom, checkClusterOptions, type ClusterOptions } from '../cluster/sharding';
import { ScrapewireError } from '../errors';
import { Collector, DEFAULT_MAX_CONCURRENT_FETCHES } from '../collector/collector';
import { createLogger, type LogLevel } from '../server/logger';
import type { CommandIo } from './check';
import { parseDuration, parseSize } from '../config/units';
import { DEFAULT_WEB_LIMITS } from '../server/limits';
import { DEFAULT_GC_PACE_BYTES, enableGcPacing } from '../runtime/gc-pacing';
import { applyCompileFlags } from './v8-flags';

export const RUN_FLAGS = `Flags of "scrapewire run" (all optional):
  --config.file=FILE             Prometheus-format configuration (default: the bundled demo config)
  --web.listen-address=HOST:PORT address of the web server: /metrics, /targets, /-/healthy,
                                 /-/ready (default 127.0.0.1:9090)
  --web.config.file=FILE         TLS, client certificates, basic auth and response headers, in
                                 the exporter-toolkit web config format; re-read when it changes
  --web.enable-lifecycle         serve POST /-/reload and POST /-/quit (403 without it)
  --web.enable-debug             serve /debug/heap and /debug/profile?seconds=N; on an address
                                 other than loopback only with basic_auth_users or verified
                                 client certificates in --web.config.file
  --web.enable-sink              serve the built-in remote-write sink (/api/v1/write, /sink) and
                                 /demo/metrics (default: only without --config.file)
  --web.read-timeout=DURATION    time to receive a whole request (default 1m; 0: none)
  --web.max-connections=N        open connections at most; more are closed (default 512; 0: none)
  --storage.path=DIR             remote-write disk queue (default: data/scrapewire)
  --log.level=LEVEL              debug, info, warn, error (default info)
  --root-path=DIR                where kubernetes_sd without api_server looks for the in-cluster
                                 service account: DIR/var/run/secrets/kubernetes.io/serviceaccount
                                 (default /)  [env ROOT_PATH]
  --cluster.members-count=N      split targets across N collectors (default 1: no split)
  --cluster.member-num=K         this collector's number, 0..N-1, or a StatefulSet pod name
                                 such as scrapewire-2 [env POD_NAME when unset]
  --cluster.replication-factor=R scrape each target on R members (default 1)
  --shutdown.deadline=SECONDS    on SIGTERM, time to deliver queued data before persisting (default 10)
  --gc.pace-bytes=SIZE           run a minor GC after this much scraped body, so socket buffers
                                 are freed as a large page streams (default 4MiB; 0: off)
  --scrape.max-concurrent-fetches=N
                                 scrape requests running at once across all targets; a tick
                                 that finds none free waits, skipped if the target's next slot
                                 comes first (default 256; 0: no limit)
  --scrape.workers=N             threads that scrape: 1 (default) is the main thread alone; N > 1
                                 adds N-1 worker threads and spreads the targets over the N, each
                                 with 1/N of --scrape.max-concurrent-fetches, all delivering
                                 through the main thread's remote-write queue; auto: the CPUs
                                 available, at most 8
`;

export interface RunFlags {
  configFile?: string;
  listenAddress: string;
  storagePath: string;
  enableDebug: boolean;
  enableLifecycle: boolean;
  webConfigFile?: string;
  /** Absent: only with the bundled default configuration. */
  enableSink?: boolean;
  readTimeoutMs: number;
  maxConnections: number;
  logLevel: LogLevel;
  rootPath?: string;
  cluster?: ClusterOptions;
  shutdownDeadlineMs: number;
  gcPaceBytes: number;
  maxConcurrentFetches: number;
  scrapeWorkers: number;
}

/** --scrape.workers=auto takes the CPUs available, up to this. */
export const MAX_AUTO_SCRAPE_WORKERS = 8;
/** More workers than this is a typo, not a machine. */
const MAX_SCRAPE_WORKERS = 256;

/** The value of --scrape.workers: a positive integer, or auto. Throws ERR_USAGE otherwise. */
export function parseScrapeWorkers(value: string | undefined): number {
  if (value === undefined) return 1;
  if (value === 'auto') return Math.max(1, Math.min(MAX_AUTO_SCRAPE_WORKERS, availableParallelism()));
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_SCRAPE_WORKERS) {
    throw new ScrapewireError('ERR_USAGE', `--scrape.workers must be a whole number from 1 to ${MAX_SCRAPE_WORKERS}, or auto, not "${value}"`);
  }
  return n;
}

/** Flags that were removed, and what replaces each. */
const REMOVED_FLAGS: Record<string, string> = {
  'node-ip': 'write ${NODE_IP} in the configuration (expanded from the environment; the DaemonSet sets NODE_IP from status.hostIP)',
  'kube-state-url': 'scrape kube-state-metrics with a job of its own in scrape_configs (deploy/configmap.yaml finds its pod through kubelet_sd_configs)',
  'enabled-plugins': 'set plugins.enabled in the configuration (it may read ${ENABLED_PLUGINS} from the environment)',
};

/** Parses the flags of `run`; throws ERR_USAGE with the flag's name on a bad value. */
export function parseRunFlags(args: string[], env: NodeJS.ProcessEnv = process.env): RunFlags {
  for (const arg of args) {
    const name = /^--([^=]+)/.exec(arg)?.[1];
    if (name !== undefined && Object.hasOwn(REMOVED_FLAGS, name)) {
      throw new ScrapewireError('ERR_USAGE', `--${name} was removed: ${REMOVED_FLAGS[name]}`);
    }
  }
  const { values, positionals } = parseArgs({
    args,
    options: {
      'config.file': { type: 'string' },
      'web.listen-address': { type: 'string' },
      'storage.path': { type: 'string' },
      'web.enable-debug': { type: 'boolean' },
      'web.enable-lifecycle': { type: 'boolean' },
      'web.enable-sink': { type: 'boolean' },
      'web.config.file': { type: 'string' },
      'web.read-timeout': { type: 'string' },
      'web.max-connections': { type: 'string' },
      'log.level': { type: 'string' },
      'root-path': { type: 'string' },
      'cluster.members-count': { type: 'string' },
      'cluster.member-num': { type: 'string' },
      'cluster.replication-factor': { type: 'string' },
      'shutdown.deadline': { type: 'string' },
      'gc.pace-bytes': { type: 'string' },
      'scrape.max-concurrent-fetches': { type: 'string' },
      'scrape.workers': { type: 'string' },
    },
    allowPositionals: false,
    strict: true,
  });
  void positionals;
  const level = (values['log.level'] ?? 'info') as LogLevel;
  if (!['debug', 'info', 'warn', 'error', 'silent', 'trace', 'fatal'].includes(level)) {
    throw new ScrapewireError('ERR_USAGE', `--log.level must be debug, info, warn or error, not "${level}"`);
  }
  const integer = (name: string, value: string | undefined, fallback: number): number => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new ScrapewireError('ERR_USAGE', `--${name} must be a non-negative integer, not "${value}"`);
    return n;
  };
  const membersCount = integer('cluster.members-count', values['cluster.members-count'], 1);
  let cluster: ClusterOptions | undefined;
  if (membersCount > 1) {
    const member = values['cluster.member-num'] ?? env.POD_NAME;
    if (member === undefined) throw new ScrapewireError('ERR_USAGE', '--cluster.member-num is required with --cluster.members-count > 1');
    cluster = {
      membersCount,
      memberNum: memberNumFrom(member),
      replicationFactor: integer('cluster.replication-factor', values['cluster.replication-factor'], 1),
    };
    checkClusterOptions(cluster);
  }
  const readTimeoutText = values['web.read-timeout'];
  const readTimeoutMs = readTimeoutText === undefined ? DEFAULT_WEB_LIMITS.readTimeoutMs : parseDuration(readTimeoutText);
  if (readTimeoutMs === undefined) throw new ScrapewireError('ERR_USAGE', `--web.read-timeout must be a duration such as 30s or 5m, not "${readTimeoutText}"`);
  const paceText = values['gc.pace-bytes'];
  const gcPaceBytes = paceText === undefined ? DEFAULT_GC_PACE_BYTES : parseSize(paceText);
  if (gcPaceBytes === undefined) throw new ScrapewireError('ERR_USAGE', `--gc.pace-bytes must be a size such as 8MiB or 0, not "${paceText}"`);
  return {
    configFile: values['config.file'],
    listenAddress: values['web.listen-address'] ?? '127.0.0.1:9090',
    storagePath: values['storage.path'] ?? 'data/scrapewire',
    enableDebug: values['web.enable-debug'] ?? false,
    enableLifecycle: values['web.enable-lifecycle'] ?? false,
    webConfigFile: values['web.config.file'],
    enableSink: values['web.enable-sink'],
    readTimeoutMs,
    maxConnections: integer('web.max-connections', values['web.max-connections'], DEFAULT_WEB_LIMITS.maxConnections),
    logLevel: level,
    rootPath: values['root-path'] ?? env.ROOT_PATH,
    cluster,
    shutdownDeadlineMs: integer('shutdown.deadline', values['shutdown.deadline'], 10) * 1000,
    gcPaceBytes,
    maxConcurrentFetches: integer('scrape.max-concurrent-fetches', values['scrape.max-concurrent-fetches'], DEFAULT_MAX_CONCURRENT_FETCHES),
    scrapeWorkers: parseScrapeWorkers(values['scrape.workers']),
  };
}

/** Runs the collector until SIGTERM/SIGINT or POST /-/quit; SIGHUP reloads. Resolves with the exit code. */
export async function runCollector(args: string[], io: CommandIo): Promise<number> {
  const flags = parseRunFlags(args);
  applyCompileFlags();
  const logger = createLogger({ level: flags.logLevel });
  enableGcPacing({ everyBytes: flags.gcPaceBytes });
  // Signals are handled from the start: a SIGTERM that comes while the collector starts (or
  // right after it printed its address, before anything else ran) must stop it cleanly, not
  // kill it with the default action. A stop asked for during start runs once start returns.
  let collector: Collector | undefined;
  let progress: NodeJS.Timeout | undefined;
  let stopping = false;
  let resolveExit!: (code: number) => void;
  const exit = new Promise<number>((resolve) => { resolveExit = resolve; });
  const stopCollector = (running: Collector): void => {
    if (progress) clearInterval(progress);
    running.stop().then(
      () => resolveExit(0),
      (err: unknown) => {
        logger.error({ err: (err as Error).message }, 'shutdown failed');
        resolveExit(1);
      },
    );
  };
  const onHup = (): void => {
    if (collector === undefined) return;
    collector.reload().catch((err: unknown) => logger.error({ err: (err as Error).message }, 'reload failed'));
  };
  const onStop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    process.off('SIGHUP', onHup);
    if (collector !== undefined) stopCollector(collector);
  };
  const onTerm = (): void => onStop('SIGTERM');
  const onInt = (): void => onStop('SIGINT');
  process.on('SIGHUP', onHup);
  process.once('SIGTERM', onTerm);
  process.once('SIGINT', onInt);
  try {
    collector = await Collector.start({
      configFile: flags.configFile,
      listenAddress: flags.listenAddress,
      storagePath: flags.storagePath,
      enableDebug: flags.enableDebug,
      enableLifecycle: flags.enableLifecycle,
      webConfigFile: flags.webConfigFile,
      enableSink: flags.enableSink,
      webLimits: { readTimeoutMs: flags.readTimeoutMs, maxConnections: flags.maxConnections },
      maxConcurrentFetches: flags.maxConcurrentFetches,
      scrapeWorkers: flags.scrapeWorkers,
      // Measurement only (bench/RESULTS.md, scrape workers): N worker threads beside a main thread that only delivers.
      scrapeWorkersIncludeMain: process.env.SCRAPEWIRE_BENCH_WORKERS_MAIN_DELIVERS_ONLY === '1' ? false : undefined,
      logger,
      cluster: flags.cluster,
      // --root-path reaches discovery the way ROOT_PATH does (ScrapeManager's in-cluster settings).
      env: flags.rootPath === undefined ? process.env : { ...process.env, ROOT_PATH: flags.rootPath },
      shutdownDeadlineMs: flags.shutdownDeadlineMs,
      onQuit: () => onStop('/-/quit'),
    });
  } catch (err) {
    process.off('SIGHUP', onHup);
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
    throw err;
  }
  const base = `${collector.scheme}://${collector.address}`;
  if (stopping) {
    stopCollector(collector);
    return exit;
  }
  const running = collector;
  progress = flags.configFile === undefined
    ? setInterval(() => {
        const sink = running.sinkStats();
        logger.info({ samples: sink.samples, requests: sink.requests, series: sink.series }, 'built-in sink received');
      }, 10_000).unref()
    : undefined;
  io.stderr.write(
    `scrapewire is running: ${base}/targets` +
      (flags.configFile === undefined ? `, delivering to its built-in sink: ${base}/sink` : '') +
      '\n',
  );
  return exit;
}
