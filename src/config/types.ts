/**
 * The validated, fully defaulted configuration.
 *
 * Field names stay snake_case, exactly as in the YAML and in Prometheus's documentation, so a
 * field can be looked up in either without translation (RelabelConfig in src/relabel/types.ts
 * does the same). Every duration is a number of milliseconds and every size a number of bytes;
 * 0 means "no limit" for limits, as in Prometheus. Optional fields are absent when not configured
 * and have no default.
 */
import type { RelabelConfig } from '../relabel/types';
import type { RemoteWriteProtocol } from '../remote-write-protocol';
import type { EscapingScheme, ScrapeProtocol } from './scrape-protocols';

export type { EscapingScheme, RelabelConfig, ScrapeProtocol };

/** A validated configuration, every default filled in (durations in ms, sizes in bytes); made by parseConfig. */
export interface Config {
  global: GlobalConfig;
  scrape_configs: ScrapeConfig[];
  remote_write: RemoteWriteConfig[];
  plugins: PluginsConfig;
  /** Prometheus sections accepted for compatibility and ignored (rule_files, alerting...), with where they were. */
  warnings: string[];
}

/** The limits a job inherits from `global` unless it sets its own. */
export interface ScrapeLimits {
  body_size_limit: number;
  sample_limit: number;
  label_limit: number;
  label_name_length_limit: number;
  label_value_length_limit: number;
  target_limit: number;
}

/**
 * scrapewire: caps on what discovery may hand to relabeling, so a pod declaring thousands of
 * ports, or a discovery source gone wild, cannot become thousands of targets. Targets beyond a
 * cap are dropped before relabeling, counted and logged. 0 means no cap. A job inherits them
 * from `global` unless it sets its own.
 */
export interface DiscoveryLimits {
  /** Targets one pod may give (kubernetes_sd roles pod, endpoints, endpointslice; kubelet_sd). Default 64. */
  max_targets_per_pod: number;
  /** Targets one `*_sd_configs` entry (one provider) may give. Default 50,000. */
  max_targets_per_discovery: number;
}

/** The `global` section: default interval, timeout and limits of every job, external labels. */
export interface GlobalConfig extends ScrapeLimits, Partial<DiscoveryLimits> {
  /** Inherited by jobs that do not set their own (see ScrapeConfig.keep_dropped_targets). */
  keep_dropped_targets?: number;
  scrape_interval: number;
  scrape_timeout: number;
  /** Accepted for compatibility with prometheus.yml; scrapewire evaluates no rules. */
  evaluation_interval: number;
  external_labels: Record<string, string>;
  /** Absent: jobs that set none offer DEFAULT_SCRAPE_PROTOCOLS (config/scrape-protocols.ts). */
  scrape_protocols?: ScrapeProtocol[];
  /** Inherited by jobs that set none; the loader always sets it (default allow-utf-8). */
  metric_name_escaping_scheme?: EscapingScheme;
  /** Inherited by jobs that set none (see ScrapeConfig). */
  always_scrape_classic_histograms?: boolean;
  scrape_native_histograms?: boolean;
  convert_classic_histograms_to_nhcb?: boolean;
}

/** `basic_auth` of an HTTP client section. */
export interface BasicAuth {
  username: string;
  password?: string;
  password_file?: string;
}

/** `authorization` of an HTTP client section (type and credentials). */
export interface Authorization {
  /** Default 'Bearer'. */
  type: string;
  credentials?: string;
  credentials_file?: string;
}

/** `tls_config` of an HTTP client section. */
export interface TlsConfig {
  ca_file?: string;
  cert_file?: string;
  key_file?: string;
  server_name?: string;
  insecure_skip_verify: boolean;
}

/**
 * How to talk HTTP to an endpoint. bearer_token and bearer_token_file are folded into
 * `authorization` (type Bearer) after validation, as Prometheus does, so consumers look in one place.
 */
export interface HttpClientConfig {
  authorization?: Authorization;
  basic_auth?: BasicAuth;
  tls_config: TlsConfig;
  /** Follow 3xx redirects; absent means true (Prometheus's default). Scrapes only so far. */
  follow_redirects?: boolean;
}

/** A `static_configs` group: addresses and the labels they share. */
export interface StaticConfig {
  targets: string[];
  labels: Record<string, string>;
}

/** A `file_sd_configs` entry. */
export interface FileSdConfig {
  /** Paths or globs (a `*` only in the last path element), relative paths resolved against the config file's directory. */
  files: string[];
  refresh_interval: number;
}

/** The kind of Kubernetes objects a kubernetes_sd_configs entry turns into targets. */
export type KubernetesRole = 'node' | 'pod' | 'service' | 'endpoints' | 'endpointslice' | 'ingress';

/** A label or field selector of a kubernetes_sd_configs entry, for one role. */
export interface KubernetesSelector {
  role: KubernetesRole;
  /** A label selector, sent to the API server as `labelSelector`. */
  label?: string;
  /** A field selector, sent as `fieldSelector` (`spec.nodeName=<node>` for a DaemonSet). */
  field?: string;
}

/**
 * Prometheus's kubernetes_sd_config. Without api_server or kubeconfig_file the in-cluster
 * configuration is used (KUBERNETES_SERVICE_HOST/PORT, the service-account token and CA);
 * the HTTP client fields (authorization, tls_config...) need api_server, as in Prometheus.
 */
export interface KubernetesSdConfig extends HttpClientConfig {
  role: KubernetesRole;
  api_server?: string;
  /** Resolved against the config file's directory. */
  kubeconfig_file?: string;
  namespaces: { own_namespace: boolean; names: string[] };
  selectors: KubernetesSelector[];
  attach_metadata: { node: boolean; namespace: boolean };
}

/**
 * scrapewire's node-local pod discovery: the kubelet's `/pods`, polled every refresh_interval,
 * giving the same `__meta_kubernetes_pod_*` labels as kubernetes_sd role pod (the model is
 * Grafana Alloy's discovery.kubelet: same field names and defaults).
 */
export interface KubeletSdConfig extends HttpClientConfig {
  /** The kubelet's base URL; `/pods` is appended. Default https://localhost:10250. */
  url: string;
  refresh_interval: number;
  /** Pods of these namespaces only; empty: every namespace. */
  namespaces: string[];
}

/** Prometheus's http_sd_config: JSON target groups from a URL. */
export interface HttpSdConfig extends HttpClientConfig {
  url: string;
  refresh_interval: number;
}

/** What a bad line of a page does: fail the scrape (Prometheus) or skip the line (vmagent). */
export type OnParseError = 'fail' | 'skip';

/** A validated `scrape_configs` job: how its targets are found, scraped, relabeled and limited. */
export interface ScrapeConfig extends ScrapeLimits, HttpClientConfig {
  job_name: string;
  scrape_interval: number;
  scrape_timeout: number;
  metrics_path: string;
  params: Record<string, string[]>;
  scheme: 'http' | 'https';
  honor_labels: boolean;
  honor_timestamps: boolean;
  static_configs: StaticConfig[];
  file_sd_configs: FileSdConfig[];
  relabel_configs: RelabelConfig[];
  metric_relabel_configs: RelabelConfig[];
  /** scrapewire: what a malformed exposition does to the scrape. Default 'fail'. */
  on_parse_error: OnParseError;
  // The fields below are always set by the loader; optional so code building a ScrapeConfig by
  // hand (and configs made before they existed) keeps working: absent reads as empty / default.
  kubernetes_sd_configs?: KubernetesSdConfig[];
  kubelet_sd_configs?: KubeletSdConfig[];
  http_sd_configs?: HttpSdConfig[];
  /**
   * Targets dropped by relabeling kept for /api/v1/targets (droppedTargets); 0: all. Default
   * 1,000 (Prometheus keeps all by default; see scrape.ts DEFAULT_KEEP_DROPPED_TARGETS).
   */
  keep_dropped_targets?: number;
  max_targets_per_pod?: number;
  max_targets_per_discovery?: number;
  /**
   * The exposition formats offered in Accept, most wanted first (Prometheus's names); absent
   * reads as DEFAULT_SCRAPE_PROTOCOLS (PrometheusProto first when scrape_native_histograms or
   * created_timestamp_zero_ingestion is true).
   */
  scrape_protocols?: ScrapeProtocol[];
  /** The parser for a response whose Content-Type is blank, malformed or unknown; absent: such a scrape fails. */
  fallback_scrape_protocol?: ScrapeProtocol;
  /** The `escaping` parameter asked for with the 1.0.0 text formats; absent reads as allow-utf-8. */
  metric_name_escaping_scheme?: EscapingScheme;
  /**
   * Prometheus's "also ingest the classic buckets of a histogram exposed as native too": with
   * scrape_native_histograms, a protobuf histogram with native parts gives its classic series
   * as well. `scrape_classic_histograms` (Prometheus 2's name) is read into this field.
   */
  always_scrape_classic_histograms?: boolean;
  /**
   * A protobuf histogram with native parts is one native histogram sample (and the default
   * scrape_protocols put PrometheusProto first). Default false: read as a classic histogram.
   */
  scrape_native_histograms?: boolean;
  /** Past this many buckets a native histogram's resolution is reduced; at schema -4 still over, the scrape fails. 0: none. */
  native_histogram_bucket_limit?: number;
  /** Native histograms are reduced to the largest schema whose bucket growth factor is at least this. 0: none. */
  native_histogram_min_bucket_factor?: number;
  /**
   * Classic histograms (text, OpenMetrics or protobuf) become native histograms with custom
   * buckets (schema -53): one series instead of one per bucket. Default false.
   */
  convert_classic_histograms_to_nhcb?: boolean;
  /**
   * scrapewire's own, per job: what Prometheus does process-wide with
   * `--enable-feature=created-timestamp-zero-ingestion`. OpenMetrics `_created` lines of counter,
   * summary and histogram families are start timestamps instead of series; remote write 2.0
   * sends start timestamps (from them and from protobuf pages) as start_timestamp, and 1.0 a zero
   * sample at a start timestamp older than its sample and newer than the series' last sample.
   * The default scrape_protocols put PrometheusProto first, as the flag does. Default false.
   */
  created_timestamp_zero_ingestion?: boolean;
}

/** `queue_config` of a remote_write entry: shards, batch size and deadline, backoff. */
export interface QueueConfig {
  capacity: number;
  max_shards: number;
  min_shards: number;
  max_samples_per_send: number;
  batch_send_deadline: number;
  min_backoff: number;
  max_backoff: number;
  retry_on_http_429: boolean;
}

/** `metadata_config` of a remote_write entry: whether and how often 1.0 metadata is sent. */
export interface MetadataConfig {
  send: boolean;
  send_interval: number;
  max_samples_per_send: number;
}

/** A validated `remote_write` entry: the receiver, its auth and TLS, queue, budgets and protocol. */
export interface RemoteWriteConfig extends HttpClientConfig {
  url: string;
  /** Defaults to the first 6 hex digits of a hash of the url, like Prometheus's queue names. */
  name: string;
  remote_timeout: number;
  headers: Record<string, string>;
  write_relabel_configs: RelabelConfig[];
  protobuf_message: RemoteWriteProtocol;
  /** Native histogram samples are sent (remote write 1.0 and 2.0); false (the default, as Prometheus): left out. */
  send_native_histograms: boolean;
  /** Exemplars are sent in remote write 1.0 (in their sample's TimeSeries); false (the default, as Prometheus): not. 2.0 always carries them. */
  send_exemplars: boolean;
  queue_config: QueueConfig;
  metadata_config: MetadataConfig;
  /** scrapewire: bytes the on-disk queue may use for this endpoint; 0 = no disk queue. */
  disk_budget: number;
  /** scrapewire: bytes of pending batches held in memory before spilling to disk. */
  memory_budget: number;
}

/** The `plugins` section: which plugins run, and their settings. */
export interface PluginsConfig {
  /** A regex (anchored) over plugin names; '' enables none. */
  enabled: string;
  settings: Record<string, Record<string, unknown>>;
}

/** A target group as static_configs and file_sd produce it. */
export interface TargetGroup {
  targets: string[];
  labels: Record<string, string>;
  /** Where the group came from (file path and index), unique per group. */
  source: string;
}
