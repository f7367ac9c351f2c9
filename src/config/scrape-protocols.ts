/**
 * The scrape protocols and name escaping schemes, with Prometheus 3's names and defaults: the
 * vocabulary of `scrape_protocols`, `fallback_scrape_protocol` and `metric_name_escaping_scheme`
 * (in `global` and in each scrape_config), read and checked here once for the config loader
 * and for HttpScraper's options. How a protocol becomes an Accept header and a Content-Type a
 * parser is src/scrape/negotiation.ts.
 *
 * Facts from Prometheus (config/config.go, v3.5 to v3.9 and main at d15adb9ad7e5):
 * - names are case sensitive; a name given twice (compared case-insensitively) is an error, and
 *   so is an empty list (`scrape_protocols: []`); an absent or null list means the default;
 * - a job without scrape_protocols takes global's, else the default, which is
 *   DEFAULT_SCRAPE_PROTOCOLS while scrape_native_histograms is false (it always is in scrapewire,
 *   see scrape.ts), PrometheusProto first otherwise;
 * - metric_name_escaping_scheme is one of allow-utf-8, underscores, dots, values; unset, a job
 *   takes global's, and global's default is allow-utf-8 (names are validated as UTF-8, the only
 *   validation scheme scrapewire has).
 */
import { isSeq } from 'yaml';
import type { ValueNode, YamlReader } from './yaml-reader';

export const PROMETHEUS_PROTO = 'PrometheusProto';
export const PROMETHEUS_TEXT_0_0_4 = 'PrometheusText0.0.4';
export const PROMETHEUS_TEXT_1_0_0 = 'PrometheusText1.0.0';
export const OPENMETRICS_TEXT_0_0_1 = 'OpenMetricsText0.0.1';
export const OPENMETRICS_TEXT_1_0_0 = 'OpenMetricsText1.0.0';

/** A scrape protocol as Prometheus names it in `scrape_protocols` and `fallback_scrape_protocol`. */
export type ScrapeProtocol = 'PrometheusProto' | 'PrometheusText0.0.4' | 'PrometheusText1.0.0' | 'OpenMetricsText0.0.1' | 'OpenMetricsText1.0.0';

/** Every name Prometheus knows, sorted as its error message lists them. */
export const SCRAPE_PROTOCOLS: readonly ScrapeProtocol[] = [
  OPENMETRICS_TEXT_0_0_1, OPENMETRICS_TEXT_1_0_0, PROMETHEUS_PROTO, PROMETHEUS_TEXT_0_0_4, PROMETHEUS_TEXT_1_0_0,
];

/** Prometheus's DefaultScrapeProtocols: the order offered when nothing is configured. */
export const DEFAULT_SCRAPE_PROTOCOLS: readonly ScrapeProtocol[] = [
  OPENMETRICS_TEXT_1_0_0, OPENMETRICS_TEXT_0_0_1, PROMETHEUS_TEXT_1_0_0, PROMETHEUS_TEXT_0_0_4,
];

/**
 * Protocols a scrapewire build cannot parse, with the reason: listing one is a config error,
 * never a protocol silently left out of the Accept header. Every protocol Prometheus knows is
 * parsed now (PrometheusProto by the core's protobuf reader, issue 13).
 */
export const UNPARSEABLE_SCRAPE_PROTOCOLS: Readonly<Partial<Record<ScrapeProtocol, string>>> = {};

export function isScrapeProtocol(text: string): text is ScrapeProtocol {
  return (SCRAPE_PROTOCOLS as readonly string[]).includes(text);
}

/** The value of the `escaping` media-type parameter Prometheus asks for (model.EscapingScheme.String()). */
export type EscapingScheme = 'allow-utf-8' | 'underscores' | 'dots' | 'values';

export const ESCAPING_SCHEMES: readonly EscapingScheme[] = ['allow-utf-8', 'underscores', 'dots', 'values'];

export const DEFAULT_ESCAPING_SCHEME: EscapingScheme = 'allow-utf-8';

export function isEscapingScheme(text: string): text is EscapingScheme {
  return (ESCAPING_SCHEMES as readonly string[]).includes(text);
}

/** Why one protocol name cannot be used, or undefined when it can. */
export function scrapeProtocolProblem(name: string): string | undefined {
  if (!isScrapeProtocol(name)) {
    return `unknown scrape protocol ${JSON.stringify(name)}, supported: ${SCRAPE_PROTOCOLS.join(', ')}`;
  }
  return UNPARSEABLE_SCRAPE_PROTOCOLS[name];
}

/**
 * Why a scrape_protocols list cannot be used, or undefined. Checked in Prometheus's order
 * (item by item, a duplicate before an unknown name); `index` is the offending item's.
 */
export function scrapeProtocolsProblem(names: readonly string[]): { reason: string; index?: number } | undefined {
  if (names.length === 0) return { reason: 'cannot be empty' };
  const seen = new Set<string>();
  for (const [index, name] of names.entries()) {
    if (seen.has(name.toLowerCase())) return { reason: `duplicated protocol ${JSON.stringify(name)}`, index };
    const problem = scrapeProtocolProblem(name);
    if (problem !== undefined) return { reason: problem, index };
    seen.add(name.toLowerCase());
  }
  return undefined;
}

/** `scrape_protocols`: undefined when absent or null (the caller applies the default). */
export function readScrapeProtocols(reader: YamlReader, node: ValueNode, path: string): ScrapeProtocol[] | undefined {
  if (node === null) return undefined;
  if (!isSeq(node)) {
    reader.items(node, path); // reports "expected a sequence"
    return undefined;
  }
  const names: string[] = [];
  const nodes: ValueNode[] = [];
  for (const item of reader.items(node, path)) {
    if (item.node === null) {
      reader.error(node, item.path, 'expected a scrape protocol, got null');
      return undefined;
    }
    const name = reader.string(item.node, item.path);
    if (name === undefined) return undefined;
    names.push(name);
    nodes.push(item.node);
  }
  const problem = scrapeProtocolsProblem(names);
  if (problem !== undefined) {
    const at = problem.index === undefined ? node : nodes[problem.index];
    reader.error(at, problem.index === undefined ? path : `${path}[${problem.index}]`, problem.reason);
    return undefined;
  }
  return names as ScrapeProtocol[];
}

/** `fallback_scrape_protocol`: one protocol name; undefined when absent. */
export function readFallbackScrapeProtocol(reader: YamlReader, node: ValueNode, path: string): ScrapeProtocol | undefined {
  const name = reader.string(node, path);
  if (name === undefined || name === '') return undefined;
  const problem = scrapeProtocolProblem(name);
  if (problem !== undefined) {
    reader.error(node, path, problem);
    return undefined;
  }
  return name as ScrapeProtocol;
}

/** `metric_name_escaping_scheme`: undefined when absent or empty (the caller inherits). */
export function readEscapingScheme(reader: YamlReader, node: ValueNode, path: string): EscapingScheme | undefined {
  const text = reader.string(node, path);
  if (text === undefined || text === '') return undefined;
  if (!isEscapingScheme(text)) {
    reader.error(node, path, `unknown name escaping method ${JSON.stringify(text)}, must be one of ${ESCAPING_SCHEMES.map((s) => `'${s}'`).join(', ')}`);
    return undefined;
  }
  return text;
}
