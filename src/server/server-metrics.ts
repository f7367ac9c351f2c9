/**
 * The web server's own counters: answers by handler and code (Prometheus has
 * prometheus_http_requests_total), requests refused before they reached a handler, and
 * connections closed at the connection cap. Label values come from fixed sets (route paths,
 * status codes, the reasons below), never from what a client sent.
 */
import { Counter, type Registry } from 'prom-client';

export type ClientErrorReason = 'malformed' | 'header_too_large' | 'timeout' | 'tls_handshake' | 'client_certificate';

export interface ServerMetrics {
  requests: Counter<'handler' | 'code'>;
  clientErrors: Counter<'reason'>;
  connectionsDropped: Counter;
}

function counter<T extends string>(registry: Registry, name: string, help: string, labelNames: T[]): Counter<T> {
  // A second server on the same registry (tests, an embedding agent) shares the counters.
  const existing = registry.getSingleMetric(name);
  if (existing !== undefined) return existing as Counter<T>;
  return new Counter({ name, help, labelNames, registers: [registry] });
}

export function createServerMetrics(registry: Registry): ServerMetrics {
  return {
    requests: counter(registry, 'scrapewire_http_requests_total', 'HTTP requests answered by the web server, by handler (the route, or "other") and status code.', ['handler', 'code']),
    clientErrors: counter(registry, 'scrapewire_http_client_errors_total', 'Connections closed because of what the client sent before a request could be handled: malformed, header_too_large, timeout, tls_handshake, client_certificate.', ['reason']),
    connectionsDropped: counter(registry, 'scrapewire_http_connections_dropped_total', 'Connections closed at once because --web.max-connections were already open.', []),
  };
}
