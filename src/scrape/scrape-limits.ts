/**
 * What one target's scrape may cost, beyond what its scrape_config sets: the limits its core
 * enforces while it parses (src/core/limits.ts), and the body size limit this project recommends
 * as the default for scrape_configs.
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
 * million such series take ~230 MiB in the core, just under its default memory limit (256 MiB).
 * Series a target stopped exposing leave after evictAfterScrapes (5) scrapes, so a target that
 * replaces all its series every scrape must stay under a fifth of this.
 */
export const DEFAULT_TARGET_SERIES_LIMIT = 1_000_000;

/**
 * The body_size_limit this project recommends as the default of scrape_configs: 256 MiB, counted
 * after decompression (Prometheus' default is 0, no limit). The core streams a page, so its size
 * costs no memory, only time (~1 s of parsing for 256 MiB; bench/RESULTS.md, parse-encode); the
 * largest real pages seen (kubelet cAdvisor on a large node) are tens of MB, the largest this
 * project benchmarks 200 MB. A gzip bomb or an endless page stops there instead of at the scrape
 * timeout. It applies where config/scrape.ts takes it as the global default.
 */
export const DEFAULT_BODY_SIZE_LIMIT_BYTES = 256 * 2 ** 20;

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
