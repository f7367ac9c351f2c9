/**
 * http_sd_configs against a real loopback HTTP server: what Prometheus's HTTP SD does (headers,
 * `__meta_url`, refresh, groups vanishing, the answer's validation, the last good targets kept
 * on failure), and the same configuration run by vmagent for comparison of targets and labels.
 */
import { parseHttpSdGroups, HttpSdProvider } from '../../src/discovery/http-sd';
import type { DiscoveredGroup } from '../../src/discovery/types';
import { startHttpServer, type LoopbackServer } from '../scrape/support/loopback-server';
import { ScrapewireUnderTest } from '../support/scrapewire-targets';
import { VmAgent } from '../support/vmagent';
import { pollUntil } from '../e2e/support/wait';

describe('parseHttpSdGroups (Prometheus\'s validation of the answer)', () => {
  const url = 'http://127.0.0.1:1/sd';
  test('groups get __meta_url and the source <url>:<index>', () => {
    expect(parseHttpSdGroups([{ targets: ['a:1', 'b:2'], labels: { env: 'prod' } }, { targets: [] }], url)).toEqual([
      { source: `${url}:0`, labels: { env: 'prod', __meta_url: url }, targets: [{ __address__: 'a:1' }, { __address__: 'b:2' }] },
      { source: `${url}:1`, labels: { __meta_url: url }, targets: [] },
    ]);
  });

  test.each([
    [{ targets: ['a:1'] }, 'the answer is not a JSON list of target groups'],
    [[null], 'nil target group item found'],
    [[{ targets: ['a:1'], label: {} }], 'target group 0: unknown field "label"'],
    [[{ targets: 'a:1' }], 'target group 0: targets must be a list of strings'],
    [[{ targets: ['a:1'], labels: { 'bad-name': 'x' } }], 'target group 0: "bad-name" is not a valid label name'],
    [[{ targets: ['a:1'], labels: { n: 5 } }], 'target group 0: label n must have a string value'],
  ])('refuses %j', (body, reason) => {
    expect(() => parseHttpSdGroups(body, url)).toThrow(reason);
  });
});

describe('http_sd_configs with a real server', () => {
  let server: LoopbackServer;
  let answer: { status: number; type: string; body: string };

  beforeAll(async () => {
    server = await startHttpServer((req, res) => {
      res.writeHead(answer.status, { 'content-type': answer.type });
      res.end(answer.body);
    });
  });
  afterAll(async () => { await server.close(); });

  const groupsBody = (targets: string[][]) => JSON.stringify(targets.map((t, i) => ({ targets: t, labels: { group: String(i), __meta_team: 'sre' } })));

  test('polls with Prometheus\'s headers; changes arrive; vanished groups are removed; failures keep the last targets', async () => {
    answer = { status: 200, type: 'application/json; charset=utf-8', body: groupsBody([['127.0.0.1:9001'], ['127.0.0.1:9002', '127.0.0.1:9003']]) };
    const errors: Error[] = [];
    const current = new Map<string, DiscoveredGroup>();
    const provider = new HttpSdProvider('http_sd_configs[0]', { url: `${server.origin}/sd`, refresh_interval: 1000, tls_config: { insecure_skip_verify: false } }, (e) => errors.push(e));
    try {
      await provider.start((groups) => { for (const g of groups) if (g.targets.length === 0) current.delete(g.source); else current.set(g.source, g); });
      expect(errors).toEqual([]);
      expect([...current.keys()]).toEqual([`${server.origin}/sd:0`, `${server.origin}/sd:1`]);
      const request = server.requests[server.requests.length - 1];
      expect(request.headers).toMatchObject({ accept: 'application/json', 'x-prometheus-refresh-interval-seconds': '1' });
      expect(String(request.headers['user-agent'])).toMatch(/^scrapewire\//);

      answer = { ...answer, body: groupsBody([['127.0.0.1:9009']]) };
      await pollUntil(() => current.size, (n) => n === 1, 10_000, 50);
      expect(current.get(`${server.origin}/sd:0`)?.targets).toEqual([{ __address__: '127.0.0.1:9009' }]);

      for (const bad of [{ status: 500, type: 'application/json', body: '[]' }, { status: 200, type: 'text/plain', body: '[]' }, { status: 200, type: 'application/json', body: '[{"targets": [' }]) {
        answer = bad;
        const before = errors.length;
        await pollUntil(() => errors.length, (n) => n > before, 10_000, 50);
        expect(current.size).toBe(1);
      }
      expect(errors.map((e) => e.message.replace(server.origin, 'SERVER'))).toEqual(expect.arrayContaining([
        'SERVER/sd: server returned HTTP status 500',
        'SERVER/sd: unsupported content type "text/plain"',
        expect.stringMatching(/^SERVER\/sd: the answer is not JSON/),
      ]));
    } finally {
      await provider.stop();
    }
  });

  test('the same config through scrapewire and vmagent: the same targets, labels and discovered labels', async () => {
    answer = { status: 200, type: 'application/json', body: groupsBody([['127.0.0.1:9101', 'localhost:9102'], ['127.0.0.1:9103']]) };
    const config = [
      'global: {scrape_interval: 30s, scrape_timeout: 10s}',
      'scrape_configs:',
      '  - job_name: http-sd',
      '    http_sd_configs:',
      // vmagent 1.79 has no refresh_interval here (its -promscrape.httpSDCheckInterval is 1s).
      `      - url: ${server.origin}/sd`,
      '    relabel_configs:',
      '      - source_labels: [__meta_team, group]',
      '        separator: "-"',
      '        target_label: team',
      '      - source_labels: [__address__]',
      '        regex: "localhost:.*"',
      '        action: drop',
      '',
    ].join('\n');
    const [vm, sw] = await Promise.allSettled([VmAgent.start(config), ScrapewireUnderTest.start(config)]);
    try {
      if (vm.status === 'rejected') throw vm.reason;
      if (sw.status === 'rejected') throw sw.reason;
      const shape = (targets: Array<{ scrapeUrl: string; labels: Record<string, string>; discoveredLabels: Record<string, string> }>) =>
        targets.map((t) => JSON.stringify([t.scrapeUrl, t.labels, t.discoveredLabels])).sort();
      const theirs = await pollUntil(() => vm.value.targets(), (t) => t.activeTargets.length === 2, 15_000, 200);
      const ours = await pollUntil(() => sw.value.targets(), (t) => t.activeTargets.length === 2, 15_000, 200);
      expect(shape(ours.activeTargets)).toEqual(shape(theirs.activeTargets));
      expect(ours.activeTargets.map((t) => t.labels.team).sort()).toEqual(['sre-0', 'sre-1']);
      expect(ours.activeTargets[0].discoveredLabels.__meta_url).toBe(`${server.origin}/sd`);
      expect(ours.droppedTargets.map((t) => t.discoveredLabels.__address__)).toEqual(theirs.droppedTargets.map((t) => t.discoveredLabels.__address__));
      expect(ours.droppedTargets.map((t) => t.discoveredLabels.__address__)).toEqual(['localhost:9102']);
    } finally {
      if (vm.status === 'fulfilled') await vm.value.stop();
      if (sw.status === 'fulfilled') await sw.value.stop();
    }
  });
});
