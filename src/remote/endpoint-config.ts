/**
 * One remote_write entry turned into the options the delivery layer runs on.
 *
 * Accepts either the validated `RemoteWriteConfig` from src/config (durations already in ms,
 * bearer_token folded into `authorization`) or a raw Prometheus-style object as written in YAML
 * (`bearer_token`, `basic_auth`, durations such as "30s", sizes such as "64MiB"). Only the
 * fields delivery uses are read; unknown ones are ignored here (config validation names them).
 */
import * as crypto from 'node:crypto';
import { ScrapewireError } from '../core/errors';
import { parseDuration, parseSize } from '../config/units';

export type RemoteWriteMessage = 'prometheus.WriteRequest' | 'io.prometheus.write.v2.Request';

/** The loose input shape; every field optional except url. */
export interface RemoteWriteInput {
  url: string;
  name?: string;
  remote_timeout?: number | string;
  headers?: Record<string, string>;
  bearer_token?: string;
  bearer_token_file?: string;
  authorization?: { type?: string; credentials?: string; credentials_file?: string };
  basic_auth?: { username: string; password?: string; password_file?: string };
  tls_config?: { ca_file?: string; cert_file?: string; key_file?: string; server_name?: string; insecure_skip_verify?: boolean };
  protobuf_message?: RemoteWriteMessage;
  queue_config?: {
    capacity?: number;
    max_shards?: number;
    max_samples_per_send?: number;
    batch_send_deadline?: number | string;
    min_backoff?: number | string;
    max_backoff?: number | string;
    retry_on_http_429?: boolean;
  };
  /** scrapewire: bytes of queued requests kept in memory before spilling to disk. */
  memory_budget?: number | string;
  /** scrapewire: bytes the disk queue may use; 0 disables it. */
  disk_budget?: number | string;
}

export interface EndpointOptions {
  url: string;
  /** Stable name: metric label, log field and disk-queue directory. */
  name: string;
  /** The url without userinfo, query or fragment: safe to log. */
  safeUrl: string;
  remoteTimeoutMs: number;
  /** User headers (reserved remote-write headers refused at normalisation). */
  headers: Record<string, string>;
  /** Resolved lazily per request so a rotated token file is picked up. */
  authorization?: { type: string; credentials?: string; credentialsFile?: string };
  basicAuth?: { username: string; password?: string; passwordFile?: string };
  tls: { caFile?: string; certFile?: string; keyFile?: string; serverName?: string; insecureSkipVerify: boolean };
  protobufMessage: RemoteWriteMessage;
  /** Parallel senders (lanes); see send-queue.ts for the ordering guarantee. */
  maxShards: number;
  /** Recorded for the producer, which splits requests at it; the queue never re-splits. */
  maxSamplesPerSend: number;
  batchSendDeadlineMs: number;
  minBackoffMs: number;
  maxBackoffMs: number;
  retryOnHttp429: boolean;
  memoryBudgetBytes: number;
  diskBudgetBytes: number;
}

/** Headers a user may not set: the spec reserves them for the sender. */
const RESERVED_HEADERS = ['content-encoding', 'content-type', 'x-prometheus-remote-write-version', 'user-agent', 'authorization', 'host', 'content-length'];

const DEFAULTS = {
  remoteTimeoutMs: 30_000,
  maxShards: 4,
  maxSamplesPerSend: 2000,
  batchSendDeadlineMs: 5000,
  minBackoffMs: 30,
  maxBackoffMs: 5000,
  memoryBudgetBytes: 64 * 1024 * 1024,
  diskBudgetBytes: 1024 * 1024 * 1024,
};

function fail(field: string, why: string): never {
  throw new ScrapewireError('ERR_REMOTE_WRITE', `remote_write ${field}: ${why}`);
}

function durationMs(value: number | string | undefined, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number') {
    if (!(value >= 0) || !Number.isFinite(value)) fail(field, `must be a non-negative duration, got ${value}`);
    return value;
  }
  const ms = parseDuration(value);
  if (ms === undefined) fail(field, `"${value}" is not a duration (like 30s or 100ms)`);
  return ms;
}

function sizeBytes(value: number | string | undefined, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number') {
    if (!(value >= 0) || !Number.isFinite(value)) fail(field, `must be a non-negative size, got ${value}`);
    return value;
  }
  const bytes = parseSize(value);
  if (bytes === undefined) fail(field, `"${value}" is not a size (like 64MiB)`);
  return bytes;
}

/** The url with credentials, query and fragment removed. */
export function safeUrlOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '<invalid url>';
  }
}

/** Prometheus-like default name: a short hash of the url. */
export function defaultEndpointName(url: string): string {
  return crypto.createHash('sha256').update(url).digest('hex').slice(0, 6);
}

export function endpointOptions(input: RemoteWriteInput): EndpointOptions {
  let parsed: URL;
  try {
    parsed = new URL(input.url);
  } catch {
    fail('url', `"${safeUrlOf(input.url)}" is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') fail('url', `scheme must be http or https, got ${parsed.protocol}`);

  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(input.headers ?? {})) {
    if (RESERVED_HEADERS.includes(key.toLowerCase())) fail(`headers.${key}`, 'is reserved for the remote-write sender and cannot be set');
    headers[key] = String(value);
  }

  let authorization: EndpointOptions['authorization'];
  if (input.authorization && (input.authorization.credentials !== undefined || input.authorization.credentials_file !== undefined)) {
    authorization = { type: input.authorization.type ?? 'Bearer', credentials: input.authorization.credentials, credentialsFile: input.authorization.credentials_file };
  }
  if (input.bearer_token !== undefined || input.bearer_token_file !== undefined) {
    if (authorization) fail('bearer_token', 'cannot be combined with authorization');
    authorization = { type: 'Bearer', credentials: input.bearer_token, credentialsFile: input.bearer_token_file };
  }
  let basicAuth: EndpointOptions['basicAuth'];
  if (input.basic_auth) {
    if (authorization) fail('basic_auth', 'cannot be combined with bearer_token or authorization');
    basicAuth = { username: input.basic_auth.username, password: input.basic_auth.password, passwordFile: input.basic_auth.password_file };
  }
  if (parsed.username || parsed.password) {
    if (authorization || basicAuth) fail('url', 'has credentials and an auth section at once');
    basicAuth = { username: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) };
  }

  const queue = input.queue_config ?? {};
  const maxShards = queue.max_shards ?? DEFAULTS.maxShards;
  if (!Number.isInteger(maxShards) || maxShards < 1) fail('queue_config.max_shards', `must be an integer >= 1, got ${maxShards}`);
  const minBackoffMs = durationMs(queue.min_backoff, 'queue_config.min_backoff', DEFAULTS.minBackoffMs);
  const maxBackoffMs = durationMs(queue.max_backoff, 'queue_config.max_backoff', DEFAULTS.maxBackoffMs);
  if (maxBackoffMs < minBackoffMs) fail('queue_config.max_backoff', 'must not be below min_backoff');
  const message = input.protobuf_message ?? 'prometheus.WriteRequest';
  if (message !== 'prometheus.WriteRequest' && message !== 'io.prometheus.write.v2.Request') {
    fail('protobuf_message', `must be prometheus.WriteRequest or io.prometheus.write.v2.Request, got ${String(message)}`);
  }
  // Prometheus's capacity is in samples; with no per-sample size here it only sets a floor on
  // the memory budget (an estimated 16 compressed bytes per sample) when no budget is given.
  const memoryDefault = queue.capacity !== undefined ? Math.max(queue.capacity * 16 * maxShards, 1024 * 1024) : DEFAULTS.memoryBudgetBytes;

  const tls = input.tls_config ?? {};
  return {
    url: input.url,
    name: input.name ?? defaultEndpointName(input.url),
    safeUrl: safeUrlOf(input.url),
    remoteTimeoutMs: durationMs(input.remote_timeout, 'remote_timeout', DEFAULTS.remoteTimeoutMs),
    headers,
    authorization,
    basicAuth,
    tls: { caFile: tls.ca_file, certFile: tls.cert_file, keyFile: tls.key_file, serverName: tls.server_name, insecureSkipVerify: tls.insecure_skip_verify ?? false },
    protobufMessage: message,
    maxShards,
    maxSamplesPerSend: queue.max_samples_per_send ?? DEFAULTS.maxSamplesPerSend,
    batchSendDeadlineMs: durationMs(queue.batch_send_deadline, 'queue_config.batch_send_deadline', DEFAULTS.batchSendDeadlineMs),
    minBackoffMs,
    maxBackoffMs,
    retryOnHttp429: queue.retry_on_http_429 ?? true,
    memoryBudgetBytes: sizeBytes(input.memory_budget, 'memory_budget', memoryDefault),
    diskBudgetBytes: sizeBytes(input.disk_budget, 'disk_budget', DEFAULTS.diskBudgetBytes),
  };
}
