/**
 * ConnectionPools: the keep-alive connections of a scrape loop, shared by its targets. One undici
 * Agent per set of connection settings (the TLS material by content, server name, verification
 * and connect timeout); an Agent keeps one pool of sockets per origin, so every target on one
 * host:port (the kubelet's /metrics, /metrics/cadvisor, /metrics/probes; a thousand pods behind
 * one address) draws from one pool, as Go's Transport does for a Prometheus scrape pool.
 *
 * Why: a pool per target keeps a socket per target open between scrapes. With 2,000 targets on
 * one host scraped every second, only the few scrapes in flight at any instant need a socket
 * (phases are spread over the interval: scrape-loop.ts), so a shared pool holds that many instead
 * of 2,000 (bench/RESULTS.md, the "many" scenario).
 *
 * A pool has no cap on sockets per origin (Prometheus has none either): a capped pool would make
 * one slow page hold up the other targets of its host, each waiting under its own deadline.
 * Idle sockets close after KEEP_ALIVE_TIMEOUT_MS.
 *
 * Each user holds a lease; the Agent closes (gracefully: requests in flight finish) when its last
 * lease is released. A target whose TLS files change gets a lease on the Agent for the new
 * contents and releases the old one.
 */
import { createHash } from 'node:crypto';
import { Agent } from 'undici';

/** Idle keep-alive sockets are kept this long; targets are scraped every few seconds. */
export const KEEP_ALIVE_TIMEOUT_MS = 60_000;

/** What a connection is made with: targets whose settings are equal share connections. */
export interface ConnectionSettings {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  serverName?: string;
  rejectUnauthorized: boolean;
  /** Time to establish a connection (TCP and TLS), ms. */
  connectTimeoutMs: number;
  /**
   * Sockets per origin at most; undefined for no cap. A target alone in its pool (ConnectionPools
   * not shared) uses 1: its scrapes never overlap.
   */
  connectionsPerOrigin?: number;
}

/** A hold on a shared Agent, given back with release(). */
export interface ConnectionLease {
  /** The undici Agent to send requests through. */
  readonly agent: Agent;
  /** The settings' key: equal keys, same Agent. */
  readonly key: string;
  /** Gives the Agent back; the last lease closes it (requests in flight finish first). */
  release(): Promise<void>;
}

/** The key of a set of settings; TLS material by a digest of its contents, never the contents. */
export function connectionKey(settings: ConnectionSettings): string {
  const digest = (buffer: Buffer | undefined): string =>
    buffer === undefined ? '-' : createHash('sha256').update(buffer).digest('base64url');
  return [
    digest(settings.ca),
    digest(settings.cert),
    digest(settings.key),
    settings.serverName ?? '-',
    settings.rejectUnauthorized ? 'verify' : 'insecure',
    settings.connectTimeoutMs,
    settings.connectionsPerOrigin ?? 'unlimited',
  ].join('|');
}

/** A fresh keep-alive Agent for `settings`. */
export function createAgent(settings: ConnectionSettings): Agent {
  return new Agent({
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    connections: settings.connectionsPerOrigin ?? null,
    // The scrape's own deadline covers headers and body; undici's timers would only race it.
    headersTimeout: 0,
    bodyTimeout: 0,
    connect: {
      ca: settings.ca,
      cert: settings.cert,
      key: settings.key,
      servername: settings.serverName,
      rejectUnauthorized: settings.rejectUnauthorized,
      timeout: settings.connectTimeoutMs,
    },
  });
}

/** One Agent and its leases. */
interface PoolEntry {
  agent: Agent;
  leases: number;
}

/**
 * Keep-alive connection pools shared by many targets: one undici Agent per set of connection
 * settings, each holding one pool per origin. Pass one to several `HttpScraper`s so that targets
 * on one host:port reuse sockets instead of opening one each.
 */
export class ConnectionPools {
  private readonly agents = new Map<string, PoolEntry>();

  /** Agents open (distinct connection settings in use). */
  get size(): number {
    return this.agents.size;
  }

  /** A lease on the Agent for `settings`, created on first use. */
  acquire(settings: ConnectionSettings): ConnectionLease {
    const key = connectionKey(settings);
    let entry = this.agents.get(key);
    if (entry === undefined) {
      entry = { agent: createAgent(settings), leases: 0 };
      this.agents.set(key, entry);
    }
    entry.leases++;
    const held = entry;
    let released = false;
    return {
      agent: held.agent,
      key,
      release: async () => {
        if (released) return;
        released = true;
        held.leases--;
        if (held.leases > 0) return;
        if (this.agents.get(key) === held) this.agents.delete(key);
        await held.agent.close();
      },
    };
  }
}
