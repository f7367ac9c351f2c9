/**
 * The stylesheet and refresh script inlined into /targets. Both are constants, so the page's
 * Content-Security-Policy allows exactly them by hash and no other script can run, even if a label
 * value ever slipped past the escaping.
 *
 * The script refreshes the page in place from /api/v1/targets every 5 s: rows are matched by their
 * data-key (pool, URL, labels); values are written with textContent, so nothing fetched is parsed
 * as HTML. When the set of targets changed it reloads the page, which the server renders again.
 * formatSeconds and formatAgo mirror format.ts; test/server/targets-page.browser.test.ts checks
 * that a refreshed row reads like a server-rendered one.
 */
import { createHash } from 'node:crypto';

export const TARGETS_PAGE_STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.4em; margin: 0 0 .2em; }
nav { margin: 0 0 1em; }
h2 { font-size: 1.15em; margin: 1.5em 0 .4em; }
#refresh-status, .pool-count { color: #666; font-weight: normal; font-size: .9em; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .35em .6em; border-bottom: 1px solid #ddd; }
th { background: #f4f4f4; }
.health { display: inline-block; padding: 0 .5em; border-radius: 3px; color: #fff; font-weight: bold; }
.health-up { background: #2e7d32; }
.health-down { background: #c62828; }
.health-unknown { background: #757575; }
.label { display: inline-block; margin: 0 .3em .2em 0; padding: 0 .4em; border-radius: 3px; background: #e3eaf5; font-family: monospace; }
.labels[title] { cursor: help; }
.error pre { margin: 0; white-space: pre-wrap; word-break: break-word; color: #b71c1c; }
`;

export const TARGETS_PAGE_SCRIPT = `
(function () {
  'use strict';
  var NEVER = '0001-01-01T00:00:00Z';
  function formatSeconds(s) { return s < 1 ? +(s * 1000).toFixed(1) + 'ms' : +s.toFixed(2) + 's'; }
  function formatAgo(seconds) {
    var s = Math.max(0, seconds), w = Math.floor(s);
    if (s < 60) return s.toFixed(1) + 's ago';
    if (w < 3600) return Math.floor(w / 60) + 'm ' + (w % 60) + 's ago';
    if (w < 86400) return Math.floor(w / 3600) + 'h ' + Math.floor((w % 3600) / 60) + 'm ago';
    return Math.floor(w / 86400) + 'd ' + Math.floor((w % 86400) / 3600) + 'h ago';
  }
  function discovered(labels) {
    var names = Object.keys(labels);
    if (names.length === 0) return null;
    return 'Discovered labels:\\n' + names.map(function (n) { return n + '=' + JSON.stringify(labels[n]); }).join('\\n');
  }
  function setStatus(text) { document.getElementById('refresh-status').textContent = text; }
  function updateAgo() {
    var times = document.querySelectorAll('tr.target time');
    for (var i = 0; i < times.length; i++) {
      var at = times[i].getAttribute('datetime');
      times[i].textContent = at === NEVER ? 'never' : formatAgo((Date.now() - Date.parse(at)) / 1000);
    }
  }
  function apply(targets) {
    var rows = document.querySelectorAll('tr.target');
    if (rows.length !== targets.length) { location.reload(); return false; }
    for (var i = 0; i < rows.length; i++) {
      var t = targets[i];
      if (rows[i].getAttribute('data-key') !== JSON.stringify([t.scrapePool, t.scrapeUrl, t.labels])) { location.reload(); return false; }
    }
    for (var j = 0; j < rows.length; j++) {
      var row = rows[j], target = targets[j];
      var health = row.querySelector('.health');
      health.textContent = target.health;
      health.className = 'health health-' + target.health;
      var title = discovered(target.discoveredLabels), labels = row.querySelector('.labels');
      if (title === null) labels.removeAttribute('title'); else labels.setAttribute('title', title);
      row.querySelector('time').setAttribute('datetime', target.lastScrape);
      row.querySelector('.duration').textContent = target.lastScrape === NEVER ? '' : formatSeconds(target.lastScrapeDuration);
      row.querySelector('.series').textContent = target.seriesCount === undefined ? '' : String(target.seriesCount);
      row.querySelector('.error pre').textContent = target.lastError;
    }
    document.getElementById('summary').textContent =
      rows.length + (rows.length === 1 ? ' target, ' : ' targets, ') + document.querySelectorAll('tr.target .health-up').length + ' up.';
    var pools = document.querySelectorAll('section.pool');
    for (var k = 0; k < pools.length; k++) {
      var up = pools[k].querySelectorAll('.health-up').length, all = pools[k].querySelectorAll('tr.target').length;
      pools[k].querySelector('.pool-count').textContent = '(' + up + '/' + all + ' up)';
    }
    updateAgo();
    return true;
  }
  function refresh() {
    fetch('api/v1/targets', { cache: 'no-store', headers: { accept: 'application/json' } })
      .then(function (res) { if (!res.ok) throw new Error('HTTP ' + res.status); return res.json(); })
      .then(function (body) {
        if (apply(body.data.activeTargets)) setStatus('Updated ' + new Date().toLocaleTimeString() + '.');
      })
      .catch(function (err) { setStatus('Refresh failed: ' + err.message + '; showing older data.'); });
  }
  setInterval(refresh, 5000);
})();
`;

function sha256Source(text: string): string {
  return `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
}

/** Allows the inline style and script above and nothing else but fetches to this origin. */
export const TARGETS_PAGE_CSP = [
  "default-src 'none'",
  `style-src ${sha256Source(TARGETS_PAGE_STYLE)}`,
  `script-src ${sha256Source(TARGETS_PAGE_SCRIPT)}`,
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
