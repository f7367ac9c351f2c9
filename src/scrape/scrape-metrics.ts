/**
 * Self-metrics of the scrape loop, registered once per prom-client Registry (never the global
 * one) and labelled by job, so every target of every loop shares one set.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The scrapewire_scrape_* metrics of a registry, shared by its scrape loops. */
export interface ScrapeMetrics {
  /** Scrapes by outcome: `success` or the ScrapewireError code (ERR_HTTP_STATUS, ERR_SAMPLE_LIMIT...). */
  scrapes: Counter<'job' | 'result'>;
  /** Ticks skipped because the target's previous scrape was still running. */
  skippedTicks: Counter<'job'>;
  /** Exposition lines skipped with on_parse_error: skip. */
  skippedLines: Counter<'job'>;
  /** Samples handed to the sink (scraped, report series and staleness markers). */
  samplesWritten: Counter<'job'>;
  /** Targets currently scraped. */
  targets: Gauge<'job'>;
  /**
   * HTTP requests made for scrapes. Targets that share a fetch share its request: compare with
   * the sum of scrapes_total to see how much sharing saves.
   */
  requests: Counter;
  /** Distinct fetches scheduled (groups of targets sharing one request per interval). */
  fetchGroups: Gauge;
  /**
   * How late each tick started after its slot: the event loop's lag as the schedule feels it
   * (a busy loop delays the timer). Past one interval the tick is skipped (skippedTicks).
   */
  tickDelay: Histogram;
}

/** Seconds; a healthy loop stays in the first buckets, 1 s is a whole interval at scrapewire's default. */
export const TICK_DELAY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

const byRegistry = new WeakMap<Registry, ScrapeMetrics>();

/** The scrape metrics of `registry`, registered on first use. */
export function scrapeMetrics(registry: Registry): ScrapeMetrics {
  const existing = byRegistry.get(registry);
  if (existing) return existing;
  const registers = [registry];
  const p = 'scrapewire_scrape_';
  const metrics: ScrapeMetrics = {
    scrapes: new Counter({ name: `${p}scrapes_total`, help: 'Scrapes by job and outcome (success or an error code).', labelNames: ['job', 'result'], registers }),
    skippedTicks: new Counter({ name: `${p}skipped_ticks_total`, help: 'Scheduled scrapes skipped because the previous scrape of the target was still running.', labelNames: ['job'], registers }),
    skippedLines: new Counter({ name: `${p}skipped_lines_total`, help: 'Malformed exposition lines skipped (on_parse_error: skip).', labelNames: ['job'], registers }),
    samplesWritten: new Counter({ name: `${p}samples_written_total`, help: 'Samples handed to remote write, staleness markers and report series included.', labelNames: ['job'], registers }),
    targets: new Gauge({ name: `${p}targets`, help: 'Targets being scraped.', labelNames: ['job'], registers }),
    requests: new Counter({ name: `${p}requests_total`, help: 'HTTP requests made for scrapes; targets with the same URL, credentials, TLS settings, timeout and interval share one per interval.', registers }),
    fetchGroups: new Gauge({ name: `${p}fetch_groups`, help: 'Distinct fetches scheduled: groups of targets that share one request per interval.', registers }),
    tickDelay: new Histogram({ name: `${p}tick_delay_seconds`, help: 'How late scheduled fetches started after their slot (event-loop lag as the scrape schedule sees it).', buckets: TICK_DELAY_BUCKETS, registers }),
  };
  byRegistry.set(registry, metrics);
  return metrics;
}
