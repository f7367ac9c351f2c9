/**
 * A configuration given in code rather than in a file: the same document a prometheus.yml holds,
 * as a plain object (`{ remote_write: [{ url }] }`), validated by the one validator (load.ts),
 * with the same defaults and the same messages, each naming the field (`remote_write[0].url:
 * ...`). Nothing else checks or defaults a configuration: an embedding agent, the remote writer
 * built alone (src/remote/index.ts) and the collector all go through parseConfig.
 *
 * Values are written as in YAML: durations as Prometheus durations (`'15s'`), sizes as `'1GiB'`
 * or a number of bytes, numbers and booleans as themselves. Strings are taken literally:
 * `${NAME}` is not read from the environment (that expansion is for files, where a value cannot
 * be computed); build the value in code instead.
 */
import { stringify } from 'yaml';
import { parseConfig, type ParseOptions } from './load';
import type { Config } from './types';
import type { RelabelAction } from '../relabel/types';

/** A Prometheus duration: `'30s'`, `'1m'`, `'1h30m'`, `'250ms'`. */
export type DurationText = string;
/** A size: bytes as a number, or with a unit, `'64MiB'`, `'1GiB'`. */
export type SizeText = string | number;

/** Credentials sent as HTTP basic authentication. */
export interface BasicAuthOptions {
  username: string;
  password?: string;
  password_file?: string;
}

/** The Authorization header: `type` (default Bearer) and its credentials. */
export interface AuthorizationOptions {
  type?: string;
  credentials?: string;
  credentials_file?: string;
}

/** TLS of an outgoing connection. */
export interface TlsOptions {
  ca_file?: string;
  cert_file?: string;
  key_file?: string;
  server_name?: string;
  insecure_skip_verify?: boolean;
}

/** One Prometheus relabel rule. */
export interface RelabelRuleOptions {
  source_labels?: string[];
  separator?: string;
  regex?: string;
  modulus?: number;
  target_label?: string;
  replacement?: string;
  action?: RelabelAction;
}

/** A `remote_write` entry: only `url` is required; everything else has Prometheus's default. */
export interface RemoteWriteOptions {
  url: string;
  /** The queue's name (its metrics' `endpoint` label and its disk directory). Default: a hash of url. */
  name?: string;
  remote_timeout?: DurationText;
  headers?: Record<string, string>;
  /** `prometheus.WriteRequest` (1.0, default) or `io.prometheus.write.v2.Request` (2.0, falls back to 1.0 on 415). */
  protobuf_message?: 'prometheus.WriteRequest' | 'io.prometheus.write.v2.Request';
  basic_auth?: BasicAuthOptions;
  authorization?: AuthorizationOptions;
  bearer_token?: string;
  bearer_token_file?: string;
  tls_config?: TlsOptions;
  follow_redirects?: boolean;
  write_relabel_configs?: RelabelRuleOptions[];
  queue_config?: {
    capacity?: number;
    min_shards?: number;
    max_shards?: number;
    max_samples_per_send?: number;
    batch_send_deadline?: DurationText;
    min_backoff?: DurationText;
    max_backoff?: DurationText;
    retry_on_http_429?: boolean;
  };
  metadata_config?: { send?: boolean; send_interval?: DurationText; max_samples_per_send?: number };
  /** On-disk queue size (scrapewire's; default 1GiB); past it the oldest requests are dropped and counted. */
  disk_budget?: SizeText;
  /** Memory for requests while the receiver keeps up (scrapewire's; default 64MiB). */
  memory_budget?: SizeText;
}

/** A `scrape_configs` entry; the fields of a prometheus.yml job (see the README's Configuration). */
export interface ScrapeConfigOptions {
  job_name: string;
  scrape_interval?: DurationText;
  scrape_timeout?: DurationText;
  metrics_path?: string;
  scheme?: 'http' | 'https';
  params?: Record<string, string[]>;
  honor_labels?: boolean;
  honor_timestamps?: boolean;
  static_configs?: Array<{ targets: string[]; labels?: Record<string, string> }>;
  relabel_configs?: RelabelRuleOptions[];
  metric_relabel_configs?: RelabelRuleOptions[];
  sample_limit?: number;
  label_limit?: number;
  label_name_length_limit?: number;
  label_value_length_limit?: number;
  body_size_limit?: SizeText;
  target_limit?: number;
  on_parse_error?: 'fail' | 'skip';
  /** Discovery, auth and TLS sections, as in a prometheus.yml. */
  [field: string]: unknown;
}

/** A whole configuration document, as a prometheus.yml holds it. */
export interface ConfigDocument {
  global?: {
    scrape_interval?: DurationText;
    scrape_timeout?: DurationText;
    external_labels?: Record<string, string>;
    [field: string]: unknown;
  };
  scrape_configs?: ScrapeConfigOptions[];
  remote_write?: RemoteWriteOptions[];
  plugins?: { enabled?: string; settings?: Record<string, Record<string, unknown>> };
}

/** `${` and `%{` written so that the environment expansion leaves them as they are. */
function literal(value: unknown): unknown {
  // Function replacements: in a replacement string `$$` would itself mean one `$`.
  if (typeof value === 'string') return value.replace(/\$\{/g, () => '$${').replace(/%\{/g, () => '%%{');
  if (Array.isArray(value)) return value.map(literal);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, literal(v)]));
  }
  return value;
}

/**
 * Validates `document` as parseConfig validates a file and returns the defaulted Config; throws
 * ConfigError (ERR_CONFIG) listing every problem, each as `<name>:LINE: field.path: reason` (the
 * line of the document written as YAML, in key order).
 */
export function configFromDocument(document: ConfigDocument, name = '<config object>', options: Omit<ParseOptions, 'env'> = {}): Config {
  return parseConfig(stringify(literal(document)), name, options);
}

/** True for a Config that parseConfig made (rather than a document still to validate). */
export function isValidatedConfig(config: Config | ConfigDocument): config is Config {
  return Array.isArray((config as Config).warnings) && typeof (config as Config).global?.scrape_interval === 'number';
}
