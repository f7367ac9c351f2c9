/**
 * Configuration loading: Prometheus's prometheus.yml plus scrapewire's own sections, parsed with
 * positions, validated once, returned as a fully defaulted `Config` (see types.ts for the shape:
 * snake_case names as in the YAML, durations in milliseconds, sizes in bytes).
 *
 * Every problem is reported as `file:line: path: reason` (or `file:line: reason` for unknown
 * fields, in Prometheus's wording: `field "x" not found in scrape_config`). All problems found
 * are collected into one ConfigError (code ERR_CONFIG), the first one on the first line.
 *
 * Defaults are Prometheus's (global scrape_interval 1m, scrape_timeout 10s). scrapewire's CLI
 * scrapes every second by default; it passes `defaultScrapeInterval: 1000` rather than this
 * module changing what a prometheus.yml means.
 *
 * `${NAME}` and `%{NAME}` are replaced from the environment in every value of the file, at load
 * and at every reload; an unset variable is an error naming it and its line (env.ts has the
 * rules and escapes). On top of that, `expandExternalLabels` (Prometheus's
 * `--enable-feature=expand-external-labels`) also replaces `$VAR` in external label values, an
 * unset variable becoming empty and `$$` a literal `$`, as Prometheus does.
 */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { isMap, LineCounter, parseDocument, type Node } from 'yaml';
import { ConfigError } from './errors';
import { readRemoteWrite } from './remote-write';
import { PROMETHEUS_GLOBAL_DEFAULTS, readGlobal, readScrapeConfig } from './scrape';
import { readPlugins } from './plugins';
import type { Config, GlobalConfig } from './types';
import { YamlReader, type ConfigProblem } from './yaml-reader';

/** Defaults and environment for `parseConfig` and `loadConfigFile`. */
export interface ParseOptions {
  /** Global scrape_interval when the file sets none, in ms. Default 60000 (Prometheus's). */
  defaultScrapeInterval?: number;
  /** Global scrape_timeout when the file sets none, in ms (capped at the interval). Default 10000. */
  defaultScrapeTimeout?: number;
  /** Also expand Prometheus's `$VAR` and `$$` in external label values. Default false. */
  expandExternalLabels?: boolean;
  /** The environment `${NAME}` and `%{NAME}` are read from. Default process.env. */
  env?: Record<string, string | undefined>;
}

const TOP_LEVEL_FIELDS = ['global', 'scrape_configs', 'remote_write', 'plugins'] as const;

// Prometheus sections that are about evaluating or storing, not collecting: accepted so a
// prometheus.yml loads unchanged, ignored with a warning.
const IGNORED_SECTIONS = ['rule_files', 'alerting', 'remote_read', 'storage', 'tracing', 'otlp', 'runtime'] as const;

const UNSUPPORTED_SECTIONS = ['scrape_config_files'];

/**
 * `sources:` fed a second scrape pipeline until issue 15 made every target a scrape_configs
 * target; there were no users to keep compatible, so it is refused with the way out.
 */
export const SOURCES_REMOVED = 'the sources section was removed: every target is a scrape_configs job now (static_configs for the '
  + 'kubelet\'s /metrics and /metrics/cadvisor, kubelet_sd_configs for the pods of this node, see deploy/configmap.yaml); '
  + 'targets with the same URL and credentials share one request per interval on their own, and plugins name the jobs they read';

/** An empty configuration with every default (no jobs, no remote_write). */
export function defaultConfig(options: ParseOptions = {}): Config {
  return parseConfig('', '<default>', options);
}

/** Reads and validates a Prometheus-format configuration file; throws ConfigError. */
export async function loadConfigFile(fileName: string, options: ParseOptions = {}): Promise<Config> {
  let text: string;
  try {
    text = await readFile(fileName, 'utf8');
  } catch (err) {
    throw new ConfigError([{ file: fileName, line: 0, message: `cannot read configuration: ${(err as Error).message}` }], { cause: err });
  }
  return parseConfig(text, fileName, options);
}

/** Parses and validates `text`; `fileName` names the file in messages and anchors relative paths. */
export function parseConfig(text: string, fileName: string, options: ParseOptions = {}): Config {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { schema: 'failsafe', lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ConfigError(doc.errors.map((error): ConfigProblem => ({
      file: fileName,
      line: lineCounter.linePos(error.pos[0]).line,
      message: error.code === 'DUPLICATE_KEY'
        ? `mapping key ${JSON.stringify(keyTextAt(text, error.pos[0]))} already defined`
        : `yaml: ${error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`,
    })));
  }

  const reader = new YamlReader(doc, lineCounter, fileName, options.env ?? process.env);
  const root = reader.resolve(doc.contents);
  const fields = reader.mapping(root, '', 'config', [...TOP_LEVEL_FIELDS, ...IGNORED_SECTIONS, 'sources'], UNSUPPORTED_SECTIONS) ?? new Map();
  const value = (name: string) => fields.get(name)?.value ?? null;

  const warnings: string[] = [];
  for (const name of IGNORED_SECTIONS) {
    const entry = fields.get(name);
    if (entry !== undefined && entry.value !== null) {
      warnings.push(`${fileName}:${reader.lineOf(entry.key)}: ${name} is ignored: scrapewire collects and forwards, it does not evaluate or store`);
    }
  }

  const global = readGlobal(reader, value('global'), {
    scrape_interval: options.defaultScrapeInterval ?? PROMETHEUS_GLOBAL_DEFAULTS.scrape_interval,
    scrape_timeout: options.defaultScrapeTimeout ?? PROMETHEUS_GLOBAL_DEFAULTS.scrape_timeout,
  });
  if (options.expandExternalLabels === true) expandExternalLabels(global, options.env ?? process.env);

  const config: Config = { global, scrape_configs: [], remote_write: [], plugins: { enabled: '', settings: {} }, warnings };
  const configDir = path.dirname(fileName);

  const sources = fields.get('sources');
  if (sources !== undefined) reader.error(sources.key, 'sources', SOURCES_REMOVED);

  const jobNames = new Set<string>();
  for (const item of reader.items(value('scrape_configs'), 'scrape_configs')) {
    if (item.node === null) { reader.error(value('scrape_configs'), item.path, 'empty or null scrape config section'); continue; }
    const job = readScrapeConfig(reader, item.node, item.path, global, configDir);
    if (job === undefined) continue;
    if (job.job_name !== '' && jobNames.has(job.job_name)) {
      reader.error(fieldNode(item.node, 'job_name'), `${item.path}.job_name`, `found multiple scrape configs with job name ${JSON.stringify(job.job_name)}`);
    }
    jobNames.add(job.job_name);
    config.scrape_configs.push(job);
  }

  const writeNames = new Set<string>();
  for (const item of reader.items(value('remote_write'), 'remote_write')) {
    if (item.node === null) { reader.error(value('remote_write'), item.path, 'empty or null remote write config section'); continue; }
    const remote = readRemoteWrite(reader, item.node, item.path);
    if (remote === undefined) continue;
    if (remote.name !== '' && writeNames.has(remote.name)) {
      reader.error(fieldNode(item.node, 'name'), `${item.path}.name`, `found multiple remote write configs with job name ${JSON.stringify(remote.name)}`);
    }
    writeNames.add(remote.name);
    config.remote_write.push(remote);
  }

  config.plugins = readPlugins(reader, value('plugins'));

  if (reader.problems.length > 0) {
    // Report in file order, whatever order the sections were read in.
    const problems = reader.problems.map((problem, index) => ({ problem, index }))
      .sort((a, b) => a.problem.line - b.problem.line || a.index - b.index)
      .map(({ problem }) => problem);
    throw new ConfigError(problems);
  }
  return config;
}

/** The value node of `field` in a mapping, for positions; the mapping itself when absent. */
function fieldNode(node: Node, field: string): Node {
  return (isMap(node) ? (node.get(field, true) as Node | undefined) : undefined) ?? node;
}

/** The key written at `offset` (yaml reports a duplicate key by its first character). */
function keyTextAt(text: string, offset: number): string {
  const match = /^(?:"((?:[^"\\]|\\.)*)"|'((?:[^']|'')*)'|([^:\n]*?))\s*:/.exec(text.slice(offset));
  if (match === null) return text.slice(offset, offset + 1);
  return match[1] ?? match[2]?.replace(/''/g, "'") ?? match[3];
}

function expandExternalLabels(global: GlobalConfig, env: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(global.external_labels)) {
    global.external_labels[name] = value.replace(/\$\$|\$\{(\w+)\}|\$(\w+)/g, (match, braced?: string, bare?: string) =>
      match === '$$' ? '$' : env[braced ?? bare ?? ''] ?? '');
  }
}
