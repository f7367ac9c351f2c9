/**
 * fast-check arbitraries for exposition pages, text 0.0.4 and OpenMetrics 1.0: families of every
 * type with their metadata and the samples their type calls for (buckets in order, quantiles,
 * states...), written in the spellings either format allows (label order, blanks, trailing
 * commas, quoted names, escapes, UTF-8, every number spelling), and then, for a share of pages,
 * broken: lines moved, repeated, dropped or swapped for junk, and bytes flipped, inserted or cut.
 * Most pages stay valid, so most cases compare whole requests; the rest compare error lines.
 */
import fc from 'fast-check';
import type { ExpositionFormat } from '../../src/core';

/** Names shared across pages and families, so that families meet, clash and repeat. */
const METRIC_NAMES = ['a', 'b', 'req', 'h', 'lat_seconds', 's', 'x:y', '_u', 'up', 'ns_c'];
const QUOTED_METRIC_NAMES = ['my.metric', 'ü.ms', 'a b', 'q"uote', 'h'];
const LABEL_NAMES = ['a', 'b', 'c', 'job', 'instance', 'pod', '_x', 'A1', 'le', 'quantile'];
const QUOTED_LABEL_NAMES = ['la.bel', 'ü', 'a-b', 'x y', 'a'];
const LABEL_VALUE_UNITS = ['a', 'b', 'z', '0', '1', '.', '-', ' ', '\t', '"', '\\', '\n', '#', '{', '}', ',', '=', 'é', '€', '😀'];
const LABEL_VALUES = ['', 'v', 'v', '1', '0.5', '+Inf', '-Inf', 'NaN', '1e-3', 'x y', 'ü', 'a"b', 'a\\b', 'a\nb', '\\t'];
const HELP_TEXTS = ['', 'Requests served.', 'with \\ backslash', 'with \\n newline', 'quote " and \\"', 'ü 😀', '  spaced  '];
const UNITS = ['seconds', 'bytes', ''];

const TEXT_TYPES = ['counter', 'gauge', 'histogram', 'summary', 'untyped'] as const;
const OM_TYPES = ['counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset', 'unknown'] as const;

/** Sample value spellings: numbers as Go and the OpenMetrics ABNF write them, and some that are not numbers. */
const VALUE_SPELLINGS = [
  '0', '1', '-1', '42', '1.5', '-0.25', '1e3', '1E-3', '+7', '.5', '5.', '1_000', '0x1p3', 'Inf', '+Inf', '-Inf', 'inf',
  '+infinity', 'NaN', 'nan', '1.7976931348623157e308', '1e309', '4.9e-324', '123456789012345678901234567890', '00.1', '1e', '-', '',
];
const TEXT_TIMESTAMPS = ['', '', '', '1700000000000', '-1', '0', '+5', '1.5', '9223372036854775807', '9223372036854775808', 'x'];
const OM_TIMESTAMPS = ['', '', '', '1700000000', '1700000000.5', '1.5e9', '-1', '0', 'NaN', '+Inf', 'x'];

export interface PageOptions {
  format: ExpositionFormat;
  /** Probability-ish weight of breaking the page (0: always well-formed lines). */
  breakage?: number;
}

/** A page: its text as bytes, and whether it was broken on purpose (it may still parse). */
export interface Page {
  format: ExpositionFormat;
  bytes: Uint8Array;
  broken: boolean;
}

const escapeValue = (value: string): string => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** A label value written as a quoted string: escaped properly, or (rarely) raw. */
const labelValueText = fc.oneof(
  { weight: 12, arbitrary: fc.oneof(fc.constantFrom(...LABEL_VALUES), fc.string({ unit: fc.constantFrom(...LABEL_VALUE_UNITS), maxLength: 8 })).map((v) => `"${escapeValue(v)}"`) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...LABEL_VALUE_UNITS), maxLength: 6 }).map((v) => `"${v}"`) },
);

const legacyName = fc.tuple(fc.constantFrom(...'abcxyz_'), fc.string({ unit: fc.constantFrom(...'abc_019'), maxLength: 5 })).map(([a, b]) => a + b);
const labelNameText = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...LABEL_NAMES) },
  { weight: 2, arbitrary: legacyName },
  { weight: 2, arbitrary: fc.constantFrom(...QUOTED_LABEL_NAMES).map((n) => JSON.stringify(n)) },
);

/** Blanks between tokens: text format only (OpenMetrics has exactly one space where one goes). */
function blanks(format: ExpositionFormat): fc.Arbitrary<string> {
  return format === 'text' ? fc.constantFrom('', '', '', ' ', '\t', '  ') : fc.constant('');
}

interface SeriesPlan {
  /** The sample's metric name as written: bare, or quoted inside or before the braces. */
  name: string;
  labels: [string, string][];
}

/** `name{l="v",...}` in one of the spellings the format allows. */
function seriesText(format: ExpositionFormat, plan: SeriesPlan): fc.Arbitrary<string> {
  const legacy = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(plan.name);
  return fc.tuple(
    fc.shuffledSubarray(plan.labels, { minLength: plan.labels.length }),
    fc.constantFrom<'bare' | 'inside' | 'before'>('bare', 'bare', 'inside', 'before'),
    blanks(format), blanks(format), blanks(format),
    fc.boolean(),
  ).map(([labels, placement, b1, b2, b3, trailingComma]) => {
    const pairs = labels.map(([n, v]) => `${n}${b1}=${b1}${v}`);
    const where = legacy ? placement : placement === 'bare' ? 'inside' : placement;
    if (where === 'inside') pairs.unshift(JSON.stringify(plan.name));
    const comma = format === 'text' && trailingComma && pairs.length > 0 ? ',' : '';
    const set = pairs.length === 0 && where === 'bare' ? (trailingComma ? '{}' : '') : `{${b2}${pairs.join(`${b2},${b3}`)}${comma}${b3}}`;
    const name = where === 'bare' ? plan.name : where === 'before' ? JSON.stringify(plan.name) : '';
    return `${name}${where === 'bare' || where === 'before' ? b2 : ''}${set}`;
  });
}

/** Labels a series of a family may add: a few, sometimes one repeated or with an empty value. */
const extraLabels = fc.uniqueArray(fc.tuple(labelNameText, labelValueText), { maxLength: 4, selector: ([n]) => n });

function valueText(kind: 'any' | 'count' | 'gauge'): fc.Arbitrary<string> {
  if (kind === 'count') return fc.oneof({ weight: 9, arbitrary: fc.nat({ max: 1000 }).map(String) }, { weight: 1, arbitrary: fc.constantFrom(...VALUE_SPELLINGS) });
  return fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...VALUE_SPELLINGS) }, { weight: 2, arbitrary: fc.double({ noNaN: true }).map(String) }, { weight: 2, arbitrary: fc.integer().map(String) });
}

function timestampText(format: ExpositionFormat): fc.Arbitrary<string> {
  return format === 'text' ? fc.constantFrom(...TEXT_TIMESTAMPS) : fc.constantFrom(...OM_TIMESTAMPS);
}

/** An OpenMetrics exemplar: ` # {labels} value [timestamp]`, sometimes malformed or too long. */
const exemplarText = fc.tuple(
  fc.uniqueArray(fc.tuple(fc.constantFrom('trace_id', 'span', 'a', 'x'), fc.constantFrom('abc', '', 'ü', 'q"', 'x'.repeat(60))), { maxLength: 3, selector: ([n]) => n }),
  fc.constantFrom('1', '0.5', 'NaN', '-1', 'x'),
  fc.constantFrom('', ' 1700000000.5', ' 1', ' x'),
).map(([labels, value, ts]) => ` # {${labels.map(([n, v]) => `${n}="${escapeValue(v)}"`).join(',')}} ${value}${ts}`);

/** One sample line. */
function sampleLine(format: ExpositionFormat, plan: SeriesPlan, kind: 'any' | 'count' | 'gauge', exemplars: boolean): fc.Arbitrary<string> {
  return fc.tuple(
    seriesText(format, plan),
    blanks(format),
    valueText(kind),
    timestampText(format),
    exemplars ? fc.option(exemplarText, { freq: 3 }) : fc.constant(null),
    blanks(format),
  ).map(([series, b, value, ts, exemplar, trailing]) => {
    const sep = format === 'text' ? ` ${b}` : ' ';
    return `${series}${sep}${value}${ts === '' ? '' : `${sep}${ts}`}${exemplar ?? ''}${format === 'text' ? trailing : ''}`;
  });
}

interface FamilyPlan {
  name: string;
  type: string;
  help: string | null;
  unit: string | null;
  /** Label sets of its metrics (each a group of samples). */
  metrics: [string, string][][];
  withTimestamps: boolean;
}

const familyPlan = (format: ExpositionFormat): fc.Arbitrary<FamilyPlan> => fc.record({
  name: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...METRIC_NAMES) }, { weight: 1, arbitrary: fc.constantFrom(...QUOTED_METRIC_NAMES) }, { weight: 1, arbitrary: legacyName }),
  type: format === 'text' ? fc.constantFrom(...TEXT_TYPES) : fc.constantFrom(...OM_TYPES),
  help: fc.option(fc.constantFrom(...HELP_TEXTS), { freq: 2 }),
  unit: format === 'text' ? fc.constant(null) : fc.option(fc.constantFrom(...UNITS), { freq: 3 }),
  metrics: fc.array(extraLabels, { minLength: 1, maxLength: 3 }),
  withTimestamps: fc.boolean(),
});

/** The lines of one family: metadata in some order, then its samples as its type calls for. */
function familyLines(format: ExpositionFormat, plan: FamilyPlan): fc.Arbitrary<string[]> {
  const name = plan.name;
  // A unit must be a suffix of the family name: make it one (most of the time).
  const quoted = !/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name);
  const metaName = quoted ? JSON.stringify(name) : name;
  const metadata: string[] = [];
  if (plan.help !== null) metadata.push(`# HELP ${metaName}${plan.help === '' ? '' : ` ${plan.help}`}`);
  metadata.push(`# TYPE ${metaName} ${plan.type}`);
  if (plan.unit !== null) metadata.push(`# UNIT ${metaName}${plan.unit === '' ? '' : ` ${plan.unit}`}`);
  const samples: fc.Arbitrary<string>[] = [];
  const exemplars = format === 'openmetrics';
  for (const labels of plan.metrics) {
    const with_ = (suffix: string, extra: [string, string][] = []): SeriesPlan => ({ name: name + suffix, labels: [...labels, ...extra] });
    switch (plan.type) {
      case 'counter':
        samples.push(sampleLine(format, with_(format === 'text' ? '' : '_total'), 'count', exemplars));
        if (format === 'openmetrics') samples.push(sampleLine(format, with_('_created'), 'count', false));
        break;
      case 'histogram':
      case 'gaugehistogram': {
        const count = plan.type === 'histogram' ? '_count' : '_gcount';
        const sum = plan.type === 'histogram' ? '_sum' : '_gsum';
        for (const le of ['0.1', '1', '+Inf']) samples.push(sampleLine(format, with_('_bucket', [['le', `"${le}"`]]), 'count', exemplars));
        samples.push(sampleLine(format, with_(count), 'count', false));
        samples.push(sampleLine(format, with_(sum), 'count', false));
        break;
      }
      case 'summary':
        for (const q of ['0.5', '0.99']) samples.push(sampleLine(format, with_('', [['quantile', `"${q}"`]]), 'count', false));
        samples.push(sampleLine(format, with_('_count'), 'count', false));
        samples.push(sampleLine(format, with_('_sum'), 'count', false));
        break;
      case 'info':
        samples.push(sampleLine(format, with_('_info'), 'count', false).map((l) => l.replace(/ \S+$/, ' 1')));
        break;
      case 'stateset':
        for (const state of ['on', 'off']) samples.push(sampleLine(format, with_('', [[quoted ? JSON.stringify(name) : name, `"${state}"`]]), 'count', false));
        break;
      default:
        samples.push(sampleLine(format, with_(''), 'gauge', false));
    }
  }
  return fc.tuple(fc.shuffledSubarray(metadata, { minLength: metadata.length }), fc.tuple(...samples)).map(([meta, lines]) => [...meta, ...lines]);
}

/** A line of junk or of the other kinds a page holds. */
function strayLine(format: ExpositionFormat): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom('', '# a comment', '#', '# HELP', '# TYPE a', '# EOF', '  ', 'a 1', 'a{b="c"} 2', '{"q.n"} 3', 'x{', 'x{a="1"', 'x 1 2 3', '}'),
    fc.string({ unit: fc.constantFrom(...'abc{}="# ,\\\t019.+-eE'), maxLength: 20 }),
    format === 'text' ? fc.constant('# TYPE a counter') : fc.constant('# UNIT a seconds'),
  );
}

/** Byte-level damage to a page: flips, inserts, cuts. */
const damage = fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom('flip', 'insert', 'cut', 'newline'), fc.integer({ min: 0, max: 255 })), { maxLength: 3 });

function applyDamage(bytes: Uint8Array, edits: [number, string, number][]): Uint8Array {
  const out = Array.from(bytes);
  for (const [where, kind, byte] of edits) {
    if (out.length === 0) break;
    const at = Math.min(out.length - 1, Math.floor(where * out.length));
    if (kind === 'flip') out[at] ^= 1 << (byte % 8);
    else if (kind === 'insert') out.splice(at, 0, byte);
    else if (kind === 'newline') out.splice(at, 0, 0x0a);
    else out.splice(at, 1 + (byte % 8));
  }
  return Uint8Array.from(out);
}

const encoder = new TextEncoder();

/** Makes fast-check print a page as its text (bytes that are not UTF-8 as \\xNN). */
function withText(p: Page): Page {
  return Object.assign(p, {
    [fc.toStringMethod]: () => `${p.format} page ${JSON.stringify(Buffer.from(p.bytes).toString('latin1')).replace(/[\u0080-\u00ff]/g, (c) => `\\x${c.charCodeAt(0).toString(16)}`)}`,
  });
}

/** A page in `format`: well-formed families, sometimes broken (see the file comment). */
export function page(options: PageOptions): fc.Arbitrary<Page> {
  const { format } = options;
  const breakage = options.breakage ?? 1;
  return fc.tuple(
    fc.array(familyPlan(format).chain((plan) => familyLines(format, plan)), { minLength: 0, maxLength: 5 }),
    fc.array(fc.tuple(fc.nat(), strayLine(format)), { maxLength: breakage === 0 ? 0 : 2 }),
    fc.array(fc.tuple(fc.nat(), fc.constantFrom('repeat', 'drop', 'move')), { maxLength: breakage === 0 ? 0 : 2 }),
    breakage === 0 ? fc.constant([] as [number, string, number][]) : fc.oneof({ weight: 6, arbitrary: fc.constant([] as [number, string, number][]) }, { weight: 1, arbitrary: damage }),
    fc.constantFrom('\n', '\n', '\n', ''),
    format === 'openmetrics' ? fc.constantFrom('eof', 'eof', 'eof', 'eof', 'none', 'twice') : fc.constantFrom('none'),
  ).map(([families, strays, moves, edits, finalNewline, eof]) => {
    const lines = families.flat();
    for (const [at, line] of strays) lines.splice(at % (lines.length + 1), 0, line);
    for (const [at, what] of moves) {
      if (lines.length === 0) break;
      const i = at % lines.length;
      if (what === 'repeat') lines.splice(i, 0, lines[i]);
      else if (what === 'drop') lines.splice(i, 1);
      else lines.push(...lines.splice(i, 1));
    }
    if (eof === 'eof') lines.push('# EOF');
    if (eof === 'twice') lines.push('# EOF', '# EOF');
    const text = lines.join('\n') + (lines.length > 0 ? finalNewline : '');
    const bytes = applyDamage(encoder.encode(text), edits);
    return withText({ format, bytes, broken: strays.length + moves.length + edits.length > 0 });
  });
}

/** Where to cut a page into chunks: sorted offsets inside it (fed as separate chunks). */
export function chunking(length: number): fc.Arbitrary<number[]> {
  if (length < 2) return fc.constant<number[]>([]);
  return fc.oneof(
    fc.constant<number[]>([]),
    fc.uniqueArray(fc.integer({ min: 1, max: length - 1 }), { maxLength: 6 }).map((cuts) => cuts.sort((a, b) => a - b)),
    fc.constant(Array.from({ length: length - 1 }, (_, i) => i + 1)), // byte by byte
  );
}

/** The chunks of `bytes` cut at `cuts`. */
export function chunksOf(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const cut of cuts) {
    chunks.push(bytes.subarray(from, cut));
    from = cut;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}
