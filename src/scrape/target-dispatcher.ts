/**
 * The undici dispatcher of a target: a keep-alive Agent carrying the target's TLS settings
 * (ca_file, cert_file/key_file, server_name, insecure_skip_verify). Redirects are followed by the
 * scrape's own handler (scrape-exchange.ts), not by undici's interceptor.
 *
 * Given the scrape loop's ConnectionPools, the Agent is shared with every target whose connection
 * settings are equal (connection-pools.ts: one pool of sockets per host:port); without, the
 * target has an Agent of its own with one connection per origin.
 *
 * The TLS files are checked (one stat each) at every scrape; when one changed, the dispatcher
 * moves to the Agent for the new material and releases the old one, which closes gracefully
 * (requests in flight on it finish) once nobody holds it. Without TLS files the same Agent lives
 * until close().
 */

import type { Dispatcher } from 'undici';

import { ScrapewireError } from '../errors';
import { ConnectionPools, type ConnectionLease } from './connection-pools';
import type { ResolvedHttpTarget } from './http-target-options';
import { WatchedFile } from './watched-file';

/**
 * One connection per origin for a target with an Agent of its own. Without a cap, undici opens a
 * second socket when a scrape starts in the instant between the previous body's end and its
 * socket being marked idle (seen on loopback: 3 back-to-back scrapes used 2 connections). Scrapes
 * of one target do not overlap (single-flight per source), and one that does waits for the socket
 * under its own deadline. Shared pools have no cap (connection-pools.ts).
 */
const CONNECTIONS_PER_ORIGIN = 1;

export class TargetDispatcher {
  private readonly caFile?: WatchedFile;
  private readonly certFile?: WatchedFile;
  private readonly keyFile?: WatchedFile;
  private readonly pools: ConnectionPools;
  private readonly shared: boolean;
  private lease: ConnectionLease | undefined;
  private dispatcher: Dispatcher | undefined;
  /** Generations of the TLS files the current lease was taken for. */
  private builtFrom = '';
  private closed = false;

  /** `pools`: the scrape loop's shared connections; absent, the target has an Agent of its own. */
  constructor(private readonly resolved: ResolvedHttpTarget, pools?: ConnectionPools) {
    this.shared = pools !== undefined;
    this.pools = pools ?? new ConnectionPools();
    const tls = resolved.options.tls ?? {};
    // TLS material matters only for https; an http target never reads the files.
    if (resolved.requestUrl.protocol === 'https:') {
      if (tls.caFile !== undefined) this.caFile = new WatchedFile(tls.caFile, 'tls.caFile');
      if (tls.certFile !== undefined) this.certFile = new WatchedFile(tls.certFile, 'tls.certFile');
      if (tls.keyFile !== undefined) this.keyFile = new WatchedFile(tls.keyFile, 'tls.keyFile');
    }
  }

  /**
   * The dispatcher for this scrape without a promise, when there is nothing to check (no TLS
   * file, and the Agent already leased); undefined means: call current().
   */
  ready(): Dispatcher | undefined {
    if (this.closed || this.caFile !== undefined || this.certFile !== undefined || this.keyFile !== undefined) return undefined;
    return this.dispatcher;
  }

  /** The dispatcher for this scrape, moved to another Agent first if a TLS file changed since the last one. */
  async current(): Promise<Dispatcher> {
    if (this.closed) {
      throw new ScrapewireError('ERR_USAGE', 'scrape after close()', { target: this.resolved.target });
    }
    const { target } = this.resolved;
    const [ca, cert, key] = await Promise.all([
      this.caFile?.read(target),
      this.certFile?.read(target),
      this.keyFile?.read(target),
    ]);
    const generations = [this.caFile, this.certFile, this.keyFile].map((file) => file?.generation ?? 0).join(':');
    if (this.dispatcher !== undefined && generations === this.builtFrom) return this.dispatcher;
    if (this.closed) throw new ScrapewireError('ERR_USAGE', 'scrape after close()', { target });

    const tls = this.resolved.options.tls ?? {};
    const lease = this.pools.acquire({
      ca,
      cert,
      key,
      serverName: tls.serverName,
      rejectUnauthorized: tls.insecureSkipVerify !== true,
      connectTimeoutMs: this.resolved.options.scrapeTimeoutMs,
      connectionsPerOrigin: this.shared ? undefined : CONNECTIONS_PER_ORIGIN,
    });
    const previous = this.lease;
    this.lease = lease;
    this.dispatcher = lease.agent;
    this.builtFrom = generations;
    // Requests in flight on the old Agent finish; it takes no new ones of this target.
    if (previous !== undefined) previous.release().catch(() => undefined);
    return this.dispatcher;
  }

  /** Releases the Agent: the last user closes it (requests in flight finish, then keep-alive sockets close). */
  async close(): Promise<void> {
    this.closed = true;
    const lease = this.lease;
    this.lease = undefined;
    this.dispatcher = undefined;
    if (lease !== undefined) await lease.release();
  }
}
