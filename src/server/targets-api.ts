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

/** A target relabeling dropped: what it was discovered with, and its job. */
export interface ApiDroppedTarget {
  discoveredLabels: Record<string, string>;
  scrapePool: string;
}

export interface TargetsApiResponse {
  status: 'success';
  data: {
    activeTargets: ApiActiveTarget[];
    droppedTargets: ApiDroppedTarget[];
    /**
     * Every target dropped per scrape pool, including those keep_dropped_targets did not keep.
     * Absent when nothing was dropped (Prometheus before 2.46 never sends it; clients treat it as optional).
     */
    droppedTargetCounts?: Record<string, number>;
  };
}

/**
 * A dropped target travels among the TargetStatus items a TargetProvider returns, marked
 * `dropped: true` (the page shows only active targets; the API lists these under
 * droppedTargets). `droppedTotal`, on the first one of a job, is how many that job dropped in all.
 */
export interface DroppedTargetStatus extends TargetStatus {
  dropped: true;
  droppedTotal?: number;
}

/** The TargetStatus that stands for one dropped target (see DroppedTargetStatus). */
export function droppedTargetStatus(job: string, discoveredLabels: Record<string, string>, droppedTotal?: number): DroppedTargetStatus {
  const status: DroppedTargetStatus = {
    dropped: true, job, discoveredLabels, scrapeUrl: '', labels: {}, health: 'unknown', scrapeIntervalSeconds: 0, scrapeTimeoutSeconds: 0,
  };
  if (droppedTotal !== undefined) status.droppedTotal = droppedTotal;
  return status;
}

function isDropped(target: TargetStatus): target is DroppedTargetStatus {
  return (target as Partial<DroppedTargetStatus>).dropped === true;
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
  const showDropped = state === '' || state === 'any' || state === 'dropped';
  const inPool = (target: TargetStatus) => pool === '' || target.job === pool;
  const byPool = <T extends { scrapePool: string }>(a: T, b: T) => (a.scrapePool < b.scrapePool ? -1 : a.scrapePool > b.scrapePool ? 1 : 0);
  // Array.prototype.sort is stable, so targets keep the provider's order within a job.
  const activeTargets = showActive
    ? targets.filter((target) => !isDropped(target) && inPool(target)).map(toActiveTarget).sort(byPool)
    : [];
  const dropped = targets.filter(isDropped).filter(inPool);
  const droppedTargets = showDropped
    ? dropped.map((target) => ({ discoveredLabels: sortedLabels(target.discoveredLabels), scrapePool: target.job })).sort(byPool)
    : [];
  const droppedTargetCounts: Record<string, number> = {};
  for (const target of dropped) {
    droppedTargetCounts[target.job] = Math.max(droppedTargetCounts[target.job] ?? 0, target.droppedTotal ?? 0);
  }
  const data: TargetsApiResponse['data'] = { activeTargets, droppedTargets };
  if (dropped.length > 0) data.droppedTargetCounts = droppedTargetCounts;
  return { status: 'success', data };
}
