/**
 * From a scrape_config and its discovered target groups (src/discovery/) to TargetSpecs, as
 * Prometheus's PopulateLabels does it:
 *   1. the group's labels, then the target's labels (`__address__`, `__meta_*`; the target wins):
 *      with the defaults of step 2, these are the target's discovered labels (/api/v1/targets);
 *   2. unless set, job, __scrape_interval__, __scrape_timeout__, __metrics_path__, __scheme__ and
 *      `__param_<name>` (the first value of each params entry) from the scrape_config;
 *   3. relabel_configs (a drop removes the target);
 *   4. `__address__` must be set; interval and timeout are read back from their labels;
 *      `__meta_*` labels are removed; `instance` defaults to `__address__`;
 *   5. the URL is `__scheme__://__address____metrics_path__?params`, `__param_*` replacing the
 *      first value of the same parameter; the labels starting with `__` are dropped from the
 *      target's labels.
 * Runs once per target per discovery update, never per scrape.
 */
import { createHash } from 'node:crypto';
import { ScrapewireError } from '../errors';
import { compareLabelNames } from '../labels';
import type { Label } from '../labels';
import { formatDuration, parseDuration } from '../config/units';
import { httpClientOptions } from './http-client-options';
import { LOCAL_SCHEME } from './local-source';
import { negotiationOptions } from './negotiation';
import type { ScrapeConfig, StaticConfig } from '../config/types';
import type { DiscoveredGroup, LabelSet } from '../discovery/types';
import type { Relabeler } from '../relabel/relabeler';
import type { TargetSpec } from './target';

const ADDRESS = '__address__';
const SCHEME = '__scheme__';
const METRICS_PATH = '__metrics_path__';
const SCRAPE_INTERVAL = '__scrape_interval__';
const SCRAPE_TIMEOUT = '__scrape_timeout__';
const PARAM_PREFIX = '__param_';
const META_PREFIX = '__meta_';
const RESERVED_PREFIX = '__';

export interface BuiltTargets {
  specs: TargetSpec[];
  /** Targets dropped by relabel_configs. */
  dropped: number;
  /** Targets that could not be built (no address, bad interval...), each naming the job and the target. */
  errors: ScrapewireError[];
}

/** One discovered target after relabeling: kept (with its spec) or dropped. */
export interface BuiltTarget {
  /** Labels before relabeling: group and target labels plus the job's defaults. */
  discovered: LabelSet;
  /** Undefined when relabel_configs dropped the target. */
  spec?: TargetSpec;
}

export interface BuiltGroup {
  targets: BuiltTarget[];
  errors: ScrapewireError[];
}

/** A job's compiled relabel_configs and metric_relabel_configs. */
export interface TargetRelabelers {
  relabel: Relabeler;
  metricRelabel?: Relabeler;
  /** jobFingerprint(config), computed once per job by the caller rather than once per target. */
  fingerprint?: string;
}

/** Every target of every static group (`targets` are addresses), labeled and relabeled. */
export function buildTargets(config: ScrapeConfig, groups: readonly StaticConfig[], relabelers: TargetRelabelers): BuiltTargets {
  const built: BuiltTargets = { specs: [], dropped: 0, errors: [] };
  for (const group of groups) {
    const discovered: DiscoveredGroup = { source: '', labels: group.labels, targets: group.targets.map((address) => ({ [ADDRESS]: address })) };
    const result = buildGroupTargets(config, discovered, relabelers);
    built.errors.push(...result.errors);
    for (const target of result.targets) {
      if (target.spec === undefined) built.dropped++;
      else built.specs.push(target.spec);
    }
  }
  return built;
}

/**
 * Every target of one discovered group, labeled and relabeled, in the group's order. A target
 * that cannot be built (no address, a bad interval label...) is an error naming the job and the
 * target, and is neither active nor dropped, as in Prometheus.
 */
export function buildGroupTargets(config: ScrapeConfig, group: DiscoveredGroup, relabelers: TargetRelabelers): BuiltGroup {
  const built: BuiltGroup = { targets: [], errors: [] };
  for (const targetLabels of group.targets) {
    const discovered = discoveredLabels(config, targetLabels, group.labels);
    try {
      const spec = buildTarget(config, discovered, relabelers);
      built.targets.push(spec === null ? { discovered } : { discovered, spec });
    } catch (err) {
      const reason = err instanceof ScrapewireError ? err.detail : String(err);
      const name = targetLabels[ADDRESS] ?? `target in group ${group.source}`;
      built.errors.push(new ScrapewireError('ERR_CONFIG', `job ${JSON.stringify(config.job_name)}: ${reason}`, { target: name, cause: err }));
    }
  }
  return built;
}

/**
 * A target's labels before relabeling, as Prometheus's PopulateDiscoveredLabels: target labels,
 * then group labels the target does not have, then the job's defaults where still unset.
 */
export function discoveredLabels(config: ScrapeConfig, targetLabels: LabelSet, groupLabels: LabelSet): LabelSet {
  const set: LabelSet = { ...targetLabels };
  for (const name of Object.keys(groupLabels)) if (!Object.hasOwn(targetLabels, name)) set[name] = groupLabels[name];
  const defaults: Array<[string, string]> = [
    ['job', config.job_name],
    [SCRAPE_INTERVAL, formatDuration(config.scrape_interval)],
    [SCRAPE_TIMEOUT, formatDuration(config.scrape_timeout)],
    [METRICS_PATH, config.metrics_path],
    [SCHEME, config.scheme],
  ];
  for (const [name, value] of Object.entries(config.params)) if (value.length > 0) defaults.push([PARAM_PREFIX + name, value[0]]);
  for (const [name, value] of defaults) if (!set[name]) set[name] = value;
  // An empty value is no label, as in Prometheus's label builder (and relabeling).
  for (const name of Object.keys(set)) if (set[name] === '') delete set[name];
  return set;
}

/** The labels of one target after relabeling (`__` names included), or null when dropped. */
export function populateLabels(config: ScrapeConfig, address: string, groupLabels: Record<string, string>, relabel: Relabeler): Map<string, string> | null {
  return relabelLabels(discoveredLabels(config, { [ADDRESS]: address }, groupLabels), relabel);
}

function relabelLabels(discovered: LabelSet, relabel: Relabeler): Map<string, string> | null {
  const relabeled = relabel.process(sortLabels(new Map(Object.entries(discovered))));
  if (relabeled === null) return null;
  return new Map(relabeled);
}

function buildTarget(config: ScrapeConfig, discovered: LabelSet, relabelers: TargetRelabelers): TargetSpec | null {
  const set = relabelLabels(discovered, relabelers.relabel);
  if (set === null) return null;
  const fail = (reason: string): never => { throw new ScrapewireError('ERR_CONFIG', reason); };
  const addr = set.get(ADDRESS) ?? '';
  if (addr === '') fail('no address');
  if (/[/?#@\s]/.test(addr)) fail(`"${addr}" is not a valid hostname`);

  const interval = set.get(SCRAPE_INTERVAL) ?? '';
  const timeout = set.get(SCRAPE_TIMEOUT) ?? '';
  const intervalMs = parseDuration(interval);
  const timeoutMs = parseDuration(timeout);
  if (intervalMs === undefined) fail(`error parsing scrape interval: not a valid duration string: "${interval}"`);
  if (intervalMs === 0) fail('scrape interval cannot be 0');
  if (timeoutMs === undefined) fail(`error parsing scrape timeout: not a valid duration string: "${timeout}"`);
  if (timeoutMs === 0) fail('scrape timeout cannot be 0');
  if (timeoutMs! > intervalMs!) fail(`scrape timeout cannot be greater than scrape interval ("${timeout}" > "${interval}")`);

  for (const name of [...set.keys()]) if (name.startsWith(META_PREFIX)) set.delete(name);
  if (!set.get('instance')) set.set('instance', addr);

  const scheme = set.get(SCHEME) ?? config.scheme;
  // `local`: an in-process source of the embedding service (local-source.ts), named by the address.
  if (scheme !== 'http' && scheme !== 'https' && scheme !== LOCAL_SCHEME) fail(`scheme must be http or https, not "${scheme}"`);
  const url = targetUrl(scheme, addr, set.get(METRICS_PATH) ?? '', config.params, set);

  const labels: Label[] = sortLabels(new Map([...set].filter(([name]) => !name.startsWith(RESERVED_PREFIX))));
  return {
    job: config.job_name,
    labels,
    intervalMs: intervalMs!,
    http: {
      ...httpClientOptions(config), ...negotiationOptions(config), url, scrapeTimeoutMs: timeoutMs!, bodySizeLimitBytes: config.body_size_limit,
    },
    honorLabels: config.honor_labels,
    honorTimestamps: config.honor_timestamps,
    onParseError: config.on_parse_error,
    sampleLimit: config.sample_limit,
    labelLimit: config.label_limit,
    labelNameLengthLimit: config.label_name_length_limit,
    labelValueLengthLimit: config.label_value_length_limit,
    histograms: {
      scrapeNativeHistograms: config.scrape_native_histograms === true,
      alwaysScrapeClassicHistograms: config.always_scrape_classic_histograms === true,
      nativeHistogramBucketLimit: config.native_histogram_bucket_limit ?? 0,
      nativeHistogramMinBucketFactor: config.native_histogram_min_bucket_factor ?? 0,
      convertClassicHistogramsToNhcb: config.convert_classic_histograms_to_nhcb === true,
      createdTimestampZeroIngestion: config.created_timestamp_zero_ingestion === true,
    },
    metricRelabeler: relabelers.metricRelabel,
    fingerprint: relabelers.fingerprint ?? jobFingerprint(config),
  };
}

/**
 * What a target's scraping depends on besides its URL and labels: every setting of its job but
 * the target lists. A reload that changes it (a relabel rule, a limit, auth) replaces the
 * target's scraper; one that does not leaves the target, its schedule and its series cache alone.
 */
export function jobFingerprint(config: ScrapeConfig): string {
  // Only what the scraping of a target depends on: where targets come from does not count.
  const {
    static_configs: _static, file_sd_configs: _fileSd, kubernetes_sd_configs: _kubernetes, kubelet_sd_configs: _kubelet,
    http_sd_configs: _http, keep_dropped_targets: _keep, max_targets_per_pod: _perPod, max_targets_per_discovery: _perDiscovery,
    ...settings
  } = config;
  return createHash('sha256').update(JSON.stringify(settings)).digest('hex').slice(0, 16);
}

function targetUrl(scheme: string, address: string, path: string, params: Record<string, string[]>, set: Map<string, string>): string {
  const query = new Map<string, string[]>(Object.entries(params).map(([name, values]) => [name, [...values]]));
  for (const [name, value] of set) {
    if (!name.startsWith(PARAM_PREFIX)) continue;
    const key = name.slice(PARAM_PREFIX.length);
    const values = query.get(key);
    if (values !== undefined && values.length > 0) values[0] = value;
    else query.set(key, [value]);
  }
  // Parsed once to check the address and to escape the path as a URL does.
  const url = new URL(`${scheme}://${address}`);
  url.pathname = path;
  // Go's url.Values.Encode sorts by key.
  const search = new URLSearchParams();
  for (const key of [...query.keys()].sort()) for (const value of query.get(key)!) search.append(key, value);
  url.search = search.toString();
  // The address as discovered, as Go's url.URL prints it: WHATWG URLs drop a default port
  // (`host:80` becomes `host`), and the scrape URL Prometheus shows keeps it.
  return `${scheme}://${address}${url.pathname}${url.search}`;
}

function sortLabels(set: Map<string, string>): Label[] {
  return [...set].filter(([, value]) => value !== '').sort((a, b) => compareLabelNames(a[0], b[0]));
}
