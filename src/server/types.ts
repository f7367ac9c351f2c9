/**
 * The collector's own HTTP server depends on the rest of the process only through these small
 * interfaces: the scrape loop implements TargetProvider, the CLI implements CollectorControl.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { Logger } from '../logger';
import type { WebLimits } from './limits';

export type { Logger };

/** A target's health after its last scrape (`unknown` before the first). */
import type { TargetHealth } from '../scrape/target';

export type { TargetHealth };

/** One scrape target as the scrape loop last saw it. */
export interface TargetStatus {
  job: string;
  scrapeUrl: string;
  /** Target labels after relabeling. */
  labels: Record<string, string>;
  /** Labels as service discovery produced them, before relabeling. */
  discoveredLabels: Record<string, string>;
  health: TargetHealth;
  lastScrape?: Date;
  lastScrapeDurationSeconds?: number;
  lastError?: string;
  seriesCount?: number;
  scrapeIntervalSeconds: number;
  scrapeTimeoutSeconds: number;
}

export interface TargetProvider {
  /** A fresh list on every call; the server never keeps it between requests. */
  targets(): TargetStatus[];
}

export interface CollectorControl {
  ready(): boolean;
  /** Rereads the configuration; throws a ScrapewireError with code ERR_CONFIG on a bad config. */
  reload(): Promise<void>;
  /** Starts a graceful stop (POST /-/quit, answered first). Absent: the server has no /-/quit. */
  quit?(): void;
}

/** What the web server's endpoints serve, wherever they are served: its own port or a host's server. */
export interface WebHandlerOptions {
  /** Exposed on /metrics; see createSelfMetricsRegistry(). */
  registry: Registry;
  /**
   * Metrics of other registries to serve on /metrics with `registry`'s (prom-client's
   * getMetricsAsJSON of each): the scrape workers' (--scrape.workers), labelled `worker`. Families
   * of one name are merged into one.
   */
  extraMetrics?: () => Promise<unknown[][]>;
  targets: TargetProvider;
  control: CollectorControl;
  /**
   * Serves /debug/heap and /debug/profile; they are 404 otherwise. On an address that is not
   * loopback they need an authenticated request (basic_auth_users, or a client certificate
   * verified against client_ca_file): the collector's own server refuses to start when
   * webConfigFile provides neither; mounted on a host's server, a request that did not arrive on
   * a loopback address is refused (403) unless it authenticated.
   */
  enableDebug: boolean;
  /** Serves POST/PUT /-/reload and /-/quit (Prometheus's --web.enable-lifecycle); 403 otherwise. */
  enableLifecycle?: boolean;
  /**
   * An exporter-toolkit web configuration (TLS, client certificates, basic auth, headers, rate
   * limit); re-read on change. On a host's server (mounted), TLS is the host's: a
   * tls_server_config is refused.
   */
  webConfigFile?: string;
  /** More endpoints (the built-in sink and demo page); a path already served is an error. */
  routes?: ExtraRoute[];
  /** Defaults to a logger that drops everything. */
  logger?: Logger;
}

export interface ServerOptions extends WebHandlerOptions {
  /** `host:port`, `[ipv6]:port`, or `:port` for every interface. Port 0 picks a free port. */
  listenAddress: string;
  /** Timeouts, connection cap and head size; DEFAULT_WEB_LIMITS where absent. */
  limits?: Partial<WebLimits>;
}

export interface ExtraRoute {
  path: string;
  methods: readonly string[];
  /**
   * Called inside the server's guarded entry: a throw or a rejection is logged and answered 500
   * (or ends the connection once an answer has started); it never reaches the process.
   */
  handle(req: IncomingMessage, res: ServerResponse): void | Promise<void>;
}

export interface RunningServer {
  /** The bound address as `host:port` (`[host]:port` for IPv6), with the real port when 0 was asked for. */
  address: string;
  /** `http` or `https` (tls_server_config in the web configuration). */
  scheme: 'http' | 'https';
  port: number;
  /** Stops accepting connections, ends running debug profiles and closes open connections. */
  close(): Promise<void>;
}
