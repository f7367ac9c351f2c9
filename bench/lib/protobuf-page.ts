/**
 * The protobuf exposition form of a text page, for the parse-encode benchmark: the page read by
 * the reference parser (test/reference), its samples grouped back into MetricFamily messages as
 * client_golang would write them (a histogram's _count, _sum and _bucket series of one label set
 * are one Metric with its Buckets, a summary's quantiles one Metric), then encoded with
 * protobufjs from client_model's metrics.proto (test/support/client-model.ts). Outside the timed
 * window. `native` also gives each histogram Metric native buckets (schema 3, spans over the
 * classic counts' increments), the histogram-heavy page of issue 13.
 */
import type { HistogramInput, MetricFamilyInput, MetricInput, MetricTypeName } from '../../test/support/client-model';

type Label = readonly [string, string];
interface Sample { labels: Label[]; value: number; timestampMs?: number }
interface Family { name: string; type: string; help?: string }
interface Parsed { families: Family[]; samples: Sample[] }
type ParseReference = (text: string, format: 'text') => Parsed;

/** A bound as text writes it ("+Inf" is not a JavaScript number spelling). */
const bound = (text: string): number => (text === '+Inf' ? Infinity : text === '-Inf' ? -Infinity : Number(text));

const PB_TYPES: Record<string, MetricTypeName> = {
  counter: 'COUNTER', gauge: 'GAUGE', histogram: 'HISTOGRAM', summary: 'SUMMARY', unknown: 'UNTYPED', untyped: 'UNTYPED',
};

export function toProtobufPage(text: string, options: { native: boolean }): Uint8Array {
  /* eslint-disable @typescript-eslint/no-require-imports -- test code, loaded only when the benchmark runs */
  const { parseReference } = require('../../test/reference/parser') as { parseReference: ParseReference };
  const { encodePage } = require('../../test/support/client-model') as { encodePage: (f: MetricFamilyInput[]) => Uint8Array };
  /* eslint-enable @typescript-eslint/no-require-imports */
  const parsed = parseReference(text, 'text');
  const types = new Map(parsed.families.map((f) => [f.name, f]));
  const out: MetricFamilyInput[] = [];
  let family: MetricFamilyInput | undefined;
  let metric: MetricInput | undefined;
  let metricKey = '';
  for (const sample of parsed.samples) {
    const name = sample.labels.find(([n]) => n === '__name__')![1];
    const base = name.replace(/_(bucket|count|sum)$/, '');
    const declared = types.get(base);
    const compound = declared !== undefined && (declared.type === 'histogram' || declared.type === 'summary') && (base !== name || declared.type === 'summary');
    const familyName = compound ? base : name;
    const type = types.get(familyName)?.type ?? 'unknown';
    if (family === undefined || family.name !== familyName) {
      family = { name: familyName, type: PB_TYPES[type] ?? 'UNTYPED', metric: [] };
      const help = types.get(familyName)?.help;
      if (help !== undefined) family.help = help;
      out.push(family);
      metric = undefined;
    }
    const own = sample.labels.filter(([n]) => n !== '__name__' && n !== 'le' && n !== 'quantile');
    const key = JSON.stringify(own);
    if (metric === undefined || metricKey !== key || !compound) {
      metric = { label: own.map(([n, v]) => ({ name: n, value: v })) };
      if (sample.timestampMs !== undefined) metric.timestamp_ms = sample.timestampMs;
      family.metric!.push(metric);
      metricKey = key;
    }
    const value = sample.value;
    switch (type) {
      case 'counter': metric.counter = { value }; break;
      case 'gauge': metric.gauge = { value }; break;
      case 'histogram': {
        const h: HistogramInput = metric.histogram ?? (metric.histogram = { bucket: [] });
        if (name.endsWith('_count')) h.sample_count = value;
        else if (name.endsWith('_sum')) h.sample_sum = value;
        else h.bucket!.push({ upper_bound: bound(sample.labels.find(([n]) => n === 'le')![1]), cumulative_count: value });
        break;
      }
      case 'summary': {
        const s = metric.summary ?? (metric.summary = { quantile: [] });
        if (name.endsWith('_count')) s.sample_count = value;
        else if (name.endsWith('_sum')) s.sample_sum = value;
        else s.quantile!.push({ quantile: bound(sample.labels.find(([n]) => n === 'quantile')![1]), value });
        break;
      }
      default: metric.untyped = { value };
    }
  }
  if (options.native) {
    for (const f of out) {
      if (f.type !== 'HISTOGRAM') continue;
      for (const m of f.metric ?? []) {
        const h = m.histogram!;
        // Native buckets from the classic increments: one bucket per classic bucket, 2 apart.
        const counts = (h.bucket ?? []).map((b, i, all) => (b.cumulative_count ?? 0) - (i === 0 ? 0 : all[i - 1].cumulative_count ?? 0));
        const deltas = counts.map((c, i) => c - (i === 0 ? 0 : counts[i - 1]));
        Object.assign(h, {
          schema: 3, zero_threshold: 1e-128, zero_count: 0,
          positive_span: [{ offset: -8, length: counts.length }], positive_delta: deltas,
        });
      }
    }
  }
  return encodePage(out);
}
