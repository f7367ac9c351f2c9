/**
 * A core's report series (Core.setReportSeries): series a target writes in every scrape beside
 * its page (up, scrape_duration_seconds, ...), held by the page's own instance (assembly/report.ts)
 * instead of a second core. Their labels are final when given (target labels, external labels,
 * write relabeling decided by the caller), so they never reach a resolver and no page line can
 * reach them: they are not in the core's index.
 */
import type { Label } from '../labels';
import { encodeLabels } from './label-codec';
import type { CoreExports } from './wasm';

/** What a Core keeps of its report series: the labels (to make them again in a new instance) and their refs now. */
export interface ReportSeriesState {
  /** Each report series' final labels as 1.0 bytes; null for one that is not written (dropped by write relabeling). */
  readonly labels: readonly (Uint8Array | null)[];
  /** Their refs in the current instance (0 for a null one). */
  refs: number[];
  /** retire() was called: they are ordinary series now, stale at the next finish. */
  retired: boolean;
  /** Report samples appended to the current scrape (after the page's). */
  appended: number;
}

export function reportSeriesState(labelSets: readonly (readonly Label[] | null)[]): ReportSeriesState {
  return { labels: labelSets.map((labels) => (labels === null ? null : encodeLabels(labels))), refs: [], retired: false, appended: 0 };
}

/** Makes the report series in a fresh instance; returns their refs. */
export function createReportSeries(e: CoreExports, state: ReportSeriesState): number[] {
  return state.labels.map((bytes) => {
    if (bytes === null) return 0;
    const at = e.rewriteBufferPtr(bytes.length);
    // rewriteBufferPtr may grow the memory: the view is taken after.
    new Uint8Array(e.memory.buffer).set(bytes, at);
    return e.reportSeries(bytes.length);
  });
}
