/**
 * What one target's scrape may cost, beyond what its scrape_config sets: the limits its core
 * enforces while it parses (src/core/limits.ts).
 *
 * A node agent scrapes every annotated pod on its node, and any of them may serve a hostile or
 * broken page: these keep such a target's cost to its own scrape (up 0, the limit in lastError)
 * whatever the job's configuration says.
 */
import type { CoreOptions } from '../core/types';
import type { TargetSpec } from './target';

/**
 * Series one target's core may hold (kept, dropped by relabeling, or undecided): 1,000,000. The
 * largest pages this project benchmarks have 281,400 (100 MB) and 562,323 (200 MB) series; a
 * page of 1,011,549 such series takes exactly the core's default memory limit, 256 MiB (measured
 * 2026-12-02 with bench/payload's cadvisor generator).
 * Series a target stopped exposing leave after evictAfterScrapes (5) scrapes, so a target that
 * replaces all its series every scrape must stay under about a sixth of this.
 */
export const DEFAULT_TARGET_SERIES_LIMIT = 1_000_000;

/**
 * The core options of a target: its sample_limit; the series cap; label_limit and the label
 * length limits checked in the core, as the page gives the labels, only when the job has no
 * metric relabeling (which may remove labels, so Prometheus checks them after it: then the
 * resolver does, SeriesLabeler).
 */
export function targetCoreLimits(spec: Pick<TargetSpec, 'sampleLimit' | 'labelLimit' | 'labelNameLengthLimit' | 'labelValueLengthLimit' | 'metricRelabeler'>): CoreOptions {
  const labelsAsScraped = spec.metricRelabeler?.isEmpty ?? true;
  return {
    sampleLimit: spec.sampleLimit,
    seriesLimit: DEFAULT_TARGET_SERIES_LIMIT,
    ...(labelsAsScraped ? {
      labelLimit: spec.labelLimit,
      labelNameLengthLimit: spec.labelNameLengthLimit,
      labelValueLengthLimit: spec.labelValueLengthLimit,
    } : {}),
  };
}
