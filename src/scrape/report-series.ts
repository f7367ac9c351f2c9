/**
 * The series Prometheus adds to every scrape of a target: up, scrape_duration_seconds,
 * scrape_samples_scraped, scrape_samples_post_metric_relabeling and scrape_series_added.
 *
 * They are written by the target's own core, after its page's samples (Core.setReportSeries,
 * assembly/report.ts): interned, encoded and made stale like scraped series, in the page's
 * requests, without a second core per target. Their labels are decided once per target: the
 * target's labels always win (Prometheus's mutateReportSampleLabels; the report names carry no
 * other labels to clash with), then external labels and write relabeling; metric relabeling does
 * not apply to them.
 */
import type { ScrapeSummary } from '../core/types';
import type { Label } from '../labels';
import type { Relabeler } from '../relabel/relabeler';
import { finishLabels, mergeTargetLabels } from './series-labels';

export interface ScrapeReport {
  up: boolean;
  durationSeconds: number;
  samplesScraped: number;
  samplesPostMetricRelabeling: number;
  seriesAdded: number;
}

/** The report series' names, in the order of reportValues(). */
export const REPORT_SERIES_NAMES = [
  'up',
  'scrape_duration_seconds',
  'scrape_samples_scraped',
  'scrape_samples_post_metric_relabeling',
  'scrape_series_added',
] as const;

/** Each report series' final labels, in REPORT_SERIES_NAMES order; null where write relabeling drops it. */
export function reportSeriesLabels(
  targetLabels: readonly Label[],
  externalLabels: readonly Label[] = [],
  writeRelabeler?: Relabeler,
): (readonly Label[] | null)[] {
  return REPORT_SERIES_NAMES.map((name) => {
    const labels = finishLabels(mergeTargetLabels([['__name__', name]], targetLabels, false), externalLabels, writeRelabeler);
    return labels === null ? null : [...labels];
  });
}

/** One scrape's report as values, in REPORT_SERIES_NAMES order (Core.appendReport). */
export function reportValues(report: ScrapeReport): number[] {
  return [
    report.up ? 1 : 0,
    report.durationSeconds,
    report.samplesScraped,
    report.samplesPostMetricRelabeling,
    report.seriesAdded,
  ];
}

/** A report for a scrape that failed before or while reading the body. */
export function failedReport(durationSeconds: number): ScrapeReport {
  return { up: false, durationSeconds, samplesScraped: 0, samplesPostMetricRelabeling: 0, seriesAdded: 0 };
}

export function successReport(summary: ScrapeSummary, durationSeconds: number): ScrapeReport {
  return {
    up: true,
    durationSeconds,
    samplesScraped: summary.samples,
    samplesPostMetricRelabeling: summary.samplesPostRelabel,
    seriesAdded: summary.newSeries,
  };
}
