/**
 * /service-discovery: for every job, each target discovery found, with its labels before
 * relabeling (the discovered labels: `__address__`, `__meta_*`, the job's defaults) beside what
 * relabel_configs made of them: the target's labels, or "dropped". Rendered on the server from
 * the /api/v1/targets objects (state any), so it works without JavaScript; an inline script
 * (service-discovery-page-assets.ts) reloads it when the API's answer changes. Everything that
 * came from discovery is escaped with escapeHtml().
 */
import { escapeHtml } from './html';
import type { ApiActiveTarget, ApiDroppedTarget, TargetsApiResponse } from './targets-api';
import { SERVICE_DISCOVERY_PAGE_SCRIPT, SERVICE_DISCOVERY_PAGE_STYLE } from './service-discovery-page-assets';

/** One row: a discovered target and what relabeling made of it (undefined: dropped). */
interface DiscoveredRow {
  discoveredLabels: Record<string, string>;
  labels?: Record<string, string>;
}

/**
 * The identity of the page's content, which the refresh script recomputes from the API: every
 * pool in order with its rows (discovered labels, and target labels or null) and dropped count.
 */
export function serviceDiscoveryKey(data: TargetsApiResponse['data']): string {
  return JSON.stringify(poolsOf(data).map(({ pool, rows, droppedTotal }) =>
    [pool, droppedTotal, rows.map((row) => [row.discoveredLabels, row.labels ?? null])]));
}

interface Pool {
  pool: string;
  rows: DiscoveredRow[];
  active: number;
  /** Every target relabeling dropped, also those keep_dropped_targets did not keep. */
  droppedTotal: number;
}

/** Pools in name order; in each, the active targets in the API's order, then the dropped ones. */
function poolsOf(data: TargetsApiResponse['data']): Pool[] {
  const pools = new Map<string, Pool>();
  const poolOf = (name: string): Pool => {
    let pool = pools.get(name);
    if (pool === undefined) pools.set(name, pool = { pool: name, rows: [], active: 0, droppedTotal: 0 });
    return pool;
  };
  for (const target of data.activeTargets) {
    const pool = poolOf(target.scrapePool);
    pool.rows.push({ discoveredLabels: target.discoveredLabels, labels: target.labels });
    pool.active++;
  }
  for (const target of data.droppedTargets) {
    const pool = poolOf(target.scrapePool);
    pool.rows.push({ discoveredLabels: target.discoveredLabels });
    pool.droppedTotal++;
  }
  for (const [name, count] of Object.entries(data.droppedTargetCounts ?? {})) {
    const pool = poolOf(name);
    pool.droppedTotal = Math.max(pool.droppedTotal, count);
  }
  return [...pools.values()].sort((a, b) => (a.pool < b.pool ? -1 : a.pool > b.pool ? 1 : 0));
}

function renderLabels(labels: Record<string, string>): string {
  return Object.keys(labels).sort()
    .map((name) => `<span class="label">${escapeHtml(name)}="${escapeHtml(labels[name])}"</span>`)
    .join('');
}

function renderRow(row: DiscoveredRow): string {
  const after = row.labels === undefined
    ? '<span class="dropped">dropped</span>'
    : renderLabels(row.labels);
  return (
    `<tr class="discovered${row.labels === undefined ? ' is-dropped' : ''}">` +
    `<td class="discovered-labels">${renderLabels(row.discoveredLabels)}</td>` +
    `<td class="target-labels">${after}</td></tr>`
  );
}

function renderPool(pool: Pool): string {
  const shownDropped = pool.rows.length - pool.active;
  const hidden = pool.droppedTotal - shownDropped;
  const note = hidden > 0
    ? `<p class="hidden-dropped">${hidden} more dropped target${hidden === 1 ? '' : 's'} not kept (keep_dropped_targets).</p>`
    : '';
  return (
    `<section class="pool" data-pool="${escapeHtml(pool.pool)}">` +
    `<h2>${escapeHtml(pool.pool)} <span class="pool-count">(${pool.active} active / ${pool.droppedTotal} dropped)</span></h2>` +
    `<table><thead><tr><th>Discovered labels</th><th>Target labels</th></tr></thead><tbody>` +
    pool.rows.map(renderRow).join('') +
    `</tbody></table>${note}</section>`
  );
}

/** The whole page, from /api/v1/targets's data (activeTargets, droppedTargets, droppedTargetCounts). */
export function renderServiceDiscoveryPage(data: TargetsApiResponse['data'], now: Date): string {
  const pools = poolsOf(data);
  const active = data.activeTargets.length;
  const dropped = pools.reduce((sum, pool) => sum + pool.droppedTotal, 0);
  return (
    `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>scrapewire service discovery</title><style>${SERVICE_DISCOVERY_PAGE_STYLE}</style></head>` +
    `<body data-key="${escapeHtml(serviceDiscoveryKey(data))}">` +
    `<nav><a href="targets">Targets</a> · <a href="service-discovery" aria-current="page">Service discovery</a></nav>` +
    `<header><h1>Service discovery</h1><p><span id="summary">${active} active, ${dropped} dropped.</span> ` +
    `<span id="refresh-status">Rendered ${escapeHtml(now.toISOString())}.</span></p></header>` +
    `<main id="pools">${pools.length === 0 ? '<p class="empty">Nothing discovered.</p>' : pools.map(renderPool).join('')}</main>` +
    `<script>${SERVICE_DISCOVERY_PAGE_SCRIPT}</script></body></html>\n`
  );
}

export type { ApiActiveTarget, ApiDroppedTarget };
