/**
 * The node-local settings of the Kubernetes sources: where the kubelet listens and where the
 * pod's service-account credentials are mounted.
 *
 * Every credential path is joined under `rootPath` ('' in a pod; a temporary directory in the
 * tests, or the host's root mounted at /host when the agent runs outside a pod), so nothing
 * here reads a fixed absolute path that a test could not replace.
 *
 * The token is passed to HttpScraper as a file, never read here: the scraper stats it at every
 * request and re-reads it when it changed, which is how projected service-account tokens
 * (rotated by the kubelet, about hourly) keep working.
 */
import { isIP } from 'node:net';
import { join } from 'node:path';

import { ScrapewireError } from '../../core/errors';
import type { HttpTlsOptions } from '../../scrape/http-target-options';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
export const DEFAULT_KUBELET_PORT = 10250;
export const DEFAULT_SCRAPE_TIMEOUT_MS = 10_000;

export interface NodeSettings {
  /** The node's IP (downward API: status.hostIP); the kubelet is reached at https://<nodeIp>:<kubeletPort>. */
  nodeIp: string;
  /** The node's name (downward API: spec.nodeName): used by plugins to recognise static pods. */
  nodeName?: string;
  /** Default 10250, the kubelet's authenticated port. */
  kubeletPort?: number;
  /** Prefix of every file path below. Default ''. */
  rootPath?: string;
  /** Service-account token; default `<rootPath>/var/run/secrets/kubernetes.io/serviceaccount/token`. */
  tokenFile?: string;
  /** CA bundle that signs the kubelet's serving certificate; default the service account's `ca.crt`. */
  caFile?: string;
  /**
   * Name to verify the kubelet's certificate against, when it is issued for the node's name
   * rather than its IP. The kubelet's default self-signed certificate is signed by no CA at
   * all: such clusters need `insecureSkipVerify` (what most Prometheus kubelet jobs set).
   */
  kubeletServerName?: string;
  insecureSkipVerify?: boolean;
  /** Timeout of one scrape of a kubelet endpoint (and of one /pods poll). Default 10 s. */
  scrapeTimeoutMs?: number;
  /** Limit on a decompressed kubelet page; default none. */
  bodySizeLimitBytes?: number;
}

/** NodeSettings with defaults applied and paths resolved under rootPath. */
export interface ResolvedNodeSettings {
  nodeIp: string;
  nodeName?: string;
  /** `https://<nodeIp>:<port>`, IPv6 addresses bracketed. */
  kubeletOrigin: string;
  tokenFile: string;
  tls: HttpTlsOptions;
  scrapeTimeoutMs: number;
  bodySizeLimitBytes?: number;
}

function fieldError(field: string, reason: string): ScrapewireError {
  return new ScrapewireError('ERR_CONFIG', `kubernetes.${field}: ${reason}`);
}

/** Checks the settings once; throws ERR_CONFIG naming the field. */
export function resolveNodeSettings(settings: NodeSettings): ResolvedNodeSettings {
  const { nodeIp } = settings;
  if (typeof nodeIp !== 'string' || isIP(nodeIp) === 0) {
    throw fieldError('nodeIp', `must be an IPv4 or IPv6 address, not ${JSON.stringify(nodeIp)} (set NODE_IP from status.hostIP)`);
  }
  const port = settings.kubeletPort ?? DEFAULT_KUBELET_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw fieldError('kubeletPort', 'must be a port number (1-65535)');
  const scrapeTimeoutMs = settings.scrapeTimeoutMs ?? DEFAULT_SCRAPE_TIMEOUT_MS;
  if (!Number.isFinite(scrapeTimeoutMs) || scrapeTimeoutMs <= 0) throw fieldError('scrapeTimeoutMs', 'must be a positive number of ms');
  const root = settings.rootPath ?? '';
  const under = (path: string) => (root === '' ? path : join(root, path));
  const tls: HttpTlsOptions = { caFile: settings.caFile ?? under(`${SERVICE_ACCOUNT_DIR}/ca.crt`) };
  if (settings.kubeletServerName !== undefined) tls.serverName = settings.kubeletServerName;
  if (settings.insecureSkipVerify === true) tls.insecureSkipVerify = true;
  return {
    nodeIp,
    nodeName: settings.nodeName,
    kubeletOrigin: `https://${hostForUrl(nodeIp)}:${port}`,
    tokenFile: settings.tokenFile ?? under(`${SERVICE_ACCOUNT_DIR}/token`),
    tls,
    scrapeTimeoutMs,
    bodySizeLimitBytes: settings.bodySizeLimitBytes,
  };
}

/** An IP as the host part of a URL: IPv6 in brackets. */
export function hostForUrl(ip: string): string {
  return isIP(ip) === 6 ? `[${ip}]` : ip;
}

/**
 * Settings from the environment a DaemonSet gives its pod: NODE_IP and NODE_NAME (downward
 * API), and optionally SCRAPEWIRE_ROOT_PATH and KUBELET_PORT.
 */
export function nodeSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): NodeSettings {
  const settings: NodeSettings = { nodeIp: env.NODE_IP ?? '' };
  if (env.NODE_NAME) settings.nodeName = env.NODE_NAME;
  if (env.SCRAPEWIRE_ROOT_PATH) settings.rootPath = env.SCRAPEWIRE_ROOT_PATH;
  if (env.KUBELET_PORT) settings.kubeletPort = Number(env.KUBELET_PORT);
  return settings;
}
