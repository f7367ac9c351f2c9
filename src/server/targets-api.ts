/**
 * /api/v1/targets in the shape of Prometheus's HTTP API, so its clients (Grafana, promtool,
 * scripts written against Prometheus) read scrapewire's targets unchanged. The /targets page is
 * rendered from the same objects, so the page and its refresh can never disagree.
 */
import { formatPrometheusDuration } from './format';
import { scrubUserinfo, urlWithoutUserinfo } from './redact-url';
import type { TargetStatus } from './types';

/** What Prometheus reports for a target that was never scraped (Go's zero time). */
export const NEVER_SCRAPED = '0001-01-01T00:00:00Z';

export interface ApiActiveTarget {
  discoveredLabels: Record<string, string>;
  /** Target labels after relabeling, without the reserved `__` ones, as Prometheus shows them. */
  labels: Record<string, string>;
  scrapePool: string;
  scrapeUrl: string;
  globalUrl: string;
  lastError: string;
  /** RFC 3339, or NEVER_SCRAPED. */
  lastScrape: string;
  /** Seconds. */
  lastScrapeDuration: number;
  health: 'up' | 'down' | 'unknown';
  scrapeInterval: string;
  scrapeTimeout: string;
  /** scrapewire's addition: series in the last scrape, absent while unknown. */
  seriesCount?: number;
}

export interface TargetsApiResponse {
  status: 'success';
  data: { activeTargets: ApiActiveTarget[]; droppedTargets: never[] };
}

function publicLabels(labels: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(labels).sort()) {
    if (!name.startsWith('__')) out[name] = labels[name];
  }
  return out;
}

function sortedLabels(labels: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(labels).sort()) out[name] = labels[name];
  return out;
}

export function toActiveTarget(target: TargetStatus): ApiActiveTarget {
  const scrapeUrl = urlWithoutUserinfo(target.scrapeUrl);
  const active: ApiActiveTarget = {
    discoveredLabels: sortedLabels(target.discoveredLabels),
    labels: publicLabels(target.labels),
    scrapePool: target.job,
    scrapeUrl,
    // Prometheus swaps a loopback host for its external hostname here; a node agent has no
    // externally known name of its own, so the scrape URL is the global one.
    globalUrl: scrapeUrl,
    lastError: scrubUserinfo(target.lastError ?? ''),
    lastScrape: target.lastScrape === undefined ? NEVER_SCRAPED : target.lastScrape.toISOString(),
    lastScrapeDuration: target.lastScrapeDurationSeconds ?? 0,
    health: target.health,
    scrapeInterval: formatPrometheusDuration(target.scrapeIntervalSeconds),
    scrapeTimeout: formatPrometheusDuration(target.scrapeTimeoutSeconds),
  };
  if (target.seriesCount !== undefined) active.seriesCount = target.seriesCount;
  return active;
}

/**
 * Every target, ordered by scrape pool (jobs in name order, targets in the provider's order within
 * a job). `query` takes Prometheus's filters: `state` (active, dropped, any; anything else lists
 * neither, as Prometheus does) and `scrapePool`.
 */
export function buildTargetsResponse(targets: TargetStatus[], query?: URLSearchParams): TargetsApiResponse {
  const state = query?.get('state') ?? '';
  const pool = query?.get('scrapePool') ?? '';
  const showActive = state === '' || state === 'any' || state === 'active';
  let selected = showActive ? targets : [];
  if (pool !== '') selected = selected.filter((target) => target.job === pool);
  // Array.prototype.sort is stable, so targets keep the provider's order within a job.
  const activeTargets = selected
    .map(toActiveTarget)
    .sort((a, b) => (a.scrapePool < b.scrapePool ? -1 : a.scrapePool > b.scrapePool ? 1 : 0));
  return { status: 'success', data: { activeTargets, droppedTargets: [] } };
}
