/**
 * `remote_write[]`: Prometheus's fields and defaults (queue_config, metadata_config,
 * protobuf_message) plus scrapewire's `disk_budget` and `memory_budget`.
 */
import { createHash } from 'node:crypto';
import { REMOTE_WRITE_PROTOCOLS, RW1, isRemoteWriteProtocol } from '../remote-write-protocol';
import { HTTP_CLIENT_FIELDS, HTTP_CLIENT_UNSUPPORTED, readHttpClient } from './http-client';
import { readRelabelConfigs } from './relabel';
import type { MetadataConfig, QueueConfig, RemoteWriteConfig } from './types';
import type { ValueNode, YamlReader } from './yaml-reader';

/** Prometheus's DefaultQueueConfig (durations in ms). */
export const DEFAULT_QUEUE_CONFIG: Readonly<QueueConfig> = {
  capacity: 10_000,
  max_shards: 50,
  min_shards: 1,
  max_samples_per_send: 2_000,
  batch_send_deadline: 5_000,
  min_backoff: 30,
  max_backoff: 5_000,
  retry_on_http_429: true,
};

export const DEFAULT_METADATA_CONFIG: Readonly<MetadataConfig> = { send: true, send_interval: 60_000, max_samples_per_send: 2_000 };

export const DEFAULT_REMOTE_TIMEOUT = 30_000;
/** scrapewire's defaults: enough disk to ride out a receiver outage of a few hours on one node. */
export const DEFAULT_DISK_BUDGET = 1024 ** 3;
export const DEFAULT_MEMORY_BUDGET = 64 * 1024 ** 2;

// Headers the remote-write protocol or the auth fields own; Prometheus refuses them too.
const RESERVED_HEADERS = ['content-encoding', 'content-length', 'content-type', 'user-agent', 'connection', 'keep-alive',
  'proxy-authenticate', 'proxy-authorization', 'www-authenticate', 'retry-after', 'x-prometheus-remote-write-version',
  'host', 'authorization'];

const FIELDS = [
  'url', 'name', 'remote_timeout', 'headers', 'write_relabel_configs', 'protobuf_message', 'queue_config', 'metadata_config', 'send_native_histograms', 'send_exemplars',
  'disk_budget', 'memory_budget', ...HTTP_CLIENT_FIELDS,
] as const;

const UNSUPPORTED = [...HTTP_CLIENT_UNSUPPORTED, 'round_robin_dns', 'sigv4', 'azuread', 'google_iam'];

/** The default queue name: 6 hex digits of the url's hash, stable across restarts. */
export function defaultRemoteWriteName(url: string): string {
  return createHash('sha256').update(url).digest('hex').slice(0, 6);
}

export function readRemoteWrite(reader: YamlReader, node: ValueNode, path: string): RemoteWriteConfig | undefined {
  const fields = reader.mapping(node, path, 'remote_write', FIELDS, UNSUPPORTED);
  if (fields === undefined) return undefined;
  const value = (name: string) => fields.get(name)?.value ?? null;
  const p = (name: string) => `${path}.${name}`;

  const url = reader.string(value('url'), p('url')) ?? '';
  let parsed: URL | undefined;
  if (url === '') {
    reader.error(value('url') ?? node, fields.has('url') ? p('url') : path, 'url for remote_write is empty');
  } else {
    try { parsed = new URL(url); } catch { /* reported below */ }
    if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.host === '') {
      reader.error(value('url'), p('url'), `invalid url ${JSON.stringify(url)}: must be an absolute http or https URL`);
    }
  }

  const headers = reader.dictionary(value('headers'), p('headers'), (header, headerPath, key) => {
    const name = String(key.value);
    if (RESERVED_HEADERS.includes(name.toLowerCase())) {
      reader.error(key, headerPath, `${name} is a reserved header. It must not be changed`);
      return undefined;
    }
    return header === null ? '' : reader.string(header, headerPath);
  });

  const messageText = reader.string(value('protobuf_message'), p('protobuf_message')) || RW1;
  if (!isRemoteWriteProtocol(messageText)) {
    reader.error(value('protobuf_message'), p('protobuf_message'),
      `unknown remote write protobuf message ${JSON.stringify(messageText)}, supported: ${REMOTE_WRITE_PROTOCOLS.join(', ')}`);
  }

  const http = readHttpClient(reader, fields, node, path);
  // Credentials in the url are sent as basic auth (src/remote/http-sender.ts); next to an auth
  // section it would be unclear which one wins.
  if (parsed !== undefined && (parsed.username !== '' || parsed.password !== '') && (http.authorization !== undefined || http.basic_auth !== undefined)) {
    reader.error(value('url'), p('url'), 'has credentials (user:password@) and an authorization or basic_auth section at once');
  }

  return {
    url,
    name: reader.string(value('name'), p('name')) || (url === '' ? '' : defaultRemoteWriteName(url)),
    remote_timeout: reader.duration(value('remote_timeout'), p('remote_timeout')) || DEFAULT_REMOTE_TIMEOUT,
    headers,
    write_relabel_configs: readRelabelConfigs(reader, value('write_relabel_configs'), p('write_relabel_configs'), 'relabeling rule in remote write config'),
    protobuf_message: isRemoteWriteProtocol(messageText) ? messageText : RW1,
    send_native_histograms: reader.bool(value('send_native_histograms'), p('send_native_histograms')) ?? false,
    send_exemplars: reader.bool(value('send_exemplars'), p('send_exemplars')) ?? false,
    queue_config: readQueueConfig(reader, value('queue_config'), p('queue_config')),
    metadata_config: readMetadataConfig(reader, value('metadata_config'), p('metadata_config')),
    disk_budget: reader.size(value('disk_budget'), p('disk_budget')) ?? DEFAULT_DISK_BUDGET,
    memory_budget: reader.size(value('memory_budget'), p('memory_budget')) ?? DEFAULT_MEMORY_BUDGET,
    ...http,
  };
}

function readQueueConfig(reader: YamlReader, node: ValueNode, path: string): QueueConfig {
  const queue: QueueConfig = { ...DEFAULT_QUEUE_CONFIG };
  const fields = reader.mapping(node, path, 'queue_config', Object.keys(DEFAULT_QUEUE_CONFIG), ['sample_age_limit']);
  if (fields === undefined) return queue;
  const value = (name: string) => fields.get(name)?.value ?? null;
  for (const name of ['capacity', 'max_shards', 'min_shards', 'max_samples_per_send'] as const) {
    const n = reader.uint(value(name), `${path}.${name}`);
    if (n === undefined) continue;
    if (n === 0) reader.error(value(name), `${path}.${name}`, 'must be greater than 0');
    else queue[name] = n;
  }
  for (const name of ['batch_send_deadline', 'min_backoff', 'max_backoff'] as const) {
    const ms = reader.duration(value(name), `${path}.${name}`);
    if (ms !== undefined) queue[name] = ms;
  }
  queue.retry_on_http_429 = reader.bool(value('retry_on_http_429'), `${path}.retry_on_http_429`) ?? queue.retry_on_http_429;
  if (queue.min_shards > queue.max_shards) {
    reader.error(value('min_shards') ?? value('max_shards'), path, `min_shards (${queue.min_shards}) must not exceed max_shards (${queue.max_shards})`);
  }
  if (queue.min_backoff > queue.max_backoff) {
    reader.error(value('min_backoff') ?? value('max_backoff'), path, 'min_backoff must not exceed max_backoff');
  }
  return queue;
}

function readMetadataConfig(reader: YamlReader, node: ValueNode, path: string): MetadataConfig {
  const metadata: MetadataConfig = { ...DEFAULT_METADATA_CONFIG };
  const fields = reader.mapping(node, path, 'metadata_config', ['send', 'send_interval', 'max_samples_per_send']);
  if (fields === undefined) return metadata;
  const value = (name: string) => fields.get(name)?.value ?? null;
  metadata.send = reader.bool(value('send'), `${path}.send`) ?? metadata.send;
  metadata.send_interval = reader.duration(value('send_interval'), `${path}.send_interval`) || metadata.send_interval;
  metadata.max_samples_per_send = reader.uint(value('max_samples_per_send'), `${path}.max_samples_per_send`) || metadata.max_samples_per_send;
  return metadata;
}
