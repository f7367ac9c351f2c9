import { createHash } from 'node:crypto';
import { buildTargetsResponse } from '../../src/server/targets-api';
import { renderTargetsPage } from '../../src/server/targets-page';
import { TARGETS_PAGE_CSP, TARGETS_PAGE_SCRIPT, TARGETS_PAGE_STYLE } from '../../src/server/targets-page-assets';
import type { TargetStatus } from '../../src/server/types';
import { target } from './fake-targets';

const NOW = new Date('2026-05-25T18:00:02.323Z');

function page(targets: TargetStatus[]): string {
  return renderTargetsPage(buildTargetsResponse(targets).data.activeTargets, NOW);
}

function bodyWithoutScript(html: string): string {
  return html.slice(html.indexOf('<body>'), html.indexOf('<script>'));
}

describe('renderTargetsPage', () => {
  test('shows endpoint, state, labels, relative last scrape, duration, series and the full error', () => {
    const error = 'server returned HTTP status 500 Internal Server Error\nsecond line of the error';
    const html = page([target({ health: 'down', lastError: error, lastScrapeDurationSeconds: 0.25 })]);
    expect(html).toContain('<a href="http://10.0.0.1:9100/metrics">http://10.0.0.1:9100/metrics</a>');
    expect(html).toContain('<span class="health health-down">down</span>');
    expect(html).toContain('<span class="label">instance="10.0.0.1:9100"</span><span class="label">job="node"</span>');
    expect(html).toContain('<time datetime="2026-05-25T18:00:01.123Z">1.2s ago</time>');
    expect(html).toContain('<td class="duration">250ms</td>');
    expect(html).toContain('<td class="series">812</td>');
    expect(html).toContain(`<pre>${error}</pre>`);
  });

  test('groups targets by job with an up count', () => {
    const html = page([
      target({ job: 'kubelet', scrapeUrl: 'https://k1/metrics' }),
      target({ job: 'cadvisor', scrapeUrl: 'https://c1/metrics', health: 'down' }),
      target({ job: 'kubelet', scrapeUrl: 'https://k2/metrics', health: 'unknown' }),
    ]);
    const pools = [...html.matchAll(/<h2>(\w+) <span class="pool-count">\((\d+)\/(\d+) up\)<\/span><\/h2>/g)].map((m) => m.slice(1));
    expect(pools).toEqual([
      ['cadvisor', '0', '1'],
      ['kubelet', '1', '2'],
    ]);
    expect(html).toContain('<span id="summary">3 targets, 1 up.</span>');
  });

  test('escapes everything that came from a target', () => {
    const html = page([
      target({
        job: 'job<b>',
        scrapeUrl: 'http://h/"><img src=x onerror=alert(1)>',
        labels: { team: '"><script>alert(2)</script>' },
        discoveredLabels: { __meta_x: '"><script>alert(3)</script>' },
        lastError: 'unexpected token <script>alert(4)</script> & more',
        health: 'down',
      }),
    ]);
    const body = bodyWithoutScript(html);
    expect(body).not.toMatch(/<script|<img|<b>/i);
    expect(body).toContain('unexpected token &lt;script&gt;alert(4)&lt;/script&gt; &amp; more');
    expect(body).toContain('job&lt;b&gt;');
    expect(body).toContain('team="&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;"');
    // The page has exactly one script element: its own.
    expect(html.match(/<script/g)).toHaveLength(1);
  });

  test('a URL that is not http(s) is shown but never linked', () => {
    const html = page([target({ scrapeUrl: 'javascript:alert(1)' })]);
    expect(html).toContain('<td class="endpoint">javascript:alert(1)</td>');
    expect(html).not.toContain('href="javascript');
  });

  test('hides reserved labels except in the discovered labels tooltip, and never shows userinfo', () => {
    const html = page([
      target({
        scrapeUrl: 'https://admin:hunter2@10.0.0.1/metrics',
        labels: { job: 'node', __scheme__: 'https' },
        discoveredLabels: { __address__: '10.0.0.1:9100', job: 'node' },
      }),
    ]);
    expect(html).not.toContain('hunter2');
    expect(html).not.toContain('__scheme__');
    expect(html).toContain('title="Discovered labels:\n__address__=&quot;10.0.0.1:9100&quot;\njob=&quot;node&quot;"');
  });

  test('a target never scraped reads "never", with no duration or series', () => {
    const html = page([target({ health: 'unknown', lastScrape: undefined, lastScrapeDurationSeconds: undefined, seriesCount: undefined })]);
    expect(html).toContain('>never</time>');
    expect(html).toContain('<td class="duration"></td><td class="series"></td>');
    expect(html).toContain('<span class="health health-unknown">unknown</span>');
  });

  test('says so when there are no targets', () => {
    expect(page([])).toContain('<p class="empty">No targets.</p>');
  });

  test('the CSP allows exactly the inline style and script by hash', () => {
    const hash = (text: string): string => createHash('sha256').update(text).digest('base64');
    const html = page([target()]);
    expect(html).toContain(`<script>${TARGETS_PAGE_SCRIPT}</script>`);
    expect(html).toContain(`<style>${TARGETS_PAGE_STYLE}</style>`);
    expect(TARGETS_PAGE_CSP).toContain(`script-src 'sha256-${hash(TARGETS_PAGE_SCRIPT)}'`);
    expect(TARGETS_PAGE_CSP).toContain(`style-src 'sha256-${hash(TARGETS_PAGE_STYLE)}'`);
    expect(TARGETS_PAGE_CSP).toContain("default-src 'none'");
  });
});
