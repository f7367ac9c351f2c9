/**
 * The series Prometheus adds to every scrape of a target: up, scrape_duration_seconds,
 * scrape_samples_scraped, scrape_samples_post_metric_relabeling and scrape_series_added.
 *
 * They go through a small Core of their own, fed a five-line exposition text per scrape: so they
 * are interned, encoded and made stale exactly like scraped series, and a target's big core is
 * never touched for them. The text is a few hundred bytes per scrape; the resolver adds the
 * target's labels once per series (target labels always win here, as in Prometheus's
 * mutateReportSampleLabels; the report names carry no other labels to clash with).
 */
import { Core } from '../core/core';
import type { NewSeriesResolver, ScrapeSummary } from '../core/types';
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

const encoder = new TextEncoder();

export class ReportSeries {
  readonly core = Core.create({ maxLineBytes: 4096 });
  private readonly resolve: NewSeriesResolver;

  constructor(targetLabels: readonly Label[], externalLabels: readonly Label[] = [], writeRelabeler?: Relabeler) {
    this.resolve = (batch) => batch.map((series) => {
      const labels = finishLabels(mergeTargetLabels(series.labels, targetLabels, false), externalLabels, writeRelabeler);
      return labels === null ? { action: 'drop' as const } : { action: 'rewrite' as const, labels: [...labels] };
    });
  }

  /** Records one scrape's report at `timestampMs`; encode `core` afterwards. */
  record(report: ScrapeReport, timestampMs: number): ScrapeSummary {
    const text =
      `up ${report.up ? 1 : 0}\n` +
      `scrape_duration_seconds ${report.durationSeconds}\n` +
      `scrape_samples_scraped ${report.samplesScraped}\n` +
      `scrape_samples_post_metric_relabeling ${report.samplesPostMetricRelabeling}\n` +
      `scrape_series_added ${report.seriesAdded}\n`;
    this.core.begin({ format: 'text', timestampMs, honorTimestamps: false });
    this.core.feed(encoder.encode(text));
    return this.core.finish(this.resolve);
  }

  /** An empty scrape at `timestampMs`: every report series gets a staleness marker (target gone). */
  markStale(timestampMs: number): void {
    this.core.begin({ format: 'text', timestampMs, honorTimestamps: false });
    this.core.finish(this.resolve);
  }
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
