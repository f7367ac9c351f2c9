/**
 * Lists of the conformance fixtures under test/fixtures/, classified once here so every test
 * (reference parser, WASM core, streaming, benchmarks) runs over the same files.
 *
 * Every file under test/fixtures/exposition/ gets exactly one class (see classifyExposition);
 * a test checks that none is left unclassified, so a new fixture cannot be skipped silently.
 */

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

import { FIXTURES_DIR } from './paths';
export { FIXTURES_DIR };
export const EXPOSITION_DIR = join(FIXTURES_DIR, 'exposition');
export const OPENMETRICS_SUITE_DIR = join(FIXTURES_DIR, 'openmetrics', 'parsers');

export interface FixtureFile {
  /** Path relative to test/fixtures/exposition, with `/` separators. */
  name: string;
  /** Absolute path. */
  path: string;
}

export interface OpenMetricsCase {
  /** The case's directory name, e.g. `bad_blank_line`. */
  name: string;
  /** Absolute path of the case's directory (holding `metrics` and `test.json`). */
  dir: string;
  shouldParse: boolean;
}

/**
 * - `text`: a Prometheus text 0.0.4 payload that must parse.
 * - `text-invalid`: text 0.0.4 input that must be rejected (expfmt's fuzz `from_test_parse_error_*`).
 * - `openmetrics`: an OpenMetrics 1.0 payload that must parse in OpenMetrics mode.
 * - `openmetrics-nonconforming`: real OpenMetrics output (client_golang, in Prometheus's
 *   textparse test data) with a histogram that has negative buckets and a `_sum`, which
 *   OpenMetrics 1.0 forbids: Prometheus accepts it, a strict parser rejects it.
 * - `not-a-payload`: Markdown, expected-output `.out` files of node_exporter, the
 *   deliberately non-exposition `non_matching_file.txt`.
 */
export type ExpositionClass = 'text' | 'text-invalid' | 'openmetrics' | 'openmetrics-nonconforming' | 'not-a-payload';

export function classifyExposition(name: string): ExpositionClass {
  const base = name.slice(name.lastIndexOf('/') + 1);
  if (base.endsWith('.md') || base.endsWith('.out') || base === 'non_matching_file.txt') return 'not-a-payload';
  if (base.startsWith('from_test_parse_error_')) return 'text-invalid';
  if (base === 'alltypes.5mfs.om.txt' || base === 'omtestdata.txt') return 'openmetrics-nonconforming';
  // OpenMetrics: Prometheus's textparse OM test data and promtool's dump-openmetrics output.
  if (base.endsWith('.om.txt') || base === 'omtestdata.txt' || base.startsWith('dump-openmetrics-')) return 'openmetrics';
  return 'text';
}

function walk(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) files.push(...walk(path));
    else files.push(path);
  }
  return files;
}

/** Every file under test/fixtures/exposition with its class. */
export function expositionFixtures(): (FixtureFile & { kind: ExpositionClass })[] {
  return walk(EXPOSITION_DIR).map((path) => {
    const name = relative(EXPOSITION_DIR, path).split(sep).join('/');
    return { name, path, kind: classifyExposition(name) };
  });
}

function ofKind(kind: ExpositionClass): FixtureFile[] {
  return expositionFixtures()
    .filter((file) => file.kind === kind)
    .map(({ name, path }) => ({ name, path }));
}

/** Prometheus text 0.0.4 payloads that must parse (real scrapes and parser test data). */
export function textPayloads(): FixtureFile[] {
  return ofKind('text');
}

/** Text 0.0.4 inputs that a parser must reject. */
export function invalidTextPayloads(): FixtureFile[] {
  return ofKind('text-invalid');
}

/** OpenMetrics 1.0 payloads (outside the parser suite) that must parse. */
export function openMetricsPayloads(): FixtureFile[] {
  return ofKind('openmetrics');
}

/** OpenMetrics payloads that break a semantic rule of OpenMetrics 1.0 (see ExpositionClass). */
export function nonconformingOpenMetricsPayloads(): FixtureFile[] {
  return ofKind('openmetrics-nonconforming');
}

/** The OpenMetrics parser conformance suite: one entry per case directory. */
export function openMetricsCases(): OpenMetricsCase[] {
  return readdirSync(OPENMETRICS_SUITE_DIR)
    .sort()
    .map((name) => {
      const dir = join(OPENMETRICS_SUITE_DIR, name);
      const spec = JSON.parse(readFileSync(join(dir, 'test.json'), 'utf8')) as { shouldParse: boolean };
      return { name, dir, shouldParse: spec.shouldParse };
    });
}

/** The bytes of an OpenMetrics suite case's input. */
export function readOpenMetricsCase(testCase: OpenMetricsCase): Uint8Array {
  return readFileSync(join(testCase.dir, 'metrics'));
}
