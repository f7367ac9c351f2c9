/** The web server's endpoints, by exact path. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AggregatorRegistry, type Registry } from 'prom-client';
import { ScrapewireError } from '../errors';
import { handleCpuProfile, handleHeapSnapshot } from './debug';
import { ReloadHandler, handleHealthy, handleLifecycleDisabled, handleQuit, handleReady } from './lifecycle';
import { sendJson, sendText } from './respond';
import { buildTargetsResponse } from './targets-api';
import { renderTargetsPage } from './targets-page';
import { TARGETS_PAGE_CSP } from './targets-page-assets';
import { renderServiceDiscoveryPage } from './service-discovery-page';
import { SERVICE_DISCOVERY_PAGE_CSP } from './service-discovery-page-assets';
import type { Logger, WebHandlerOptions } from './types';

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  query: URLSearchParams;
  /** Aborted when the client disconnects or the server closes. */
  signal: AbortSignal;
  /** The prefix the routes are served under on a host's server; '' on the collector's own. */
  base: string;
}

export interface Route {
  /** HEAD is allowed wherever GET is; node:http drops the body of a HEAD response. */
  methods: readonly string[];
  /** A debug endpoint: needs an authenticated request unless the server listens on loopback only. */
  debug?: boolean;
  handle(context: RequestContext): void | Promise<void>;
}

const READ = ['GET', 'HEAD'] as const;
/** Prometheus accepts both for /-/reload and /-/quit. */
const LIFECYCLE = ['POST', 'PUT'] as const;

export function buildRoutes(options: WebHandlerOptions, logger: Logger): Map<string, Route> {
  const { registry, targets, control } = options;
  const reload = new ReloadHandler(control, logger);
  const lifecycle = options.enableLifecycle === true;
  const routes = new Map<string, Route>([
    [
      '/',
      {
        methods: READ,
        handle: ({ res, base }) => {
          res.writeHead(302, { location: `${base}/targets` });
          res.end();
        },
      },
    ],
    [
      '/metrics',
      {
        methods: READ,
        handle: async ({ res }) => {
          const text = await metricsText(registry, options.extraMetrics);
          sendText(res, 200, text, { 'content-type': registry.contentType });
        },
      },
    ],
    ['/-/healthy', { methods: READ, handle: ({ res }) => handleHealthy(res) }],
    ['/-/ready', { methods: READ, handle: ({ res }) => handleReady(res, control) }],
    ['/-/reload', { methods: LIFECYCLE, handle: ({ res }) => (lifecycle ? reload.handle(res) : handleLifecycleDisabled(res)) }],
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
    [
      '/service-discovery',
      {
        methods: READ,
        handle: ({ res }) => {
          const page = renderServiceDiscoveryPage(buildTargetsResponse(targets.targets()).data, new Date());
          sendText(res, 200, page, {
            'content-type': 'text/html; charset=utf-8',
            'content-security-policy': SERVICE_DISCOVERY_PAGE_CSP,
            'referrer-policy': 'no-referrer',
          });
        },
      },
    ],
  ]);
  if (control.quit !== undefined) {
    routes.set('/-/quit', { methods: LIFECYCLE, handle: ({ res }) => (lifecycle ? handleQuit(res, control, logger) : handleLifecycleDisabled(res)) });
  }
  if (options.enableDebug) {
    // GET only: a HEAD must not pay for a snapshot or a profile it would not receive.
    routes.set('/debug/heap', { methods: ['GET'], debug: true, handle: ({ res }) => handleHeapSnapshot(res, logger) });
    routes.set('/debug/profile', {
      methods: ['GET'],
      debug: true,
      handle: ({ res, query, signal }) => handleCpuProfile(res, query, signal, logger),
    });
  }
  for (const extra of options.routes ?? []) {
    if (routes.has(extra.path)) throw new ScrapewireError('ERR_USAGE', `route ${extra.path} is taken`);
    routes.set(extra.path, { methods: extra.methods, handle: ({ req, res }) => extra.handle(req, res) });
  }
  return routes;
}

/** Answers 405 with the methods the route takes. */
export function sendMethodNotAllowed(res: ServerResponse, route: Route): void {
  sendText(res, 405, 'Method Not Allowed\n', { allow: route.methods.join(', ') });
}

/**
 * The registry's exposition, with the families of `extra` merged in (one HELP and TYPE per name;
 * series told apart by their labels, `worker` for the scrape workers').
 */
async function metricsText(registry: Registry, extra: (() => Promise<unknown[][]>) | undefined): Promise<string> {
  if (extra === undefined) return registry.metrics();
  const others = await extra();
  if (others.length === 0) return registry.metrics();
  const own = await registry.getMetricsAsJSON();
  // Every series is kept as it is ('first': one value per name and label set); prom-client's own
  // aggregators would sum some families and omit others, which is for merging copies of one registry.
  const all = [own, ...others].map((metrics) => (metrics as Array<{ aggregator?: string }>).map((metric) => ({ ...metric, aggregator: 'first' })));
  return AggregatorRegistry.aggregate(all as unknown as Parameters<typeof AggregatorRegistry.aggregate>[0]).metrics();
}
