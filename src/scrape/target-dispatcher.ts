/**
 * The one undici dispatcher of a target: a keep-alive Agent carrying the target's TLS settings
 * (ca_file, cert_file/key_file, server_name, insecure_skip_verify), plus the redirect
 * interceptor when redirects are followed.
 *
 * The TLS files are checked (one stat each) at every scrape; when one changed, a new Agent is
 * built with the new material and the old one is closed gracefully (requests in flight on it
 * finish). Without TLS files the same Agent lives until close().
 */

import { Agent, interceptors, type Dispatcher } from 'undici';

import { ScrapewireError } from '../errors';
import type { ResolvedHttpTarget } from './http-target-options';
import { WatchedFile } from './watched-file';

/** Go's http.Client gives up after 10 redirects; so does Prometheus. */
export const MAX_REDIRECTS = 10;

/** Idle keep-alive sockets are kept this long; targets are scraped every few seconds. */
const KEEP_ALIVE_TIMEOUT_MS = 60_000;

/**
 * One connection per origin. Without a cap, undici opens a second socket when a scrape starts
 * in the instant between the previous body's end and its socket being marked idle (seen on
 * loopback: 3 back-to-back scrapes used 2 connections). Scrapes of one target do not overlap
 * (single-flight per source), and one that does waits for the socket under its own deadline.
 */
const CONNECTIONS_PER_ORIGIN = 1;

export class TargetDispatcher {
  private readonly caFile?: WatchedFile;
  private readonly certFile?: WatchedFile;
  private readonly keyFile?: WatchedFile;
  private agent: Agent | undefined;
  private dispatcher: Dispatcher | undefined;
  /** Generations of the TLS files the current agent was built from. */
  private builtFrom = '';
  private closed = false;

  constructor(private readonly resolved: ResolvedHttpTarget) {
    const tls = resolved.options.tls ?? {};
    // TLS material matters only for https; an http target never reads the files.
    if (resolved.requestUrl.protocol === 'https:') {
      if (tls.caFile !== undefined) this.caFile = new WatchedFile(tls.caFile, 'tls.caFile');
      if (tls.certFile !== undefined) this.certFile = new WatchedFile(tls.certFile, 'tls.certFile');
      if (tls.keyFile !== undefined) this.keyFile = new WatchedFile(tls.keyFile, 'tls.keyFile');
    }
  }

  /** The dispatcher for this scrape, rebuilt first if a TLS file changed since the last one. */
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

    const tls = this.resolved.options.tls ?? {};
    const agent = new Agent({
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      connections: CONNECTIONS_PER_ORIGIN,
      // The scrape's own deadline covers headers and body; undici's timers would only race it.
      headersTimeout: 0,
      bodyTimeout: 0,
      connect: {
        ca,
        cert,
        key,
        servername: tls.serverName,
        rejectUnauthorized: tls.insecureSkipVerify !== true,
        timeout: this.resolved.options.scrapeTimeoutMs,
      },
    });
    const previous = this.agent;
    this.agent = agent;
    this.dispatcher = this.resolved.followRedirects
      ? agent.compose(interceptors.redirect({ maxRedirections: MAX_REDIRECTS }))
      : agent;
    this.builtFrom = generations;
    // Requests in flight on the old agent finish; it takes no new ones.
    if (previous !== undefined) previous.close().catch(() => undefined);
    return this.dispatcher;
  }

  /** Closes the agent: waits for requests in flight, then closes keep-alive sockets. */
  async close(): Promise<void> {
    this.closed = true;
    const agent = this.agent;
    this.agent = undefined;
    this.dispatcher = undefined;
    if (agent !== undefined) await agent.close();
  }
}
