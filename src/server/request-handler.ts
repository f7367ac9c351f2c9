/**
 * The one entry for every request the web server receives. Whatever a client sends, and
 * whatever a handler does, nothing leaves it as an exception: its body is an async function
 * whose rejection is caught, and the catch itself cannot throw. A handler that fails answers 500
 * (or ends the connection when its answer had begun) and is logged; the process goes on.
 *
 * Order, as the exporter toolkit's handler has it, then Prometheus's router: response headers
 * of the web configuration, the request target (400 when it cannot be parsed), rate limit (429),
 * basic authentication (401), the route (404, 405), debug access (403), the handler.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { BasicAuthenticator, parseBasicAuthorization } from './basic-auth';
import { TokenBucket } from './rate-limit';
import { parseRequestTarget, type RequestTarget } from './request-target';
import { sendNotFound, sendText } from './respond';
import { sendMethodNotAllowed, type RequestContext, type Route } from './routes';
import type { ServerMetrics } from './server-metrics';
import { hasVerifiedClientCertificate } from './tls-settings';
import type { Logger } from './types';
import type { WebSecurity } from './web-security';

export interface RequestListenerOptions {
  routes: ReadonlyMap<string, Route>;
  security: WebSecurity;
  logger: Logger;
  metrics: ServerMetrics;
  /**
   * True when this request can only come from this host: the server is bound to a loopback
   * address, or (mounted on a host's server) the request arrived on a loopback address.
   */
  loopbackOnly(req: IncomingMessage): boolean;
  /** Controllers of the requests being handled, aborted when the server closes. */
  inFlight: Set<AbortController>;
}

const ignore = (): void => {};

/**
 * Where a listener is mounted on a host's server (Express, Fastify, node:http): the routes are
 * served under `prefix` (`/scrapewire/metrics`...). Absent, the listener owns the whole path
 * space (the collector's own server).
 */
export interface MountOptions {
  /**
   * Path prefix of the routes, without a trailing slash (`/scrapewire`). Default: Express's
   * `req.baseUrl` when mounted with `app.use(path, handler)`, else none.
   */
  prefix?: string;
}

/**
 * A request listener with Node's `(req, res)` signature; `next`, when given (Express, Connect),
 * is called for a request outside the prefix, so the host's other routes can answer it.
 */
export type RequestListener = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void;

/** A request as routed: its target with the mount prefix taken off, and that prefix. */
interface Located {
  target: RequestTarget;
  /** The prefix the routes are served under ('' on the collector's own server). */
  base: string;
}

/**
 * The request target to route by. Express rewrites `req.url` under a mount and keeps the
 * request line in `req.originalUrl`: the prefix is always taken off the original target.
 * 'outside' when the path is not under the prefix; undefined when it cannot be parsed.
 */
function locate(req: IncomingMessage, mount: MountOptions | undefined): Located | 'outside' | undefined {
  const express = req as IncomingMessage & { originalUrl?: unknown; baseUrl?: unknown };
  const raw = mount === undefined ? req.url : typeof express.originalUrl === 'string' ? express.originalUrl : req.url;
  const target = parseRequestTarget(raw);
  if (target === undefined) return undefined;
  if (mount === undefined) return { target, base: '' };
  const prefix = (mount.prefix ?? (typeof express.baseUrl === 'string' ? express.baseUrl : '')).replace(/\/+$/, '');
  if (prefix === '') return { target, base: '' };
  if (target.path !== prefix && !target.path.startsWith(`${prefix}/`)) return 'outside';
  return { target: { path: target.path.slice(prefix.length) || '/', query: target.query }, base: prefix };
}

/** True when the request announced a body that nobody has read. */
function hasUnreadBody(req: IncomingMessage): boolean {
  if (req.readableEnded) return false;
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * An answer given without reading the request's body: the connection is closed after it, so a
 * refused upload is not read and thrown away just to keep the connection.
 */
export function refuse(req: IncomingMessage, res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  sendText(res, status, text, hasUnreadBody(req) ? { connection: 'close', ...headers } : headers);
}

/**
 * The guarded entry. With `mount`, the listener serves its routes under a prefix of a host's
 * server (see MountOptions) and hands requests outside it to `next` when there is one.
 */
export function createRequestListener(options: RequestListenerOptions, mount?: MountOptions): RequestListener {
  const { routes, security, logger, metrics, inFlight } = options;
  const authenticator = new BasicAuthenticator();
  let bucket: TokenBucket | undefined;

  const rateLimited = (limit: { intervalMs: number; burst: number } | undefined): boolean => {
    if (limit === undefined) {
      bucket = undefined;
      return false;
    }
    if (bucket === undefined || bucket.intervalMs !== limit.intervalMs || bucket.burst !== limit.burst) bucket = new TokenBucket(limit.intervalMs, limit.burst);
    return !bucket.take();
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, labels: { handler: string }, located: Located | 'outside' | undefined): Promise<void> => {
    const active = security.current();
    for (const [name, value] of Object.entries(active.config.headers)) res.setHeader(name, value);
    if (located === 'outside') {
      // Mounted without `next`: nothing of the host's to hand the request to.
      if (hasUnreadBody(req)) res.setHeader('connection', 'close');
      sendNotFound(res);
      return;
    }
    if (located === undefined) {
      metrics.clientErrors.inc({ reason: 'malformed' });
      refuse(req, res, 400, 'Bad Request: malformed request target\n', { connection: 'close' });
      return;
    }
    const { target, base } = located;
    const route = routes.get(target.path);
    if (route !== undefined) labels.handler = target.path;
    if (rateLimited(active.config.rateLimit)) {
      refuse(req, res, 429, 'Too Many Requests\n');
      return;
    }
    const users = active.config.basicAuthUsers;
    if (users.size > 0) {
      const outcome = await authenticator.check(users, parseBasicAuthorization(req.headers.authorization));
      if (outcome === 'busy') {
        refuse(req, res, 429, 'Too Many Requests: too many authentications in progress\n', { 'retry-after': '1' });
        return;
      }
      if (outcome === 'denied') {
        refuse(req, res, 401, 'Unauthorized\n', { 'www-authenticate': 'Basic' });
        return;
      }
    }
    if (route === undefined) {
      if (hasUnreadBody(req)) res.setHeader('connection', 'close');
      sendNotFound(res);
      return;
    }
    if (!route.methods.includes(req.method ?? '')) {
      if (hasUnreadBody(req)) res.setHeader('connection', 'close');
      sendMethodNotAllowed(res, route);
      return;
    }
    if (route.debug === true && !options.loopbackOnly(req)) {
      const certified = active.tls !== undefined && hasVerifiedClientCertificate(req.socket as TLSSocket);
      if (users.size === 0 && !certified) {
        refuse(req, res, 403, 'Forbidden: debug endpoints need an authenticated request (basic_auth_users, or a client certificate verified against client_ca_file)\n');
        return;
      }
    }
    const controller = new AbortController();
    inFlight.add(controller);
    res.once('close', () => {
      inFlight.delete(controller);
      controller.abort();
    });
    const context: RequestContext = { req, res, query: target.query, signal: controller.signal, base };
    await route.handle(context);
  };

  const fail = (req: IncomingMessage, res: ServerResponse, error: unknown): void => {
    try {
      logger.error({ err: error, method: req.method, path: parseRequestTarget(req.url)?.path }, 'HTTP handler failed');
      if (!res.headersSent) sendText(res, 500, 'internal server error\n', { connection: 'close' });
      else res.destroy();
    } catch {
      try {
        res.destroy();
      } catch {
        // Nothing left to do for this request.
      }
    }
  };

  return (req, res, next) => {
    try {
      const located = locate(req, mount);
      if (located === 'outside' && typeof next === 'function') {
        // The host's request: neither counted nor touched here.
        next();
        return;
      }
      // A client that resets the connection makes these streams emit 'error'; unheard, that
      // would be an uncaught exception.
      req.on('error', ignore);
      res.on('error', ignore);
      const labels = { handler: 'other' };
      res.once('finish', () => metrics.requests.inc({ handler: labels.handler, code: String(res.statusCode) }));
      handle(req, res, labels, located).catch((error: unknown) => fail(req, res, error));
    } catch (error) {
      fail(req, res, error);
    }
  };
}
