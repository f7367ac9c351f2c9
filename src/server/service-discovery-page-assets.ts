/**
 * The stylesheet and refresh script inlined into /service-discovery, allowed by hash in the
 * page's Content-Security-Policy (nothing else can run), like /targets' (targets-page-assets.ts).
 *
 * The script asks /api/v1/targets?state=any every 5 s and recomputes the page's key the way
 * serviceDiscoveryKey() does on the server (service-discovery-page.ts); when it differs (a target
 * discovered, relabeled, dropped or gone) it reloads the page, which the server renders again.
 * test/server/service-discovery-page.browser.test.ts checks both agree.
 */
import { createHash } from 'node:crypto';
import { TARGETS_PAGE_STYLE } from './targets-page-assets';

export const SERVICE_DISCOVERY_PAGE_STYLE = `${TARGETS_PAGE_STYLE}
td.discovered-labels, td.target-labels { width: 50%; }
.dropped { display: inline-block; padding: 0 .5em; border-radius: 3px; color: #fff; font-weight: bold; background: #757575; }
tr.is-dropped td.discovered-labels .label { background: #eee; }
.hidden-dropped { color: #666; font-size: .9em; }
`;

export const SERVICE_DISCOVERY_PAGE_SCRIPT = `
(function () {
  'use strict';
  function key(data) {
    var pools = {}, names = [];
    function pool(name) {
      if (!Object.prototype.hasOwnProperty.call(pools, name)) { pools[name] = { rows: [], dropped: 0 }; names.push(name); }
      return pools[name];
    }
    data.activeTargets.forEach(function (t) { pool(t.scrapePool).rows.push([t.discoveredLabels, t.labels]); });
    data.droppedTargets.forEach(function (t) { var p = pool(t.scrapePool); p.rows.push([t.discoveredLabels, null]); p.dropped++; });
    var counts = data.droppedTargetCounts || {};
    Object.keys(counts).forEach(function (name) { var p = pool(name); p.dropped = Math.max(p.dropped, counts[name]); });
    names.sort(function (a, b) { return a < b ? -1 : a > b ? 1 : 0; });
    return JSON.stringify(names.map(function (name) { return [name, pools[name].dropped, pools[name].rows]; }));
  }
  function setStatus(text) { document.getElementById('refresh-status').textContent = text; }
  function refresh() {
    fetch('api/v1/targets?state=any', { cache: 'no-store', headers: { accept: 'application/json' } })
      .then(function (res) { if (!res.ok) throw new Error('HTTP ' + res.status); return res.json(); })
      .then(function (body) {
        if (key(body.data) !== document.body.getAttribute('data-key')) { location.reload(); return; }
        setStatus('Updated ' + new Date().toLocaleTimeString() + '.');
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
export const SERVICE_DISCOVERY_PAGE_CSP = [
  "default-src 'none'",
  `style-src ${sha256Source(SERVICE_DISCOVERY_PAGE_STYLE)}`,
  `script-src ${sha256Source(SERVICE_DISCOVERY_PAGE_SCRIPT)}`,
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
