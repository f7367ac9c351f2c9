/**
 * /targets: every target grouped by job, rendered on the server so the page works without
 * JavaScript; an inline script (targets-page-assets.ts) refreshes it from /api/v1/targets.
 * Every value that came from a target, its labels or its error is escaped with escapeHtml().
 */
import { formatAgo, formatSeconds } from './format';
import { escapeHtml } from './html';
import { NEVER_SCRAPED, type ApiActiveTarget } from './targets-api';
import { TARGETS_PAGE_SCRIPT, TARGETS_PAGE_STYLE } from './targets-page-assets';

/** The row identity the refresh script compares with the API's targets, in the same order. */
export function targetRowKey(target: ApiActiveTarget): string {
  return JSON.stringify([target.scrapePool, target.scrapeUrl, target.labels]);
}

function discoveredLabelsTitle(labels: Record<string, string>): string | undefined {
  const names = Object.keys(labels);
  if (names.length === 0) return undefined;
  return `Discovered labels:\n${names.map((name) => `${name}=${JSON.stringify(labels[name])}`).join('\n')}`;
}

function renderEndpoint(url: string): string {
  // Only http(s) URLs become links: a `javascript:` URL must never be clickable.
  if (/^https?:\/\//i.test(url)) return `<a href="${escapeHtml(url)}">${escapeHtml(url)}</a>`;
  return escapeHtml(url);
}

function renderRow(target: ApiActiveTarget, nowMs: number): string {
  const labels = Object.entries(target.labels)
    .map(([name, value]) => `<span class="label">${escapeHtml(name)}="${escapeHtml(value)}"</span>`)
    .join('');
  const title = discoveredLabelsTitle(target.discoveredLabels);
  const never = target.lastScrape === NEVER_SCRAPED;
  const ago = never ? 'never' : formatAgo((nowMs - Date.parse(target.lastScrape)) / 1000);
  return (
    `<tr class="target" data-key="${escapeHtml(targetRowKey(target))}">` +
    `<td class="endpoint">${renderEndpoint(target.scrapeUrl)}</td>` +
    `<td class="state"><span class="health health-${escapeHtml(target.health)}">${escapeHtml(target.health)}</span></td>` +
    `<td class="labels"${title === undefined ? '' : ` title="${escapeHtml(title)}"`}>${labels}</td>` +
    `<td class="last-scrape"><time datetime="${escapeHtml(target.lastScrape)}">${ago}</time></td>` +
    `<td class="duration">${never ? '' : formatSeconds(target.lastScrapeDuration)}</td>` +
    `<td class="series">${target.seriesCount === undefined ? '' : target.seriesCount}</td>` +
    `<td class="error"><pre>${escapeHtml(target.lastError)}</pre></td>` +
    `</tr>`
  );
}

function renderPool(pool: string, targets: ApiActiveTarget[], nowMs: number): string {
  const up = targets.filter((target) => target.health === 'up').length;
  return (
    `<section class="pool" data-pool="${escapeHtml(pool)}">` +
    `<h2>${escapeHtml(pool)} <span class="pool-count">(${up}/${targets.length} up)</span></h2>` +
    `<table><thead><tr><th>Endpoint</th><th>State</th><th>Labels</th><th>Last scrape</th>` +
    `<th>Duration</th><th>Series</th><th>Error</th></tr></thead><tbody>` +
    targets.map((target) => renderRow(target, nowMs)).join('') +
    `</tbody></table></section>`
  );
}

/**
 * The whole page. `targets` must be in API order (buildTargetsResponse's), where each job's
 * targets are adjacent: the refresh script matches rows to the API's list by position.
 */
export function renderTargetsPage(targets: ApiActiveTarget[], now: Date): string {
  const pools: string[] = [];
  for (let start = 0; start < targets.length; ) {
    let end = start + 1;
    while (end < targets.length && targets[end].scrapePool === targets[start].scrapePool) end++;
    pools.push(renderPool(targets[start].scrapePool, targets.slice(start, end), now.getTime()));
    start = end;
  }
  const up = targets.filter((target) => target.health === 'up').length;
  return (
    `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>scrapewire targets</title><style>${TARGETS_PAGE_STYLE}</style></head><body>` +
    `<nav><a href="targets" aria-current="page">Targets</a> · <a href="service-discovery">Service discovery</a></nav>` +
    `<header><h1>Targets</h1><p><span id="summary">${targets.length} target${targets.length === 1 ? '' : 's'}, ${up} up.</span> ` +
    `<span id="refresh-status">Rendered ${escapeHtml(now.toISOString())}.</span></p></header>` +
    `<main id="targets">${pools.length === 0 ? '<p class="empty">No targets.</p>' : pools.join('')}</main>` +
    `<script>${TARGETS_PAGE_SCRIPT}</script></body></html>\n`
  );
}
