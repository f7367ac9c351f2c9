import { NEVER_SCRAPED, buildTargetsResponse, toActiveTarget } from '../../src/server/targets-api';
import { target } from './fake-targets';

describe('toActiveTarget', () => {
  test('has the fields of a Prometheus active target, with Prometheus value formats', () => {
    expect(toActiveTarget(target())).toEqual({
      discoveredLabels: { __address__: '10.0.0.1:9100', __metrics_path__: '/metrics', __scheme__: 'http', job: 'node' },
      labels: { instance: '10.0.0.1:9100', job: 'node' },
      scrapePool: 'node',
      scrapeUrl: 'http://10.0.0.1:9100/metrics',
      globalUrl: 'http://10.0.0.1:9100/metrics',
      lastError: '',
      lastScrape: '2026-05-25T18:00:01.123Z',
      lastScrapeDuration: 0.0043,
      health: 'up',
      scrapeInterval: '1s',
      scrapeTimeout: '1s',
      seriesCount: 812,
    });
  });

  test('a target never scraped reports Go zero time, no duration and no series count', () => {
    const active = toActiveTarget(
      target({ health: 'unknown', lastScrape: undefined, lastScrapeDurationSeconds: undefined, seriesCount: undefined }),
    );
    expect(active.lastScrape).toBe(NEVER_SCRAPED);
    expect(active.lastScrapeDuration).toBe(0);
    expect(active.health).toBe('unknown');
    expect('seriesCount' in active).toBe(false);
  });

  test('hides reserved labels from labels but not from discoveredLabels', () => {
    const active = toActiveTarget(target({ labels: { job: 'node', __scheme__: 'https', __param_x: 'y' } }));
    expect(active.labels).toEqual({ job: 'node' });
    expect(active.discoveredLabels.__scheme__).toBe('http');
  });

  test('never shows userinfo of the scrape URL or inside the last error', () => {
    const active = toActiveTarget(
      target({
        scrapeUrl: 'https://admin:hunter2@10.0.0.1:10250/metrics',
        lastError: 'Get "https://admin:hunter2@10.0.0.1:10250/metrics": connection refused',
      }),
    );
    expect(JSON.stringify(active)).not.toContain('hunter2');
    expect(active.scrapeUrl).toBe('https://10.0.0.1:10250/metrics');
    expect(active.lastError).toBe('Get "https://10.0.0.1:10250/metrics": connection refused');
  });

  test('formats intervals as Prometheus durations', () => {
    const active = toActiveTarget(target({ scrapeIntervalSeconds: 90, scrapeTimeoutSeconds: 0.5 }));
    expect(active.scrapeInterval).toBe('1m30s');
    expect(active.scrapeTimeout).toBe('500ms');
  });
});

describe('buildTargetsResponse', () => {
  const targets = [
    target({ job: 'kubelet', scrapeUrl: 'https://k1/metrics' }),
    target({ job: 'cadvisor', scrapeUrl: 'https://c1/metrics' }),
    target({ job: 'kubelet', scrapeUrl: 'https://k2/metrics' }),
  ];

  test('orders by job, keeping the provider order within a job', () => {
    const response = buildTargetsResponse(targets);
    expect(response.status).toBe('success');
    expect(response.data.droppedTargets).toEqual([]);
    expect(response.data.activeTargets.map((t) => t.scrapeUrl)).toEqual([
      'https://c1/metrics',
      'https://k1/metrics',
      'https://k2/metrics',
    ]);
  });

  test.each([
    ['', 3],
    ['state=active', 3],
    ['state=any', 3],
    ['state=dropped', 0],
    ['state=bogus', 0],
    ['scrapePool=kubelet', 2],
    ['state=active&scrapePool=none', 0],
  ])('query %p lists %p active targets', (query, count) => {
    expect(buildTargetsResponse(targets, new URLSearchParams(query)).data.activeTargets).toHaveLength(count);
  });
});
