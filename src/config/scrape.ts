/**
 * `global` and `scrape_configs[]`: Prometheus's fields and defaults, plus scrapewire's
 * `on_parse_error`. Interval/timeout inheritance follows Prometheus: a job without
 * scrape_timeout gets min(global timeout, its interval); an explicit timeout above the interval
 * is an error. A duration of 0 means "not set", as in Prometheus. Content negotiation
 * (scrape_protocols, fallback_scrape_protocol, metric_name_escaping_scheme) is read by
 * scrape-protocols.ts; the histogram switches by readHistogramSettings below.
 */
import * as path from 'node:path';
import { readHttpSdConfigs, readKubeletSdConfigs, readKubernetesSdConfigs } from './discovery';
import { HTTP_CLIENT_FIELDS, HTTP_CLIENT_UNSUPPORTED, readHttpClient } from './http-client';
import { isValidLabelName } from './labels';
import { readRelabelConfigs } from './relabel';
import {
  DEFAULT_ESCAPING_SCHEME, DEFAULT_PROTO_FIRST_SCRAPE_PROTOCOLS, DEFAULT_SCRAPE_PROTOCOLS, readEscapingScheme, readFallbackScrapeProtocol, readScrapeProtocols,
} from './scrape-protocols';
import type { DiscoveryLimits, FileSdConfig, GlobalConfig, OnParseError, ScrapeConfig, ScrapeLimits, StaticConfig } from './types';
import type { Fields, ValueNode, YamlReader } from './yaml-reader';

export const LIMIT_FIELDS = [
  'body_size_limit', 'sample_limit', 'label_limit', 'label_name_length_limit', 'label_value_length_limit', 'target_limit',
] as const;

/** Prometheus's defaults; the caller may replace the interval and timeout (see ParseOptions). */
export const PROMETHEUS_GLOBAL_DEFAULTS = { scrape_interval: 60_000, scrape_timeout: 10_000, evaluation_interval: 60_000 } as const;

export const DEFAULT_FILE_SD_REFRESH_INTERVAL = 5 * 60_000;

/**
 * scrapewire's discovery caps (types.ts DiscoveryLimits). 64 targets per pod: a pod rarely
 * declares more than a handful of ports, and the relabel rules of Prometheus's example keep one
 * of them; 50,000 per discovery: a large cluster's endpoints, at about 2 KB of labels each
 * (100 MB), before relabeling. A config can raise either, or set 0 for no cap.
 */
export const DEFAULT_DISCOVERY_LIMITS: DiscoveryLimits = { max_targets_per_pod: 64, max_targets_per_discovery: 50_000 };
const DISCOVERY_LIMIT_FIELDS = ['max_targets_per_pod', 'max_targets_per_discovery'] as const;

/**
 * Targets dropped by relabeling kept per job for /api/v1/targets when the config says nothing.
 * Prometheus keeps every one (0); a cluster-wide pod job that keeps a few annotated pods would
 * then hold the labels of every other pod of the cluster, so scrapewire keeps vmagent's 1,000
 * (its -promscrape.maxDroppedTargets). droppedTargetCounts still counts them all.
 */
export const DEFAULT_KEEP_DROPPED_TARGETS = 1000;

// Prometheus's file_sd name rule: a `*` only in the last path element, and a known extension.
const FILE_SD_NAME_RE = /^[^*]*(\*[^/]*)?\.(json|yml|yaml|JSON|YML|YAML)$/;

export interface GlobalDefaults {
  scrape_interval: number;
  scrape_timeout: number;
}

function readLimits(reader: YamlReader, fields: Fields, path: string, inherited: ScrapeLimits): ScrapeLimits {
  const limits = {} as ScrapeLimits;
  for (const name of LIMIT_FIELDS) {
    limits[name] = inherited[name];
    const node = fields.get(name)?.value ?? null;
    const value = name === 'body_size_limit' ? reader.size(node, `${path}.${name}`) : reader.uint(node, `${path}.${name}`);
    if (value !== undefined) limits[name] = value;
  }
  return limits;
}

export function readGlobal(reader: YamlReader, node: ValueNode, defaults: GlobalDefaults): GlobalConfig {
  const global: GlobalConfig = {
    scrape_interval: defaults.scrape_interval,
    scrape_timeout: Math.min(defaults.scrape_timeout, defaults.scrape_interval),
    evaluation_interval: PROMETHEUS_GLOBAL_DEFAULTS.evaluation_interval,
    external_labels: {},
    body_size_limit: 0, sample_limit: 0, label_limit: 0, label_name_length_limit: 0, label_value_length_limit: 0, target_limit: 0,
  };
  Object.assign(global, DEFAULT_DISCOVERY_LIMITS, { keep_dropped_targets: DEFAULT_KEEP_DROPPED_TARGETS });
  global.metric_name_escaping_scheme = DEFAULT_ESCAPING_SCHEME;
  global.always_scrape_classic_histograms = false;
  global.scrape_native_histograms = false;
  global.convert_classic_histograms_to_nhcb = false;
  const fields = reader.mapping(node, 'global', 'global',
    ['scrape_interval', 'scrape_timeout', 'evaluation_interval', 'external_labels', 'rule_query_offset', 'query_log_file',
      'keep_dropped_targets', ...LIMIT_FIELDS, ...DISCOVERY_LIMIT_FIELDS, ...PROTOCOL_FIELDS, ...HISTOGRAM_FIELDS]);
  if (fields === undefined) return global;
  const value = (name: string) => fields.get(name)?.value ?? null;

  const interval = reader.duration(value('scrape_interval'), 'global.scrape_interval');
  const timeout = reader.duration(value('scrape_timeout'), 'global.scrape_timeout');
  if (interval) global.scrape_interval = interval;
  if (timeout) {
    if (timeout > global.scrape_interval) reader.error(value('scrape_timeout'), 'global.scrape_timeout', 'global scrape timeout greater than scrape interval');
    global.scrape_timeout = timeout;
  } else {
    global.scrape_timeout = Math.min(defaults.scrape_timeout, global.scrape_interval);
  }
  const evaluation = reader.duration(value('evaluation_interval'), 'global.evaluation_interval');
  if (evaluation) global.evaluation_interval = evaluation;
  reader.duration(value('rule_query_offset'), 'global.rule_query_offset');
  reader.string(value('query_log_file'), 'global.query_log_file');

  global.external_labels = readLabelSet(reader, value('external_labels'), 'global.external_labels');
  Object.assign(global, readLimits(reader, fields, 'global', global));
  for (const name of [...DISCOVERY_LIMIT_FIELDS, 'keep_dropped_targets'] as const) {
    const limit = reader.uint(value(name), `global.${name}`);
    if (limit !== undefined) global[name] = limit;
  }
  const protocols = readScrapeProtocols(reader, value('scrape_protocols'), 'global.scrape_protocols');
  if (protocols !== undefined) global.scrape_protocols = protocols;
  global.metric_name_escaping_scheme = readEscapingScheme(reader, value('metric_name_escaping_scheme'), 'global.metric_name_escaping_scheme')
    ?? DEFAULT_ESCAPING_SCHEME;
  Object.assign(global, readHistogramSettings(reader, fields, 'global', global));
  return global;
}

/** Content negotiation: the protocols offered and the escaping asked for (scrape-protocols.ts). */
const PROTOCOL_FIELDS = ['scrape_protocols', 'metric_name_escaping_scheme'] as const;

/**
 * Histogram handling: scrape_native_histograms, always_scrape_classic_histograms and
 * convert_classic_histograms_to_nhcb as Prometheus has them (native histograms come from
 * protobuf pages; classic ones from any format may be converted to custom buckets).
 */
const HISTOGRAM_FIELDS = ['always_scrape_classic_histograms', 'scrape_native_histograms', 'convert_classic_histograms_to_nhcb'] as const;


interface HistogramSettings {
  always_scrape_classic_histograms: boolean;
  scrape_native_histograms: boolean;
  convert_classic_histograms_to_nhcb: boolean;
}

function readHistogramSettings(reader: YamlReader, fields: Fields, path: string, inherited: Partial<HistogramSettings>): HistogramSettings {
  const node = (name: string) => fields.get(name)?.value ?? null;
  let always = reader.bool(node('always_scrape_classic_histograms'), `${path}.always_scrape_classic_histograms`);
  const legacy = fields.get('scrape_classic_histograms');
  if (legacy !== undefined) {
    if (fields.has('always_scrape_classic_histograms')) {
      reader.error(legacy.key, `${path}.scrape_classic_histograms`,
        'set always_scrape_classic_histograms only: scrape_classic_histograms is its Prometheus 2 name');
    } else {
      always = reader.bool(legacy.value, `${path}.scrape_classic_histograms`);
    }
  }
  return {
    always_scrape_classic_histograms: always ?? inherited.always_scrape_classic_histograms ?? false,
    scrape_native_histograms: reader.bool(node('scrape_native_histograms'), `${path}.scrape_native_histograms`)
      ?? inherited.scrape_native_histograms ?? false,
    convert_classic_histograms_to_nhcb: reader.bool(node('convert_classic_histograms_to_nhcb'), `${path}.convert_classic_histograms_to_nhcb`)
      ?? inherited.convert_classic_histograms_to_nhcb ?? false,
  };
}

/** A label set whose names must be valid label names. */
export function readLabelSet(reader: YamlReader, node: ValueNode, path: string): Record<string, string> {
  return reader.dictionary(node, path, (value, valuePath, key) => {
    const name = String(key.value);
    if (!isValidLabelName(name)) {
      reader.error(key, path, `${JSON.stringify(name)} is not a valid label name`);
      return undefined;
    }
    return value === null ? '' : reader.string(value, valuePath);
  });
}

const SCRAPE_FIELDS = [
  'job_name', 'scrape_interval', 'scrape_timeout', 'metrics_path', 'params', 'scheme', 'honor_labels', 'honor_timestamps',
  'static_configs', 'file_sd_configs', 'relabel_configs', 'metric_relabel_configs', ...LIMIT_FIELDS, ...HTTP_CLIENT_FIELDS,
  'kubernetes_sd_configs', 'kubelet_sd_configs', 'http_sd_configs', 'keep_dropped_targets', ...DISCOVERY_LIMIT_FIELDS,
  'on_parse_error', 'source', ...PROTOCOL_FIELDS, 'fallback_scrape_protocol', ...HISTOGRAM_FIELDS, 'scrape_classic_histograms',
  'native_histogram_bucket_limit', 'native_histogram_min_bucket_factor', 'created_timestamp_zero_ingestion',
] as const;

const SCRAPE_UNSUPPORTED = (key: string): boolean =>
  key.endsWith('_sd_configs') ||
  (HTTP_CLIENT_UNSUPPORTED as readonly string[]).includes(key) ||
  ['track_timestamps_staleness',
    'enable_compression', 'scrape_failure_log_file', 'metric_name_validation_scheme'].includes(key);

/** Reads one job; `configDir` resolves relative file_sd paths, as Prometheus does. */
export function readScrapeConfig(reader: YamlReader, node: ValueNode, jobPath: string, global: GlobalConfig, configDir: string): ScrapeConfig | undefined {
  const fields = reader.mapping(node, jobPath, 'scrape_config', SCRAPE_FIELDS, SCRAPE_UNSUPPORTED);
  if (fields === undefined) return undefined;
  const value = (name: string) => fields.get(name)?.value ?? null;
  const p = (name: string) => `${jobPath}.${name}`;

  const jobName = reader.string(value('job_name'), p('job_name')) ?? '';
  if (jobName === '' && !fields.has('job_name')) reader.error(node, jobPath, 'job_name is empty');
  else if (jobName === '') reader.error(value('job_name') ?? fields.get('job_name')!.key, p('job_name'), 'job_name is empty');

  const interval = reader.duration(value('scrape_interval'), p('scrape_interval')) || global.scrape_interval;
  const explicitTimeout = reader.duration(value('scrape_timeout'), p('scrape_timeout'));
  let timeout = Math.min(global.scrape_timeout, interval);
  if (explicitTimeout) {
    timeout = explicitTimeout;
    if (timeout > interval) {
      reader.error(value('scrape_timeout'), p('scrape_timeout'), `scrape timeout greater than scrape interval for scrape config with job name ${JSON.stringify(jobName)}`);
    }
  }

  // Go's url.URL puts the slash in front of a relative path when it prints the URL; so do we.
  let metricsPath = reader.string(value('metrics_path'), p('metrics_path')) || '/metrics';
  if (!metricsPath.startsWith('/')) metricsPath = `/${metricsPath}`;

  const schemeText = reader.string(value('scheme'), p('scheme')) || 'http';
  if (schemeText !== 'http' && schemeText !== 'https') {
    reader.error(value('scheme'), p('scheme'), `invalid scheme ${JSON.stringify(schemeText)}, must be "http" or "https"`);
  }

  const onParseErrorText = reader.string(value('on_parse_error'), p('on_parse_error')) ?? 'fail';
  if (onParseErrorText !== 'fail' && onParseErrorText !== 'skip') {
    reader.error(value('on_parse_error'), p('on_parse_error'), `invalid on_parse_error ${JSON.stringify(onParseErrorText)}, must be "fail" or "skip"`);
  }

  const job: ScrapeConfig = {
    job_name: jobName,
    scrape_interval: interval,
    scrape_timeout: timeout,
    metrics_path: metricsPath,
    params: reader.dictionary(value('params'), p('params'), (v, vp) => reader.stringList(v, vp)),
    scheme: schemeText === 'https' ? 'https' : 'http',
    honor_labels: reader.bool(value('honor_labels'), p('honor_labels')) ?? false,
    honor_timestamps: reader.bool(value('honor_timestamps'), p('honor_timestamps')) ?? true,
    static_configs: readStaticConfigs(reader, value('static_configs'), p('static_configs')),
    file_sd_configs: readFileSdConfigs(reader, value('file_sd_configs'), p('file_sd_configs'), configDir),
    relabel_configs: readRelabelConfigs(reader, value('relabel_configs'), p('relabel_configs'), 'target relabeling rule'),
    metric_relabel_configs: readRelabelConfigs(reader, value('metric_relabel_configs'), p('metric_relabel_configs'), 'metric relabeling rule'),
    ...readLimits(reader, fields, jobPath, global),
    ...readHttpClient(reader, fields, node, jobPath),
    on_parse_error: onParseErrorText as OnParseError,
    kubernetes_sd_configs: readKubernetesSdConfigs(reader, value('kubernetes_sd_configs'), p('kubernetes_sd_configs'), configDir),
    kubelet_sd_configs: readKubeletSdConfigs(reader, value('kubelet_sd_configs'), p('kubelet_sd_configs')),
    http_sd_configs: readHttpSdConfigs(reader, value('http_sd_configs'), p('http_sd_configs')),
    keep_dropped_targets: reader.uint(value('keep_dropped_targets'), p('keep_dropped_targets')) ?? global.keep_dropped_targets ?? DEFAULT_KEEP_DROPPED_TARGETS,
    max_targets_per_pod: reader.uint(value('max_targets_per_pod'), p('max_targets_per_pod'))
      ?? global.max_targets_per_pod ?? DEFAULT_DISCOVERY_LIMITS.max_targets_per_pod,
    max_targets_per_discovery: reader.uint(value('max_targets_per_discovery'), p('max_targets_per_discovery'))
      ?? global.max_targets_per_discovery ?? DEFAULT_DISCOVERY_LIMITS.max_targets_per_discovery,
    scrape_protocols: readScrapeProtocols(reader, value('scrape_protocols'), p('scrape_protocols')) ?? [...(global.scrape_protocols ?? [])],
    metric_name_escaping_scheme: readEscapingScheme(reader, value('metric_name_escaping_scheme'), p('metric_name_escaping_scheme'))
      ?? global.metric_name_escaping_scheme ?? DEFAULT_ESCAPING_SCHEME,
    ...readHistogramSettings(reader, fields, jobPath, global),
  };
  // scrapewire's per-job form of --enable-feature=created-timestamp-zero-ingestion.
  if (reader.bool(value('created_timestamp_zero_ingestion'), p('created_timestamp_zero_ingestion')) === true) {
    job.created_timestamp_zero_ingestion = true;
  }
  // Neither the job nor global chose: Prometheus's DefaultProtoFirstScrapeProtocols with native
  // histograms (config.go ScrapeConfig.Validate) or with created-timestamp zero ingestion (the
  // feature flag sets them as the default, cmd/prometheus/main.go), DefaultScrapeProtocols otherwise.
  if (job.scrape_protocols!.length === 0) {
    job.scrape_protocols = job.scrape_native_histograms === true || job.created_timestamp_zero_ingestion === true
      ? [...DEFAULT_PROTO_FIRST_SCRAPE_PROTOCOLS] : [...DEFAULT_SCRAPE_PROTOCOLS];
  }
  const bucketLimit = reader.uint(value('native_histogram_bucket_limit'), p('native_histogram_bucket_limit'));
  if (bucketLimit !== undefined && bucketLimit !== 0) job.native_histogram_bucket_limit = bucketLimit;
  const factor = reader.float(value('native_histogram_min_bucket_factor'), p('native_histogram_min_bucket_factor'));
  if (factor !== undefined && factor !== 0) job.native_histogram_min_bucket_factor = factor;
  const fallback = readFallbackScrapeProtocol(reader, value('fallback_scrape_protocol'), p('fallback_scrape_protocol'));
  if (fallback !== undefined) job.fallback_scrape_protocol = fallback;
  const source = fields.get('source');
  if (source !== undefined) {
    reader.error(source.key, p('source'), 'source was removed with the sources section: give the job its targets '
      + '(static_configs, kubelet_sd_configs...); jobs scraping the same URL share one request per interval on their own');
  }
  return job;
}

/** Prometheus refuses a target with a scheme or path: the address is host:port only. */
export function targetProblem(target: string): string | undefined {
  return target.includes('/') ? `${JSON.stringify(target)} is not a valid hostname` : undefined;
}

/** One target group (static_configs item or file_sd file entry): `targets` and `labels`. */
export function readTargetGroup(reader: YamlReader, node: ValueNode, path: string, typeName: string): StaticConfig | undefined {
  const fields = reader.mapping(node, path, typeName, ['targets', 'labels']);
  if (fields === undefined) return undefined;
  const targets: string[] = [];
  for (const item of reader.items(fields.get('targets')?.value ?? null, `${path}.targets`)) {
    const target = reader.string(item.node, item.path);
    if (target === undefined) continue;
    const problem = targetProblem(target);
    if (problem !== undefined) reader.error(item.node, item.path, problem);
    else targets.push(target);
  }
  return { targets, labels: readLabelSet(reader, fields.get('labels')?.value ?? null, `${path}.labels`) };
}

function readStaticConfigs(reader: YamlReader, node: ValueNode, path: string): StaticConfig[] {
  const groups: StaticConfig[] = [];
  for (const item of reader.items(node, path)) {
    if (item.node === null) {
      reader.error(node, item.path, 'empty or null section in static_configs');
      continue;
    }
    const group = readTargetGroup(reader, item.node, item.path, 'static_config');
    if (group !== undefined) groups.push(group);
  }
  return groups;
}

function readFileSdConfigs(reader: YamlReader, node: ValueNode, listPath: string, configDir: string): FileSdConfig[] {
  const configs: FileSdConfig[] = [];
  for (const item of reader.items(node, listPath)) {
    const fields = reader.mapping(item.node, item.path, 'file_sd_config', ['files', 'refresh_interval']);
    if (fields === undefined) continue;
    const filesNode = fields.get('files')?.value ?? null;
    const files: string[] = [];
    for (const fileItem of reader.items(filesNode, `${item.path}.files`)) {
      const name = reader.string(fileItem.node, fileItem.path);
      if (name === undefined) continue;
      if (!FILE_SD_NAME_RE.test(name)) {
        reader.error(fileItem.node, fileItem.path, `path name ${JSON.stringify(name)} is not valid for file discovery`);
        continue;
      }
      files.push(path.isAbsolute(name) ? name : path.join(configDir, name));
    }
    if (filesNode === null || (files.length === 0 && reader.items(filesNode, `${item.path}.files`).length === 0)) {
      reader.error(item.node, item.path, 'file service discovery config must contain at least one path name');
    }
    const refresh = reader.duration(fields.get('refresh_interval')?.value ?? null, `${item.path}.refresh_interval`);
    configs.push({ files, refresh_interval: refresh || DEFAULT_FILE_SD_REFRESH_INTERVAL });
  }
  return configs;
}
