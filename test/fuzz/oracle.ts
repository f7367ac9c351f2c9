/**
 * What a Core should produce for a page, derived from the reference parser (test/reference), the
 * fuzz properties' oracle: the error line, or the rows of both protocols with their metadata and
 * exemplars, and the metadata request. The rules the core adds to a parse:
 * - an empty label value is an absent label;
 * - a series repeated within one scrape keeps its first sample (and that sample's exemplar);
 * - samples without a timestamp get the scrape's;
 * - a series' 2.0 metadata is its family's (type, HELP, UNIT), at the end of the page;
 * - the metadata request lists the families that have a TYPE, HELP or UNIT worth sending;
 * - the resolver's decision on a series (keep, drop, rewrite) applies to all its samples.
 */
import type { ExpositionFormat, Label, SeriesDecision } from '../../src/core';
import { compareLabelNames } from '../../src/labels';
import { ScrapewireError } from '../../src/errors';
import { parseReference, type RefFamily, type RefParse } from '../reference/parser';
import { bits } from '../helpers/core-harness';
import type { ObservedExemplar, ObservedFamily, ObservedMetadata, ObservedRow, ObservedRw2Row } from './observe';

const RW2_TYPES: Record<string, string> = {
  unknown: 'METRIC_TYPE_UNSPECIFIED',
  counter: 'METRIC_TYPE_COUNTER',
  gauge: 'METRIC_TYPE_GAUGE',
  histogram: 'METRIC_TYPE_HISTOGRAM',
  gaugehistogram: 'METRIC_TYPE_GAUGEHISTOGRAM',
  summary: 'METRIC_TYPE_SUMMARY',
  info: 'METRIC_TYPE_INFO',
  stateset: 'METRIC_TYPE_STATESET',
};
const RW1_TYPES: Record<string, string> = {
  unknown: 'UNKNOWN',
  counter: 'COUNTER',
  gauge: 'GAUGE',
  histogram: 'HISTOGRAM',
  gaugehistogram: 'GAUGEHISTOGRAM',
  summary: 'SUMMARY',
  info: 'INFO',
  stateset: 'STATESET',
};

export interface Expectation {
  /** The reference's error: the core must fail on the same line. */
  error?: { line: number; reason: string };
  rw1: ObservedRow[];
  rw2: ObservedRw2Row[];
  families: ObservedFamily[];
  /** Unique series sampled (the core's summary.samples). */
  samples: number;
}

/** The reference's reading of `bytes` (text as Prometheus reads it), or its error. */
export function referenceParse(bytes: Uint8Array, format: ExpositionFormat): RefParse | ScrapewireError {
  try {
    return parseReference(bytes, format, { textDialect: 'prometheus', sampleFamilies: true });
  } catch (err) {
    if (err instanceof ScrapewireError) return err;
    throw err;
  }
}

/** A resolver's decision as a function of a series' labels, so the oracle can apply it too. */
export type Decide = (labels: readonly Label[]) => SeriesDecision;

export const keepAll: Decide = () => ({ action: 'keep' });

function metadataOf(family: RefFamily | undefined): ObservedMetadata {
  return { type: RW2_TYPES[family?.type ?? 'unknown'], help: family?.help ?? '', unit: family?.unit ?? '' };
}

/** The labels a decision leaves, sorted as the core stores them, or null for a drop. */
export function decided(labels: readonly Label[], decision: SeriesDecision): Label[] | null {
  if (decision.action === 'drop') return null;
  if (decision.action === 'keep') return [...labels];
  return decision.labels.filter(([, v]) => v !== '').sort((a, b) => compareLabelNames(a[0], b[0]));
}

export function expect_(parse: RefParse | ScrapewireError, timestampMs: number, decide: Decide = keepAll): Expectation {
  if (parse instanceof ScrapewireError) return { error: { line: parse.line ?? 0, reason: parse.message }, rw1: [], rw2: [], families: [], samples: 0 };
  const seen = new Set<string>();
  const rw1: ObservedRow[] = [];
  const rw2: ObservedRw2Row[] = [];
  parse.samples.forEach((sample, i) => {
    const labels = sample.labels.filter(([, v]) => v !== '');
    const key = JSON.stringify(labels);
    if (seen.has(key)) return;
    seen.add(key);
    const final = decided(labels, decide(labels));
    if (final === null) return;
    const row = { labels: final, value: bits(sample.value), timestamp: sample.timestampMs ?? timestampMs };
    rw1.push(row);
    const exemplars: ObservedExemplar[] = sample.exemplar === undefined ? [] : [{
      labels: sample.exemplar.labels,
      value: bits(sample.exemplar.value),
      timestamp: sample.exemplar.timestampMs ?? 0,
    }];
    rw2.push({ ...row, metadata: metadataOf(parse.families[parse.sampleFamilies![i]]), exemplars });
  });
  const families = parse.families
    .filter((f) => f.type !== 'unknown' || f.help !== undefined || f.unit !== undefined)
    .map((f) => ({ name: f.name, type: RW1_TYPES[f.type], help: f.help ?? '', unit: f.unit ?? '' }));
  return { rw1, rw2, families, samples: seen.size };
}
