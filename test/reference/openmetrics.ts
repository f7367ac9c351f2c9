/**
 * Reference parser for OpenMetrics 1.0 text: the syntax (openmetrics-syntax.ts) plus the
 * rules of the specification that the OpenMetrics parser suite checks. Each rule is listed
 * where it is enforced; the whole list is in docs of parseOpenMetrics below.
 */

import type { MetricType } from '../../src/core/types';
import { HASH, assertLineUtf8, endOfInput, forEachLine, parseError, type LineCursor } from './cursor';
import { findLabel, sortedLabels, type ParsedLabel, type ParsedSeries } from './labels';
import { parseOpenMetricsBound, secondsToMilliseconds } from './numbers';
import { parseMetadataLine, parseSampleLine, type MetadataLine, type OmSample } from './openmetrics-syntax';
import type { RefFamily, RefParse, RefSample } from './types';

const OPENMETRICS_TYPES: readonly MetricType[] = [
  'counter',
  'gauge',
  'histogram',
  'gaugehistogram',
  'summary',
  'info',
  'stateset',
  'unknown',
];

/** The sample names a family of each type may have: the family name plus one of these. */
const SAMPLE_SUFFIXES: Record<MetricType, readonly string[]> = {
  counter: ['_total', '_created'],
  summary: ['', '_count', '_sum', '_created'],
  histogram: ['_bucket', '_count', '_sum', '_created'],
  gaugehistogram: ['_bucket', '_gcount', '_gsum'],
  info: ['_info'],
  gauge: [''],
  stateset: [''],
  unknown: [''],
};

/** Suffixes whose values are counters: never NaN; never negative except _gsum. */
const NOT_NAN_SUFFIXES = ['_total', '_sum', '_count', '_bucket', '_gcount', '_gsum'];
const NOT_NEGATIVE_SUFFIXES = ['_total', '_sum', '_count', '_bucket', '_gcount'];

/** Most code points an exemplar's label names and values may have together. */
const MAX_EXEMPLAR_LABEL_CODE_POINTS = 128;

/** One (gauge)histogram MetricPoint being read: its samples share a group and a timestamp. */
interface HistogramPoint {
  key: string;
  lastLine: number;
  lastBound?: number;
  lastBucketValue: number;
  count?: number;
  hasSum: boolean;
  hasGsum: boolean;
  hasNegativeBucket: boolean;
  hasNegativeGsum: boolean;
}

interface FamilyState {
  family: RefFamily;
  /** Its index in RefParse.families. */
  index: number;
  firstLine: number;
  firstColumn: number;
  sawHelp: boolean;
  sawType: boolean;
  sawUnit: boolean;
  unitLine: number;
  unitColumn: number;
  sawSamples: boolean;
  /** Whether its sample names are reserved (done at its first sample or when it ends). */
  reserved: boolean;
  /** Groups (label sets without le/quantile/state label) seen, and the current one. */
  seenGroups: Set<string>;
  group?: string;
  groupTimestamp?: number;
  /** The previous sample's series (its name and every label). */
  lastSeries?: string;
  /** Off once the group has samples at several timestamps (see checkGrouping). */
  pointChecks: boolean;
  point?: HistogramPoint;
}

/**
 * Parses OpenMetrics 1.0 text. Rules enforced besides the ABNF:
 * - the input ends with `# EOF` and at most one line feed; no blank lines; comments only
 *   `# HELP`, `# TYPE`, `# UNIT`; type `untyped` is not OpenMetrics;
 * - metadata comes before the family's samples, at most one of each kind per family;
 * - a sample belongs to the current family if its name is the family name plus one of the
 *   suffixes of the family's type, otherwise it starts a new family of type unknown;
 * - no two families may claim the same sample name (`a_created` gauge vs counter `a`), so a
 *   family cannot come back after another one started;
 * - a unit is a suffix `_<unit>` of the family name, and info/stateset have no unit;
 * - counter-like samples (_total, _sum, _count, _bucket, _gcount) are not NaN or negative,
 *   _gsum is not NaN; _count, _gcount and bucket values are integers;
 * - summary quantile samples have a `quantile` label in [0, 1] and a value not negative;
 * - histogram buckets have an `le` label (a real number or exactly +Inf/-Inf), in strictly
 *   increasing order with non-decreasing values and a final +Inf bucket; _count equals the
 *   +Inf bucket and is present exactly when _sum (_gcount when _gsum) is; no _sum with negative
 *   buckets; a negative _gsum only with negative buckets;
 * - stateset samples have a label named after the family and the value 0 or 1; info samples
 *   have the value 1;
 * - exemplars only on counter _total and (gauge)histogram _bucket samples, with at most 128
 *   code points of label names and values;
 * - a Metric's samples (same labels, minus le/quantile/state) are contiguous; within them,
 *   timestamps are all present or all absent and never go backwards (info excepted).
 * Samples with equal timestamps are all returned (the suite allows them); nothing is deduplicated.
 */
export function parseOpenMetrics(bytes: Uint8Array): RefParse {
  const result: RefParse = { families: [], samples: [], sampleFamilies: [] };
  const reservedNames = new Set<string>();
  let current: FamilyState | undefined;
  let sawEof = false;

  const openFamily = (name: string, line: LineCursor, nameAt: number): FamilyState => {
    if (current !== undefined) closeFamily(current);
    const state: FamilyState = {
      family: { name, type: 'unknown' },
      index: result.families.length,
      firstLine: line.lineNumber,
      firstColumn: line.column(nameAt),
      sawHelp: false,
      sawType: false,
      sawUnit: false,
      unitLine: 0,
      unitColumn: 0,
      sawSamples: false,
      reserved: false,
      seenGroups: new Set(),
      pointChecks: true,
    };
    result.families.push(state.family);
    current = state;
    return state;
  };

  // A unit is checked on the line that completes what it depends on: its own line for the name,
  // the later of UNIT and TYPE for the type.
  const checkUnit = (state: FamilyState, line: LineCursor, at: number): void => {
    const { name, type, unit } = state.family;
    if (unit === undefined) return;
    if (!name.endsWith(`_${unit}`)) line.fail(`unit ${JSON.stringify(unit)} is not a suffix of metric name ${JSON.stringify(name)}`, at);
    if (type === 'info' || type === 'stateset') line.fail(`unit not allowed for type ${type}`, at);
  };

  const reserveNames = (state: FamilyState): void => {
    if (state.reserved) return;
    state.reserved = true;
    const { name, type } = state.family;
    const names = new Set([name, ...SAMPLE_SUFFIXES[type].map((suffix) => name + suffix)]);
    for (const sampleName of names) {
      if (reservedNames.has(sampleName)) {
        throw parseError(
          `metric family ${JSON.stringify(name)} clashes with an earlier family over the name ${JSON.stringify(sampleName)}`,
          state.firstLine,
          state.firstColumn,
        );
      }
    }
    for (const sampleName of names) reservedNames.add(sampleName);
  };

  const closeFamily = (state: FamilyState): void => {
    reserveNames(state);
    if (state.point !== undefined) finishHistogramPoint(state.point);
    state.point = undefined;
  };

  const handleMetadata = (line: LineCursor, meta: MetadataLine): void => {
    let state = current;
    if (state !== undefined && state.family.name === meta.name) {
      if (state.sawSamples) line.fail(`${meta.keyword} line for metric family ${JSON.stringify(meta.name)} after its samples`, line.start);
    } else {
      // A family comes once: metadata for a name seen before, after another family, is a second family.
      if (result.families.some((family) => family.name === meta.name)) line.fail(`metric family ${JSON.stringify(meta.name)} appears a second time`, line.start);
      state = openFamily(meta.name, line, meta.nameAt);
    }
    const again = `second ${meta.keyword} line for metric family ${JSON.stringify(meta.name)}`;
    if (meta.keyword === 'HELP') {
      if (state.sawHelp) line.fail(again, line.start);
      state.sawHelp = true;
      if (meta.text !== '') state.family.help = meta.text;
    } else if (meta.keyword === 'UNIT') {
      if (state.sawUnit) line.fail(again, line.start);
      state.sawUnit = true;
      state.unitLine = line.lineNumber;
      state.unitColumn = line.column(meta.textAt);
      if (meta.text !== '') state.family.unit = meta.text;
      checkUnit(state, line, meta.textAt);
    } else {
      if (state.sawType) line.fail(again, line.start);
      const type = OPENMETRICS_TYPES.find((candidate) => candidate === meta.text);
      if (type === undefined) line.fail(`expected metric type, got ${JSON.stringify(meta.text)}`, meta.textAt);
      state.sawType = true;
      state.family.type = type;
      checkUnit(state, line, meta.textAt);
      // Its sample names are known now: one an earlier family took is a clash on this line.
      const taken = [meta.name, ...SAMPLE_SUFFIXES[type].map((suffix) => meta.name + suffix)].find((n) => reservedNames.has(n));
      if (taken !== undefined) {
        line.fail(`metric family ${JSON.stringify(meta.name)} clashes with an earlier family over the name ${JSON.stringify(taken)}`, line.start);
      }
    }
  };

  const handleSample = (line: LineCursor, sample: OmSample): void => {
    const name = sample.series.name;
    let state = current;
    let suffix = state === undefined ? undefined : suffixIn(state.family, name);
    if (state !== undefined && suffix === undefined && name === state.family.name) {
      // The family's own name without a suffix its type allows (`a` in histogram `a`): this line is
      // the error, before the family's open point is judged (its later lines may still complete it).
      line.fail(`metric name suffix does not fit the metric type ${state.family.type}`, sample.series.nameAt);
    }
    if (state === undefined || suffix === undefined) {
      state = openFamily(name, line, sample.series.nameAt);
      suffix = '';
    }
    reserveNames(state);
    state.sawSamples = true;
    checkSample(line, state.family, suffix, sample);
    checkGrouping(line, state, sample);
    if ((state.family.type === 'histogram' || state.family.type === 'gaugehistogram') && state.pointChecks) {
      trackHistogramPoint(line, state, suffix, sample);
    }
    result.samples.push(toRefSample(sample));
    result.sampleFamilies!.push(state.index);
  };

  // A final line feed after "# EOF" is optional, so forEachLine's answer does not matter.
  forEachLine(bytes, (line) => {
    assertLineUtf8(line);
    if (sawEof) line.expected('end of input after "# EOF"');
    if (line.atEnd()) line.fail('blank lines are not allowed in OpenMetrics');
    if (line.peek() === HASH) {
      if (line.rest() === '# EOF') {
        sawEof = true;
        if (current !== undefined) closeFamily(current);
        current = undefined;
        return;
      }
      handleMetadata(line, parseMetadataLine(line));
      return;
    }
    handleSample(line, parseSampleLine(line));
  });

  if (!sawEof) {
    const end = endOfInput(bytes);
    throw parseError('expected "# EOF" at the end, got end of input', end.line, end.column);
  }
  return result;
}

/** The suffix that makes `sampleName` a sample of `family`, or undefined when it is not one. */
function suffixIn(family: RefFamily, sampleName: string): string | undefined {
  return SAMPLE_SUFFIXES[family.type].find((suffix) => family.name + suffix === sampleName);
}

function checkSample(line: LineCursor, family: RefFamily, suffix: string, sample: OmSample): void {
  const { series, value, valueAt } = sample;
  const type = family.type;
  const valueText = JSON.stringify(sample.valueToken);

  if (type === 'stateset') {
    if (findLabel(series.labels, family.name) === undefined) {
      line.fail(`stateset sample without a label named ${JSON.stringify(family.name)}`, series.nameAt);
    }
    if (value !== 0 && value !== 1) line.fail(`expected 0 or 1 as stateset value, got ${valueText}`, valueAt);
  }
  if (type === 'info' && value !== 1) line.fail(`expected 1 as info value, got ${valueText}`, valueAt);

  if ((type === 'histogram' || type === 'gaugehistogram') && suffix === '_bucket') {
    const le = requireLabel(line, series, 'le', 'histogram bucket');
    if (parseOpenMetricsBound(le.value) === undefined) {
      line.fail(`expected number or "+Inf" as "le" value, got ${JSON.stringify(le.value)}`, le.valueAt);
    }
  }
  if (type === 'summary' && suffix === '') {
    const quantile = requireLabel(line, series, 'quantile', 'summary quantile');
    const q = parseOpenMetricsBound(quantile.value);
    if (q === undefined || !(q >= 0 && q <= 1)) {
      line.fail(`expected number in [0, 1] as "quantile" value, got ${JSON.stringify(quantile.value)}`, quantile.valueAt);
    }
    if (value < 0) line.fail(`quantile value must not be negative, got ${valueText}`, valueAt);
  }

  if (NOT_NAN_SUFFIXES.includes(suffix) && Number.isNaN(value)) {
    line.fail(`${suffix} value must not be NaN`, valueAt);
  }
  if (NOT_NEGATIVE_SUFFIXES.includes(suffix) && value < 0) {
    line.fail(`${suffix} value must not be negative, got ${valueText}`, valueAt);
  }
  if ((suffix === '_count' || suffix === '_gcount' || (suffix === '_bucket' && type.endsWith('histogram'))) && !Number.isInteger(value)) {
    line.fail(`${suffix} value must be an integer, got ${valueText}`, valueAt);
  }

  const exemplar = sample.exemplar;
  if (exemplar !== undefined) {
    const allowed =
      (type === 'counter' && suffix === '_total') ||
      ((type === 'histogram' || type === 'gaugehistogram') && suffix === '_bucket');
    if (!allowed) line.fail(`exemplars are allowed only on counter _total and histogram _bucket samples`, exemplar.at);
    const codePoints = exemplar.labels.reduce((sum, label) => sum + [...label.name].length + [...label.value].length, 0);
    if (codePoints > MAX_EXEMPLAR_LABEL_CODE_POINTS) {
      line.fail(`exemplar labels have ${codePoints} code points, more than ${MAX_EXEMPLAR_LABEL_CODE_POINTS}`, exemplar.at);
    }
  }
}

function requireLabel(line: LineCursor, series: ParsedSeries, name: string, what: string): ParsedLabel {
  const label = findLabel(series.labels, name);
  if (label === undefined) line.fail(`${what} without a "${name}" label`, series.nameAt);
  return label;
}

/**
 * The labels that identify a Metric (its MetricPoints share them), as the core groups samples
 * (assembly/openmetrics.ts): the sample's labels with a value, minus `le` and `quantile`, in
 * every family. (The specification sets apart only a bucket's le, a quantile's quantile and a
 * stateset's state label; the core's rule differs only for families that have labels of those
 * names where they mean nothing, and then treats each state as a Metric of its own.)
 */
function groupKey(sample: OmSample): string {
  const labels = sortedLabels(sample.series.labels.filter((label) => label.value !== '' && label.name !== 'le' && label.name !== 'quantile'));
  return JSON.stringify(labels);
}

/**
 * A Metric's samples are contiguous; they all have a timestamp or none. Several MetricPoints of
 * one Metric may be given series by series, as promtool dumps them (each series' samples in time
 * order, then the next series from the first timestamp again): so a timestamp may go back when
 * the series changes, never within one series, and once a Metric has samples at several
 * timestamps its points are not checked as histograms (as in the core, assembly/openmetrics.ts).
 */
function checkGrouping(line: LineCursor, state: FamilyState, sample: OmSample): void {
  const key = groupKey(sample);
  // A series is its labels with a value: `a{x=""}` and `a` are one series (OpenMetrics: an empty
  // value is as if the label were absent), as the core keys them.
  const series = JSON.stringify([sample.series.name, sortedLabels(sample.series.labels.filter((label) => label.value !== ''))]);
  const timestamp = sample.timestampSeconds;
  const at = sample.timestampAt ?? sample.series.nameAt;
  if (key === state.group) {
    if ((timestamp === undefined) !== (state.groupTimestamp === undefined)) {
      line.fail('samples of one metric must all have a timestamp or none', at);
    }
    if (timestamp !== undefined && state.groupTimestamp !== undefined && timestamp !== state.groupTimestamp) {
      if (series === state.lastSeries && timestamp < state.groupTimestamp && state.family.type !== 'info') {
        line.fail('timestamp goes backwards within a metric', at);
      }
      state.pointChecks = false;
      state.point = undefined;
    }
  } else {
    if (state.seenGroups.has(key)) {
      line.fail(`samples of metric ${JSON.stringify(state.family.name)} with labels ${key} are interleaved with others`, sample.series.nameAt);
    }
    state.pointChecks = true;
  }
  state.seenGroups.add(key);
  state.group = key;
  state.groupTimestamp = timestamp;
  state.lastSeries = series;
}

function trackHistogramPoint(line: LineCursor, state: FamilyState, suffix: string, sample: OmSample): void {
  const key = `${groupKey(sample)}@${sample.timestampSeconds ?? ''}`;
  if (state.point === undefined || state.point.key !== key) {
    if (state.point !== undefined) finishHistogramPoint(state.point);
    state.point = {
      key,
      lastLine: line.lineNumber,
      lastBucketValue: 0,
      hasSum: false,
      hasGsum: false,
      hasNegativeBucket: false,
      hasNegativeGsum: false,
    };
  }
  const point = state.point;
  point.lastLine = line.lineNumber;
  if (suffix === '_bucket') {
    const le = findLabel(sample.series.labels, 'le') as ParsedLabel; // checked by checkSample
    const bound = parseOpenMetricsBound(le.value) as number;
    if (bound < 0) point.hasNegativeBucket = true;
    if (point.lastBound !== undefined && bound <= point.lastBound) {
      line.fail(`histogram buckets must be in increasing "le" order, got ${JSON.stringify(le.value)}`, le.valueAt);
    }
    if (sample.value < point.lastBucketValue) {
      line.fail(`histogram bucket values must not decrease, got ${JSON.stringify(sample.valueToken)}`, sample.valueAt);
    }
    point.lastBound = bound;
    point.lastBucketValue = sample.value;
  } else if (suffix === '_count' || suffix === '_gcount') {
    point.count = sample.value;
  } else if (suffix === '_sum') {
    point.hasSum = true;
  } else if (suffix === '_gsum') {
    point.hasGsum = true;
    if (sample.value < 0) point.hasNegativeGsum = true;
  }
}

/** Checks a complete histogram MetricPoint; errors point at its last line. */
function finishHistogramPoint(point: HistogramPoint): void {
  const fail = (reason: string): never => {
    throw parseError(reason, point.lastLine, 1);
  };
  if (point.lastBound !== Infinity) fail('histogram without a +Inf bucket');
  if (point.count !== undefined && point.count !== point.lastBucketValue) fail('histogram count differs from its +Inf bucket');
  if (point.hasSum && point.count === undefined) fail('histogram with _sum but without _count');
  if (point.hasGsum && point.count === undefined) fail('gauge histogram with _gsum but without _gcount');
  if (!point.hasSum && !point.hasGsum && point.count !== undefined) fail('histogram with a count but without a sum');
  if (point.hasNegativeBucket && point.hasSum) fail('histogram with negative buckets cannot have a _sum');
  if (!point.hasNegativeBucket && point.hasNegativeGsum) fail('negative _gsum without negative buckets');
}

function toRefSample(sample: OmSample): RefSample {
  const ref: RefSample = { labels: sortedLabels(sample.series.labels, sample.series.name), value: sample.value };
  if (sample.timestampSeconds !== undefined) ref.timestampMs = secondsToMilliseconds(sample.timestampSeconds);
  if (sample.exemplar !== undefined) {
    const exemplar = sample.exemplar;
    ref.exemplar = { labels: sortedLabels(exemplar.labels), value: exemplar.value };
    if (exemplar.timestampSeconds !== undefined) ref.exemplar.timestampMs = secondsToMilliseconds(exemplar.timestampSeconds);
  }
  return ref;
}
