/**
 * The collector's own HTTP(S) server (node:http, no framework): self metrics, the targets page
 * and API, the lifecycle endpoints and, with enableDebug, heap snapshots and CPU profiles.
 *
 * Every byte a client sends is treated as hostile. Requests enter through one guarded listener
 * (request-handler.ts) that cannot throw; what Node's parser refuses (a malformed request line,
 * an unknown method, a bad chunk, a head over maxHeaderBytes, a timeout) reaches `clientError`,
 * which answers 400/408/431 and closes the connection. Timeouts and the connection cap come
 * from limits.ts; TLS, client certificates, basic authentication, response headers and a rate
 * limit from --web.config.file (web-security.ts), re-read when its files change.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { ScrapewireError } from '../errors';
import { silentLogger } from '../logger';
import { resolveWebLimits, TIMEOUT_CHECK_INTERVAL_MS, type WebLimits } from './limits';
import { formatListenAddress, parseListenAddress } from './listen-address';
import { isLoopbackAddress } from './loopback';
import type { ClientErrorReason, ServerMetrics } from './server-metrics';
import { clientCertificateProblem } from './tls-settings';
import type { Logger, RunningServer, ServerOptions } from './types';
import { createWebHandler, type WebHandler } from './web-handler';
import type { WebSecurity } from './web-security';

export { isLoopbackAddress };

const CLIENT_ERRORS: Record<string, { status: number; reason: ClientErrorReason }> = {
  HPE_HEADER_OVERFLOW: { status: 431, reason: 'header_too_large' },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: { status: 413, reason: 'header_too_large' },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, reason: 'timeout' },
};

/**
 * After answering a refused request, the connection is half-closed and what the client still
 * sends is read and dropped for this long before the socket is closed: closing a socket with
 * unread input sends a TCP reset, which can make the client lose the answer it has not read yet
 * (Go's net/http waits 500 ms for the same reason, rstAvoidanceDelay).
 */
const LINGER_MS = 1000;

/**
 * What Node's parser refused, or a request that timed out: a short answer when nothing was
 * written on the connection yet, then the connection is closed. Logged at debug level only: a
 * client can send as many of these as it likes, and the counter says how many.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex, lingering: WeakSet<Duplex>, metrics: ServerMetrics, logger: Logger): void {
  try {
    // The parser refuses every later chunk too: the answer is out, the linger timer closes it.
    if (lingering.has(socket)) return;
    const known = CLIENT_ERRORS[error.code ?? ''] ?? { status: 400, reason: 'malformed' as const };
    if (error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    metrics.clientErrors.inc({ reason: known.reason });
    logger.debug({ code: error.code, err: error.message }, 'request refused before it reached a handler');
    if (socket.writable && (socket as Socket).bytesWritten === 0) {
      lingering.add(socket);
      const body = `${http.STATUS_CODES[known.status]}\n`;
      socket.end(
        `HTTP/1.1 ${known.status} ${http.STATUS_CODES[known.status]}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      const timer = setTimeout(() => socket.destroy(), LINGER_MS);
      timer.unref();
      socket.once('close', () => clearTimeout(timer));
    } else {
      socket.destroy();
    }
  } catch {
    socket.destroy();
  }
}

/**
 * An HTTPS server whose certificate, key, CA, versions and client auth policy follow the web
 * configuration: before each new connection the configuration is checked (a stat() when nothing
 * changed) and a new version replaces the server's secure context. Node's tls.Server reads
 * `requestCert` and `rejectUnauthorized` from the server object for each connection it accepts
 * (lib/_tls_wrap.js, tlsConnectionListener), which is how a changed client_auth_type applies
 * without a restart; test/server/web-config-server.test.ts checks that it does.
 */
function createTlsServer(security: WebSecurity, httpOptions: http.ServerOptions, limits: WebLimits, metrics: ServerMetrics, logger: Logger): https.Server {
  const initial = security.current().tls!;
  const server = https.createServer({
    ...httpOptions,
    ...initial.contextOptions,
    requestCert: initial.requestCert,
    rejectUnauthorized: initial.rejectUnauthorized,
    handshakeTimeout: limits.tlsHandshakeTimeoutMs,
    ALPNProtocols: ['http/1.1'],
  });
  const switches = server as unknown as { requestCert: boolean; rejectUnauthorized: boolean };
  let version = security.version;
  server.prependListener('connection', () => {
    try {
      const tls = security.current().tls!;
      if (security.version === version) return;
      server.setSecureContext(tls.contextOptions);
      switches.requestCert = tls.requestCert;
      switches.rejectUnauthorized = tls.rejectUnauthorized;
      version = security.version;
    } catch (error) {
      logger.error({ err: (error as Error).message }, 'cannot apply the new TLS settings; the previous ones stay in force');
    }
  });
  server.prependListener('secureConnection', (socket: TLSSocket) => {
    const problem = clientCertificateProblem(socket, security.current().tls!.config);
    if (problem === undefined) return;
    metrics.clientErrors.inc({ reason: 'client_certificate' });
    logger.debug({ remote: socket.remoteAddress, reason: problem }, 'TLS connection refused');
    socket.destroy();
  });
  server.on('tlsClientError', (error: NodeJS.ErrnoException, socket: TLSSocket) => {
    metrics.clientErrors.inc({ reason: 'tls_handshake' });
    logger.debug({ remote: socket.remoteAddress, err: error.message }, 'TLS handshake failed');
    socket.destroy();
  });
  return server;
}

/**
 * Starts listening on `listenAddress` only; resolves once bound. Throws ConfigError for a bad web
 * configuration. `handler`: the endpoints to serve, when they are also mounted elsewhere (the
 * collector builds them once); by default they are built from `options`.
 */
export async function startServer(options: ServerOptions & { handler?: WebHandler }): Promise<RunningServer> {
  const logger = options.logger ?? silentLogger;
  const limits = resolveWebLimits(options.limits);
  const { host, port } = parseListenAddress(options.listenAddress);
  const web = options.handler ?? createWebHandler(options);
  const { security, metrics } = web;
  let loopbackOnly = false;

  const httpOptions: http.ServerOptions = {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.readTimeoutMs,
    keepAliveTimeout: limits.idleTimeoutMs,
    connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
    maxHeaderSize: limits.maxHeaderBytes,
    requireHostHeader: true,
  };
  const server: http.Server = security.tlsEnabled ? createTlsServer(security, httpOptions, limits, metrics, logger) : http.createServer(httpOptions);
  server.keepAliveTimeout = limits.idleTimeoutMs;
  if (limits.maxConnections > 0) server.maxConnections = limits.maxConnections;
  server.on('request', web.listener(() => loopbackOnly));
  const lingering = new WeakSet<Duplex>();
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => answerClientError(error, socket, lingering, metrics, logger));
  server.on('drop', () => metrics.connectionsDropped.inc());
  // Node closes a CONNECT silently when nobody listens: answer it like any other method it cannot use.
  server.on('connect', (_req: http.IncomingMessage, socket: Duplex) => {
    socket.on('error', () => socket.destroy());
    socket.end('HTTP/1.1 405 Method Not Allowed\r\nConnection: close\r\nContent-Length: 0\r\n\r\n', () => socket.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(
        new ScrapewireError('ERR_USAGE', `cannot listen on ${options.listenAddress}: ${error.code ?? error.message}`, {
          cause: error,
        }),
      );
    };
    server.once('error', onError);
    server.listen({ host, port }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (error) => logger.error({ err: error }, 'HTTP server error'));

  const bound = server.address() as AddressInfo;
  const address = formatListenAddress(bound.address, bound.port);
  loopbackOnly = isLoopbackAddress(bound.address);
  if (options.enableDebug && !loopbackOnly) {
    const active = security.current();
    if (active.config.basicAuthUsers.size === 0 && active.tls?.config.clientAuthType !== 'RequireAndVerifyClientCert') {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      throw new ScrapewireError(
        'ERR_USAGE',
        `--web.enable-debug on ${options.listenAddress}, which is not a loopback address, needs authentication: ` +
          'basic_auth_users or tls_server_config.client_auth_type RequireAndVerifyClientCert in --web.config.file ' +
          '(a heap snapshot holds every secret of the process); or listen on 127.0.0.1',
      );
    }
  }
  const scheme = security.tlsEnabled ? 'https' : 'http';
  logger.info({ address, scheme, debug: options.enableDebug, lifecycle: options.enableLifecycle === true }, 'HTTP server listening');

  let closing: Promise<void> | undefined;
  return {
    address,
    port: bound.port,
    scheme,
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve, reject) => {
        web.close();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
        // Give answers already being written a moment, then end every connection, so a
        // keep-alive client or a 300 s profile cannot hold the shutdown.
        setImmediate(() => server.closeAllConnections());
      });
      return closing;
    },
  };
}
