/**
 * The web server's endpoints as one request listener, independent of who listens: the
 * collector's own node:http(s) server (server.ts), or a host's server they are mounted on
 * (`Collector.handler()`: Express, Fastify, plain node:http), under a path prefix. Either way
 * every request goes through the one guarded entry (request-handler.ts): nothing a client sends
 * and nothing a handler does leaves it as an exception.
 *
 * ```ts
 * const web = createWebHandler({ registry, targets, control, enableDebug: false });
 * http.createServer(web.mount({ prefix: '/scrapewire' })).listen(8080);   // /scrapewire/metrics...
 * web.close();                                                              // ends requests in flight
 * ```
 */
import type { IncomingMessage } from 'node:http';
import { ConfigError } from '../config/errors';
import { silentLogger } from '../logger';
import { createRequestListener, type MountOptions, type RequestListener } from './request-handler';
import { buildRoutes } from './routes';
import { createServerMetrics, type ServerMetrics } from './server-metrics';
import { isLoopbackAddress } from './loopback';
import type { WebHandlerOptions } from './types';
import { WebSecurity } from './web-security';

export type { MountOptions, RequestListener };

export interface WebHandler {
  /** The web configuration in force (headers, basic auth, rate limit; TLS on the own server). */
  readonly security: WebSecurity;
  readonly metrics: ServerMetrics;
  /** The listener of the collector's own server: every path is the collector's. */
  listener(loopbackOnly: () => boolean): RequestListener;
  /**
   * A listener for a host's server: the routes under `prefix`; debug endpoints (when enabled)
   * only for requests that arrived on a loopback address or authenticated.
   */
  mount(options?: MountOptions): RequestListener;
  /** Aborts the requests being handled (a running CPU profile), on every listener. */
  close(): void;
}

/** Builds the routes and loads the web configuration; throws ConfigError for a bad one. */
export function createWebHandler(options: WebHandlerOptions, { mountedOnly = false } = {}): WebHandler {
  const logger = options.logger ?? silentLogger;
  const security = options.webConfigFile === undefined ? WebSecurity.none() : WebSecurity.load(options.webConfigFile, logger, options.registry);
  if (mountedOnly && security.tlsEnabled) {
    throw new ConfigError([{ file: options.webConfigFile!, line: 0, message: 'tls_server_config: the collector has no server of its own (listen: false); TLS is the host server\'s' }]);
  }
  const metrics = createServerMetrics(options.registry);
  const routes = buildRoutes(options, logger);
  const inFlight = new Set<AbortController>();
  const common = { routes, security, logger, metrics, inFlight };
  const arrivedOnLoopback = (req: IncomingMessage): boolean => isLoopbackAddress(req.socket?.localAddress ?? '');
  return {
    security,
    metrics,
    listener: (loopbackOnly) => createRequestListener({ ...common, loopbackOnly: () => loopbackOnly() }),
    mount: (mount = {}) => createRequestListener({ ...common, loopbackOnly: arrivedOnLoopback }, mount),
    close: () => {
      for (const controller of inFlight) controller.abort();
    },
  };
}
