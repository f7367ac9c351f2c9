/**
 * The built-in sources of a Kubernetes node, as ScrapeCache source definitions:
 *
 * | source               | URL                                        | credentials                         |
 * |----------------------|--------------------------------------------|-------------------------------------|
 * | `kubelet`            | https://NODE_IP:10250/metrics              | service-account token + CA          |
 * | `cadvisor`           | https://NODE_IP:10250/metrics/cadvisor     | service-account token + CA          |
 * | `kube-state-metrics` | the given URL (usually plain http)         | none unless configured              |
 *
 * Application pods are not one source but a changing set: see pod-discovery.ts.
 *
 * The token is given to HttpScraper as a file, so a rotated token is used from the next scrape
 * on; the CA file is re-checked at every scrape the same way (target-dispatcher.ts).
 */
import { ScrapewireError } from '../../core/errors';
import type { CoreOptions } from '../../core/types';
import type { HttpClientConfig, SourceConfig } from '../../config/types';
import { HttpScraper } from '../../scrape/http-scraper';
import { httpClientOptions } from '../../scrape/http-client-options';
import type { HttpTargetOptions } from '../../scrape/http-target-options';
import type { SourceDefinition } from '../scrape-cache';
import { resolveNodeSettings, type NodeSettings, type ResolvedNodeSettings } from './node-settings';

export const KUBELET_SOURCE = 'kubelet';
export const CADVISOR_SOURCE = 'cadvisor';
export const KUBE_STATE_METRICS_SOURCE = 'kube-state-metrics';

export interface SourceOptions {
  /** Source name; defaults to the kind's name (`kubelet`, `cadvisor`, `kube-state-metrics`). */
  name?: string;
  coreOptions?: CoreOptions;
  /** Default true. cAdvisor stamps its samples; the stamps are kept unless this is false. */
  honorTimestamps?: boolean;
}

/** HttpScraper options for a kubelet path (`/metrics`, `/metrics/cadvisor`, `/pods`). */
export function kubeletHttpOptions(node: NodeSettings | ResolvedNodeSettings, path: string): HttpTargetOptions {
  const resolved = isResolved(node) ? node : resolveNodeSettings(node);
  const options: HttpTargetOptions = {
    url: `${resolved.kubeletOrigin}${path}`,
    scrapeTimeoutMs: resolved.scrapeTimeoutMs,
    bearerTokenFile: resolved.tokenFile,
    tls: { ...resolved.tls },
  };
  if (resolved.bodySizeLimitBytes !== undefined) options.bodySizeLimitBytes = resolved.bodySizeLimitBytes;
  return options;
}

function isResolved(node: NodeSettings | ResolvedNodeSettings): node is ResolvedNodeSettings {
  return (node as ResolvedNodeSettings).kubeletOrigin !== undefined;
}

function definition(name: string, options: HttpTargetOptions, extra: SourceOptions): SourceDefinition {
  const source: SourceDefinition = { name, scraper: new HttpScraper(options) };
  if (extra.coreOptions !== undefined) source.coreOptions = extra.coreOptions;
  if (extra.honorTimestamps !== undefined) source.honorTimestamps = extra.honorTimestamps;
  return source;
}

/** The kubelet's own metrics: https://NODE_IP:10250/metrics. */
export function kubeletSource(node: NodeSettings | ResolvedNodeSettings, options: SourceOptions = {}): SourceDefinition {
  return definition(options.name ?? KUBELET_SOURCE, kubeletHttpOptions(node, '/metrics'), options);
}

/** The containers' metrics (cAdvisor, embedded in the kubelet): https://NODE_IP:10250/metrics/cadvisor. */
export function cadvisorSource(node: NodeSettings | ResolvedNodeSettings, options: SourceOptions = {}): SourceDefinition {
  return definition(options.name ?? CADVISOR_SOURCE, kubeletHttpOptions(node, '/metrics/cadvisor'), options);
}

export interface KubeStateMetricsOptions extends SourceOptions {
  /** e.g. http://kube-state-metrics.kube-system.svc:8080/metrics */
  url: string;
  scrapeTimeoutMs?: number;
  /** Extra HTTP settings (credentials, TLS) when kube-state-metrics sits behind a proxy. */
  http?: Omit<HttpTargetOptions, 'url' | 'scrapeTimeoutMs'>;
}

/** kube-state-metrics at the given URL (one instance per cluster: usually scraped by one agent only). */
export function kubeStateMetricsSource(options: KubeStateMetricsOptions): SourceDefinition {
  return definition(
    options.name ?? KUBE_STATE_METRICS_SOURCE,
    { ...(options.http ?? {}), url: options.url, scrapeTimeoutMs: options.scrapeTimeoutMs ?? 10_000 },
    options,
  );
}

/** The kubelet and cAdvisor sources, plus kube-state-metrics when its URL is given. */
export function nodeSources(
  node: NodeSettings,
  options: { kubeStateMetricsUrl?: string; coreOptions?: CoreOptions } = {},
): SourceDefinition[] {
  const resolved = resolveNodeSettings(node);
  const sources = [
    kubeletSource(resolved, { coreOptions: options.coreOptions }),
    cadvisorSource(resolved, { coreOptions: options.coreOptions }),
  ];
  if (options.kubeStateMetricsUrl !== undefined) {
    sources.push(kubeStateMetricsSource({ url: options.kubeStateMetricsUrl, scrapeTimeoutMs: resolved.scrapeTimeoutMs, coreOptions: options.coreOptions }));
  }
  return sources;
}

function hasOwnCredentials(config: HttpClientConfig): boolean {
  return config.authorization !== undefined || config.basic_auth !== undefined;
}

/**
 * One `sources[]` entry of the config as a source definition. `kubelet` and `cadvisor` without
 * a url use the node's kubelet; without their own credentials they use the service account's
 * token and CA. `pods` is not a single source (use PodDiscovery): asking for it is ERR_USAGE.
 */
export function sourceFromConfig(config: SourceConfig, index: number, node?: NodeSettings | ResolvedNodeSettings, extra: SourceOptions = {}): SourceDefinition {
  const field = `sources[${index}]`;
  const options: SourceOptions = { ...extra, name: config.name };
  const own = httpClientOptions(config, field);
  const scrapeTimeoutMs = config.scrape_timeout;
  switch (config.kind) {
    case 'kubelet':
    case 'cadvisor': {
      const path = config.kind === 'kubelet' ? '/metrics' : '/metrics/cadvisor';
      if (config.url === undefined || !hasOwnCredentials(config)) {
        if (node === undefined) {
          throw new ScrapewireError('ERR_CONFIG', `${field} (${config.name}): kind ${config.kind} needs the node settings (NODE_IP) or a url with credentials`);
        }
        const kubelet = kubeletHttpOptions(node, path);
        const http: HttpTargetOptions = { ...kubelet, scrapeTimeoutMs, url: config.url ?? kubelet.url };
        // The config's own TLS settings (server_name, insecure_skip_verify) win over the defaults.
        if (own.tls !== undefined) http.tls = { ...kubelet.tls, ...own.tls };
        return definition(config.name, http, options);
      }
      return definition(config.name, { ...own, url: config.url, scrapeTimeoutMs }, options);
    }
    case 'kube-state-metrics':
    case 'static':
      if (config.url === undefined) throw new ScrapewireError('ERR_CONFIG', `${field} (${config.name}): kind ${config.kind} needs a url`);
      return definition(config.name, { ...own, url: config.url, scrapeTimeoutMs }, options);
    case 'pods':
      throw new ScrapewireError('ERR_USAGE', `${field} (${config.name}): kind pods is a set of targets: use PodDiscovery`);
    default:
      throw new ScrapewireError('ERR_CONFIG', `${field} (${config.name}): unknown kind ${JSON.stringify((config as SourceConfig).kind)}`);
  }
}
