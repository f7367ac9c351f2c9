/**
 * /service-discovery rendered on the server: per job, each discovered target's labels before
 * relabeling beside its target labels or "dropped", with counts (dropped targets beyond
 * keep_dropped_targets counted, not listed), everything from discovery escaped, and a CSP that
 * allows exactly its inline style and script.
 */
import { createHash } from 'node:crypto';
import { buildTargetsResponse, droppedTargetStatus } from '../../src/server/targets-api';
import { renderServiceDiscoveryPage, serviceDiscoveryKey } from '../../src/server/service-discovery-page';
import {
  SERVICE_DISCOVERY_PAGE_CSP, SERVICE_DISCOVERY_PAGE_SCRIPT, SERVICE_DISCOVERY_PAGE_STYLE,
} from '../../src/server/service-discovery-page-assets';
import type { TargetStatus } from '../../src/server/types';
import { target } from './fake-targets';

const NOW = new Date('2026-05-25T18:00:02.323Z');

function page(targets: TargetStatus[]): string {
  return renderServiceDiscoveryPage(buildTargetsResponse(targets).data, NOW);
}

const POD = { __address__: '10.1.0.5:8080', __meta_kubernetes_pod_name: 'shop-1', __meta_kubernetes_namespace: 'shop', job: 'pods' };
const QUIET = { __address__: '10.1.0.6:8080', __meta_kubernetes_pod_name: 'quiet-0', __meta_kubernetes_namespace: 'shop', job: 'pods' };

describe('renderServiceDiscoveryPage', () => {
  test('each discovered target beside its target labels or "dropped", grouped by job with counts', () => {
    const html = page([
      target({ job: 'pods', discoveredLabels: POD, labels: { instance: '10.1.0.5:8080', job: 'pods', namespace: 'shop', pod: 'shop-1' } }),
      droppedTargetStatus('pods', QUIET, 3),
      target({ job: 'kubelet', scrapeUrl: 'https://10.0.0.2:10250/metrics', discoveredLabels: { __address__: '10.0.0.2:10250', job: 'kubelet' }, labels: { instance: 'node-a', job: 'kubelet' } }),
    ]);
    const pools = [...html.matchAll(/<h2>([\w-]+) <span class="pool-count">\((\d+) active \/ (\d+) dropped\)<\/span><\/h2>/g)].map((m) => m.slice(1));
    expect(pools).toEqual([['kubelet', '1', '0'], ['pods', '1', '3']]);
    const rows = [...html.matchAll(/<tr class="discovered( is-dropped)?"><td class="discovered-labels">(.*?)<\/td><td class="target-labels">(.*?)<\/td><\/tr>/g)]
      .map((m) => [m[1] !== undefined, m[2].replace(/<[^>]+>/g, ' ').trim(), m[3].replace(/<[^>]+>/g, ' ').trim()]);
    expect(rows).toEqual([
      [false, '__address__="10.0.0.2:10250"  job="kubelet"', 'instance="node-a"  job="kubelet"'],
      [false, '__address__="10.1.0.5:8080"  __meta_kubernetes_namespace="shop"  __meta_kubernetes_pod_name="shop-1"  job="pods"',
        'instance="10.1.0.5:8080"  job="pods"  namespace="shop"  pod="shop-1"'],
      [true, '__address__="10.1.0.6:8080"  __meta_kubernetes_namespace="shop"  __meta_kubernetes_pod_name="quiet-0"  job="pods"', 'dropped'],
    ]);
    // Two of the three dropped were not kept (keep_dropped_targets): counted, not listed.
    expect(html).toContain('<p class="hidden-dropped">2 more dropped targets not kept (keep_dropped_targets).</p>');
    expect(html).toContain('<span id="summary">2 active, 3 dropped.</span>');
    expect(html).toContain('<a href="targets">Targets</a>');
  });

  test('escapes everything discovery gave', () => {
    const html = page([droppedTargetStatus('job<b>', { __meta_kubernetes_pod_annotation_x: '"><script>alert(1)</script>', 'a<img>': 'x' }, 1)]);
    const body = html.slice(html.indexOf('<nav>'), html.indexOf('<script>'));
    expect(body).not.toMatch(/<script|<img|<b>/i);
    expect(body).toContain('job&lt;b&gt;');
    expect(body).toContain('__meta_kubernetes_pod_annotation_x="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
  });

  test('nothing discovered', () => {
    expect(page([])).toContain('<p class="empty">Nothing discovered.</p>');
  });

  test('the key the refresh script compares is the one the page carries', () => {
    const data = buildTargetsResponse([target({ job: 'pods', discoveredLabels: POD }), droppedTargetStatus('pods', QUIET, 1)]).data;
    const html = renderServiceDiscoveryPage(data, NOW);
    const attribute = /<body data-key="([^"]*)">/.exec(html)![1].replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#39;/g, "'");
    expect(attribute).toBe(serviceDiscoveryKey(data));
    // The script's own key function, run on the API's JSON as the browser receives it.
    const body = SERVICE_DISCOVERY_PAGE_SCRIPT.slice(SERVICE_DISCOVERY_PAGE_SCRIPT.indexOf('function key'), SERVICE_DISCOVERY_PAGE_SCRIPT.indexOf('  function setStatus'));
    const scriptKey = new Function(`${body}; return key;`)() as (data: unknown) => string;
    expect(scriptKey(JSON.parse(JSON.stringify(data)))).toBe(serviceDiscoveryKey(data));
  });

  test('the CSP allows exactly the inline style and script by hash', () => {
    const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
    expect(SERVICE_DISCOVERY_PAGE_CSP).toContain(`style-src ${hash(SERVICE_DISCOVERY_PAGE_STYLE)}`);
    expect(SERVICE_DISCOVERY_PAGE_CSP).toContain(`script-src ${hash(SERVICE_DISCOVERY_PAGE_SCRIPT)}`);
    expect(SERVICE_DISCOVERY_PAGE_CSP).toContain("default-src 'none'");
  });
});
