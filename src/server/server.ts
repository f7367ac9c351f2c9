/**
 * The collector's own HTTP server (node:http, no framework): self metrics, the targets page and
 * API, the lifecycle endpoints and, with enableDebug, heap snapshots and CPU profiles.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ScrapewireError } from '../core/errors';
import { silentLogger } from '../remote/logger';
import { handleCpuProfile, handleHeapSnapshot } from './debug';
import { ReloadHandler, handleHealthy, handleReady } from './lifecycle';
import { formatListenAddress, parseListenAddress } from './listen-address';
import { sendJson, sendNotFound, sendText } from './respond';
import { buildTargetsResponse } from './targets-api';
import { renderTargetsPage } from './targets-page';
import { TARGETS_PAGE_CSP } from './targets-page-assets';
import type { RunningServer, ServerOptions } from './types';

interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  query: URLSearchParams;
  /** Aborted when the client disconnects or the server closes. */
  signal: AbortSignal;
}

interface Route {
  /** HEAD is allowed wherever GET is; node:http drops the body of a HEAD response. */
  methods: readonly string[];
  handle(context: RequestContext): void | Promise<void>;
}

const READ = ['GET', 'HEAD'] as const;

function buildRoutes(options: ServerOptions, logger: NonNullable<ServerOptions['logger']>): Map<string, Route> {
  const { registry, targets, control } = options;
  const reload = new ReloadHandler(control, logger);
  const routes = new Map<string, Route>([
    [
      '/',
      {
        methods: READ,
        handle: ({ res }) => {
          res.writeHead(302, { location: '/targets' });
          res.end();
        },
      },
    ],
    [
      '/metrics',
      {
        methods: READ,
        handle: async ({ res }) => {
          const text = await registry.metrics();
          sendText(res, 200, text, { 'content-type': registry.contentType });
        },
      },
    ],
    ['/-/healthy', { methods: READ, handle: ({ res }) => handleHealthy(res) }],
    ['/-/ready', { methods: READ, handle: ({ res }) => handleReady(res, control) }],
    ['/-/reload', { methods: ['POST'], handle: ({ res }) => reload.handle(res) }],
    [
      '/api/v1/targets',
      { methods: READ, handle: ({ res, query }) => sendJson(res, 200, buildTargetsResponse(targets.targets(), query)) },
    ],
    [
      '/targets',
      {
        methods: READ,
        handle: ({ res }) => {
          const page = renderTargetsPage(buildTargetsResponse(targets.targets()).data.activeTargets, new Date());
          sendText(res, 200, page, {
            'content-type': 'text/html; charset=utf-8',
            'content-security-policy': TARGETS_PAGE_CSP,
            'referrer-policy': 'no-referrer',
          });
        },
      },
    ],
  ]);
  if (options.enableDebug) {
    // GET only: a HEAD must not pay for a snapshot or a profile it would not receive.
    routes.set('/debug/heap', { methods: ['GET'], handle: ({ res }) => handleHeapSnapshot(res, logger) });
    routes.set('/debug/profile', {
      methods: ['GET'],
      handle: ({ res, query, signal }) => handleCpuProfile(res, query, signal, logger),
    });
  }
  for (const extra of options.routes ?? []) {
    if (routes.has(extra.path)) throw new ScrapewireError('ERR_USAGE', `route ${extra.path} is taken`);
    routes.set(extra.path, { methods: extra.methods, handle: ({ req, res }) => extra.handle(req, res) });
  }
  return routes;
}

/** Starts listening on `listenAddress` only; resolves once bound. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const logger = options.logger ?? silentLogger;
  const { host, port } = parseListenAddress(options.listenAddress);
  const routes = buildRoutes(options, logger);
  const inFlight = new Set<AbortController>();

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://scrapewire.invalid');
    const route = routes.get(url.pathname);
    if (route === undefined) {
      sendNotFound(res);
      return;
    }
    const method = req.method ?? 'GET';
    if (!route.methods.includes(method)) {
      sendText(res, 405, 'Method Not Allowed\n', { allow: route.methods.join(', ') });
      return;
    }
    const controller = new AbortController();
    inFlight.add(controller);
    res.on('close', () => {
      inFlight.delete(controller);
      controller.abort();
    });
    const context: RequestContext = { req, res, query: url.searchParams, signal: controller.signal };
    Promise.resolve()
      .then(() => route.handle(context))
      .catch((error: unknown) => {
        logger.error({ err: error, path: url.pathname }, 'HTTP handler failed');
        if (!res.headersSent) sendText(res, 500, 'internal server error\n');
        else res.destroy();
      });
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
  logger.info({ address, debug: options.enableDebug }, 'HTTP server listening');

  let closing: Promise<void> | undefined;
  return {
    address,
    port: bound.port,
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve, reject) => {
        for (const controller of inFlight) controller.abort();
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
