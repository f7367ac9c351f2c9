/**
 * The collector's own HTTP server depends on the rest of the process only through these small
 * interfaces: the scrape loop implements TargetProvider, the CLI implements CollectorControl.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { Logger } from '../remote/logger';

export type { Logger };

export type TargetHealth = 'up' | 'down' | 'unknown';

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
}

export interface ServerOptions {
  /** `host:port`, `[ipv6]:port`, or `:port` for every interface. Port 0 picks a free port. */
  listenAddress: string;
  /** Exposed on /metrics; see createSelfMetricsRegistry(). */
  registry: Registry;
  targets: TargetProvider;
  control: CollectorControl;
  /** Serves /debug/heap and /debug/profile; they are 404 otherwise. */
  enableDebug: boolean;
  /** More endpoints (the built-in sink and demo page); a path already served is an error. */
  routes?: ExtraRoute[];
  /** Defaults to a logger that drops everything. */
  logger?: Logger;
}

export interface ExtraRoute {
  path: string;
  methods: readonly string[];
  handle(req: IncomingMessage, res: ServerResponse): void | Promise<void>;
}

export interface RunningServer {
  /** The bound address as `host:port` (`[host]:port` for IPv6), with the real port when 0 was asked for. */
  address: string;
  port: number;
  /** Stops accepting connections, ends running debug profiles and closes open connections. */
  close(): Promise<void>;
}
