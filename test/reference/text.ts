/**
 * Reference parser for the Prometheus text format 0.0.4, as described in
 * test/fixtures/exposition/prometheus-docs/docs/instrumenting/exposition_formats.md and as
 * Prometheus and prometheus/common's expfmt accept it:
 *
 * - Lines end with a line feed; the last line too. Blank lines are ignored. Blanks (spaces
 *   and tabs) may separate any two tokens and may lead or trail a line.
 * - `#` starts a comment. `# HELP name text` and `# TYPE name type` are metadata; with nothing
 *   after the name (or no name at all) they are plain comments, as in expfmt. At most one
 *   HELP and one TYPE per name; a TYPE must come before the first sample of its family.
 * - A sample is `name [{labels}] value [timestamp]`, or `{"quoted name", labels} value
 *   [timestamp]`; the name may also be quoted before the braces. Label names are legacy
 *   identifiers or quoted strings. A trailing comma in the label set is allowed.
 * - Values: see numbers.ts. Timestamps: decimal integers of milliseconds, sign allowed.
 * - `le` of histogram buckets and `quantile` of summary quantiles, when present, must be
 *   numbers (expfmt checks this).
 * - The family of a sample is the family with its exact name if one exists; otherwise the
 *   TYPE'd histogram `x` for `x_bucket`, `x_sum`, `x_count`, or the TYPE'd summary `x` for
 *   `x_sum`, `x_count`; otherwise a new untyped family with the sample's name.
 */

import type { MetricType } from '../../src/core/types';
import {
  CLOSE_BRACE,
  COMMA,
  EQUALS,
  HASH,
  OPEN_BRACE,
  QUOTE,
  SPACE,
  TAB,
  assertLineUtf8,
  endOfInput,
  forEachLine,
  isLabelNameStart,
  isMetricNameStart,
  parseError,
  type LineCursor,
} from './cursor';
import { addLabel, findLabel, sortedLabels, type ParsedLabel, type ParsedSeries } from './labels';
import { parseFloatValue, parseIntegerMilliseconds } from './numbers';
import type { RefFamily, RefParse } from './types';

const TEXT_TYPES: Record<string, MetricType> = {
  counter: 'counter',
  gauge: 'gauge',
  histogram: 'histogram',
  summary: 'summary',
  untyped: 'unknown',
};

interface FamilyState {
  family: RefFamily;
  /** Its index in RefParse.families. */
  index: number;
  sawHelp: boolean;
  sawType: boolean;
  sawSamples: boolean;
}

const isBlank = (c: number): boolean => c === SPACE || c === TAB;

/** Name suffixes the core recognises, in the order it tries them (assembly/families.ts suffixOf). */
const PROMETHEUS_SUFFIXES = ['_total', '_created', '_bucket', '_gcount', '_count', '_gsum', '_sum', '_info'];
/** The suffixes whose samples belong to a family of each type, named without them (families.ts suffixAllowed). */
const TYPE_SUFFIXES: Partial<Record<MetricType, string[]>> = {
  counter: ['_total', '_created'],
  histogram: ['_bucket', '_count', '_sum', '_created'],
  summary: ['_count', '_sum', '_created'],
};

/**
 * Parses text 0.0.4; with `prometheus`, as Prometheus' scraper reads it (ReferenceOptions):
 * UTF-8 is checked here line by line (the caller checked the whole input otherwise).
 */
export function parseText(bytes: Uint8Array, prometheus = false): RefParse {
  const result: RefParse = { families: [], samples: [], sampleFamilies: [] };
  const families = new Map<string, FamilyState>();

  const familyNamed = (name: string): FamilyState => {
    let state = families.get(name);
    if (state === undefined) {
      state = { family: { name, type: 'unknown' }, index: result.families.length, sawHelp: false, sawType: false, sawSamples: false };
      families.set(name, state);
      result.families.push(state.family);
    }
    return state;
  };

  const expfmtFamilyOfSample = (name: string): FamilyState => {
    const exact = families.get(name);
    if (exact !== undefined) return exact;
    for (const suffix of ['_bucket', '_sum', '_count']) {
      if (!name.endsWith(suffix)) continue;
      const base = families.get(name.slice(0, -suffix.length));
      if (base?.family.type === 'histogram') return base;
      if (base?.family.type === 'summary' && suffix !== '_bucket') return base;
    }
    return familyNamed(name);
  };

  // Prometheus' reading, as the core assigns families: the current family (of the last HELP,
  // TYPE or sample line) if the name is its name or its name plus a suffix its type has; else
  // the family of that exact name; else the family of the name without its suffix, if its type
  // has that suffix; else a new family.
  let current: FamilyState | undefined;
  const prometheusFamilyOfSample = (name: string): FamilyState => {
    const suffix = PROMETHEUS_SUFFIXES.find((s) => name.length > s.length && name.endsWith(s));
    const base = suffix === undefined ? undefined : name.slice(0, -suffix.length);
    const has = (state: FamilyState | undefined): boolean =>
      state !== undefined && suffix !== undefined && state.family.name === base && (TYPE_SUFFIXES[state.family.type] ?? []).includes(suffix);
    if (current !== undefined && (current.family.name === name || has(current))) return current;
    const exact = families.get(name);
    if (exact !== undefined) return exact;
    const baseFamily = base === undefined ? undefined : families.get(base);
    return has(baseFamily) ? baseFamily! : familyNamed(name);
  };
  const metadataFamily = (name: string): FamilyState => (current = familyNamed(name));

  const endedWithLineFeed = forEachLine(bytes, (line) => {
    line.skipBlanks();
    if (line.atEnd()) return;
    // Prometheus checks UTF-8 where it reads text: everywhere but in plain comments.
    if (prometheus && !isPlainComment(line)) assertLineUtf8(line);
    if (line.peek() === HASH) {
      parseComment(line, prometheus ? metadataFamily : familyNamed, prometheus);
      return;
    }
    const sample = parseSampleLine(line);
    const state = prometheus ? (current = prometheusFamilyOfSample(sample.series.name)) : expfmtFamilyOfSample(sample.series.name);
    state.sawSamples = true;
    checkBoundLabel(line, state.family, sample.series);
    result.samples.push({
      labels: sortedLabels(sample.series.labels, sample.series.name),
      value: sample.value,
      ...(sample.timestampMs !== undefined ? { timestampMs: sample.timestampMs } : {}),
    });
    result.sampleFamilies!.push(state.index);
  });

  if (!endedWithLineFeed && !prometheus) {
    const end = endOfInput(bytes);
    throw parseError('expected line feed at the end of the last line, got end of input', end.line, end.column);
  }
  return result;
}

/** Whether the line (at its first non-blank byte) is a comment other than HELP and TYPE. */
function isPlainComment(line: LineCursor): boolean {
  if (line.peek() !== HASH) return false;
  const at = line.pos;
  line.pos++;
  line.skipBlanks();
  const from = line.pos;
  while (!line.atEnd() && !isBlank(line.peek())) line.pos++;
  const keyword = Buffer.from(line.bytes.subarray(from, line.pos)).toString('latin1');
  line.pos = at;
  return keyword !== 'HELP' && keyword !== 'TYPE';
}

/** Handles a line whose first non-blank byte is `#`. */
function parseComment(line: LineCursor, familyNamed: (name: string) => FamilyState, prometheus: boolean): void {
  // An ordinary comment (not read as text: in Prometheus' reading it need not be UTF-8).
  if (isPlainComment(line)) return;
  line.pos++; // '#'
  line.skipBlanks();
  const keyword = line.readUntil(isBlank); // HELP or TYPE: ASCII
  line.skipBlanks();
  if (line.atEnd()) return; // `# HELP` alone: a comment (expfmt)
  const nameAt = line.pos;
  const name = readMetricName(line, `metric name after ${keyword}`);
  if (line.atEnd()) return; // `# HELP name` alone: a comment (expfmt)
  if (!isBlank(line.peek())) line.expected(`blank after metric name`);
  line.skipBlanks();
  // With blanks after the name: a comment too; expfmt has created the family, Prometheus not.
  if (line.atEnd() && prometheus) return;
  const state = familyNamed(name);
  if (line.atEnd()) return;

  if (keyword === 'HELP') {
    if (state.sawHelp && !prometheus) line.fail(`second HELP line for metric name ${JSON.stringify(name)}`, nameAt);
    state.sawHelp = true;
    const help = unescapeHelp(line.rest());
    if (help !== '') state.family.help = help;
    else delete state.family.help;
    return;
  }

  if (state.sawType && !prometheus) line.fail(`second TYPE line for metric name ${JSON.stringify(name)}`, nameAt);
  if (state.sawSamples && !prometheus) line.fail(`TYPE line for metric name ${JSON.stringify(name)} after its samples`, nameAt);
  const typeAt = line.pos;
  const typeName = line.rest().replace(/[ \t]+$/, '');
  const type = Object.hasOwn(TEXT_TYPES, typeName) ? TEXT_TYPES[typeName] : undefined;
  if (type === undefined) {
    line.fail(`expected counter, gauge, histogram, summary or untyped, got ${JSON.stringify(typeName)}`, typeAt);
  }
  state.sawType = true;
  state.family.type = type;
}

/** HELP text escapes of the text format: only \\ and \n; anything else stays as written. */
function unescapeHelp(raw: string): string {
  return raw.replace(/\\([\\n])/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));
}

/** A legacy metric name or a quoted one. */
function readMetricName(line: LineCursor, what: string): string {
  if (line.peek() === QUOTE) {
    const at = line.pos;
    const name = line.readQuotedString(what);
    if (name === '') line.fail('metric name must not be empty', at);
    return name;
  }
  if (!isMetricNameStart(line.peek())) line.expected(what);
  return line.readLegacyMetricName();
}

interface TextSample {
  series: ParsedSeries;
  value: number;
  timestampMs?: number;
}

function parseSampleLine(line: LineCursor): TextSample {
  let series: ParsedSeries;
  if (line.peek() === OPEN_BRACE) {
    series = parseLabelSet(line, undefined);
  } else {
    const nameAt = line.pos;
    const name = readMetricName(line, 'metric name');
    if (!line.atEnd() && !isBlank(line.peek()) && line.peek() !== OPEN_BRACE) {
      line.expected('blank or "{" after metric name');
    }
    line.skipBlanks();
    series = line.peek() === OPEN_BRACE ? parseLabelSet(line, { name, nameAt }) : { name, nameAt, labels: [] };
  }

  line.skipBlanks();
  const valueAt = line.pos;
  const valueToken = line.readUntil(isBlank);
  if (valueToken === '') line.expected('value', valueAt);
  const value = parseFloatValue(valueToken);
  if (value === undefined) line.fail(`expected float value, got ${JSON.stringify(valueToken)}`, valueAt);

  line.skipBlanks();
  let timestampMs: number | undefined;
  if (!line.atEnd()) {
    const timestampAt = line.pos;
    const token = line.readUntil(isBlank);
    timestampMs = parseIntegerMilliseconds(token);
    if (timestampMs === undefined) {
      line.fail(`expected integer timestamp in milliseconds, got ${JSON.stringify(token)}`, timestampAt);
    }
    line.skipBlanks();
    if (!line.atEnd()) line.expected('end of line after timestamp');
  }
  return { series, value, timestampMs };
}

/**
 * Parses `{...}` at the position. With `named` undefined the metric name must come first in
 * the braces, quoted; otherwise the braces hold labels only.
 */
function parseLabelSet(line: LineCursor, named: { name: string; nameAt: number } | undefined): ParsedSeries {
  line.pos++; // '{'
  let name = named?.name;
  let nameAt = named?.nameAt ?? line.pos;
  const labels: ParsedLabel[] = [];
  let first = true;
  for (;;) {
    line.skipBlanks();
    if (line.peek() === CLOSE_BRACE) break;
    const itemAt = line.pos;
    let labelName: string;
    if (line.peek() === QUOTE) {
      const quoted = line.readQuotedString('label name');
      line.skipBlanks();
      if (line.peek() !== EQUALS) {
        // A quoted string without "=" is the metric name: only first, and only once.
        if (!first || name !== undefined) line.expected('"="');
        if (quoted === '') line.fail('metric name must not be empty', itemAt);
        name = quoted;
        nameAt = itemAt;
        first = false;
        if (!skipComma(line)) break;
        continue;
      }
      if (name === undefined) line.expected('quoted metric name', itemAt);
      labelName = quoted;
    } else {
      if (name === undefined) line.expected('quoted metric name');
      if (!isLabelNameStart(line.peek())) line.expected('label name');
      labelName = line.readLegacyLabelName();
      line.skipBlanks();
    }
    line.expect(EQUALS, '"="');
    line.skipBlanks();
    const valueAt = line.pos;
    if (line.peek() !== QUOTE) line.expected('label value');
    const value = line.readQuotedString('label value');
    addLabel(line, labels, { name: labelName, value, nameAt: itemAt, valueAt }, true);
    first = false;
    if (!skipComma(line)) break;
  }
  line.skipBlanks();
  if (name === undefined) line.expected('quoted metric name');
  line.expect(CLOSE_BRACE, '"," or "}"');
  return { name, nameAt, labels };
}

/** After a label: consumes blanks and a comma; returns false when there is no comma. */
function skipComma(line: LineCursor): boolean {
  line.skipBlanks();
  if (line.peek() !== COMMA) return false;
  line.pos++;
  return true;
}

/** `le` on histogram buckets and `quantile` on summary quantiles must be numbers when given. */
function checkBoundLabel(line: LineCursor, family: RefFamily, series: ParsedSeries): void {
  let labelName: string | undefined;
  if (family.type === 'histogram' && series.name === `${family.name}_bucket`) labelName = 'le';
  if (family.type === 'summary' && series.name === family.name) labelName = 'quantile';
  if (labelName === undefined) return;
  const label = findLabel(series.labels, labelName);
  // An empty value is no label (`h{quantile=""}` is `h`), as the core keys series.
  if (label !== undefined && label.value !== '' && parseFloatValue(label.value) === undefined) {
    line.fail(`expected float as value for "${labelName}" label, got ${JSON.stringify(label.value)}`, label.valueAt);
  }
}
