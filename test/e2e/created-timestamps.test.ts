/**
 * created_timestamp_zero_ingestion end to end: a loopback target serving an OpenMetrics page
 * with `_created` lines, scraped by the real collector (`node dist/src/cli.js run`) in two jobs,
 * one with the option and one without, remote-writing 1.0 to a real Prometheus (2.42, remote
 * write receiver). With the option Prometheus stores a 0 at the created timestamp before the
 * counter's samples, once, and no `_created` series; without it `req_created` is a series and
 * the counter has no zero sample.
 */
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { Prometheus, requireBinary, PROMETHEUS_BIN } from '../helpers/receivers';
import { CollectorProcess, killAllCollectors, withCollectorOutput } from './support/collector-process';
import { tempDir, writeConfig } from './support/config';
import { pollUntil } from './support/wait';

jest.setTimeout(120_000);

const createdMs = Math.floor(Date.now() / 1000) * 1000 - 120_000;
const PAGE = [
  '# TYPE req counter',
  'req_total{code="200"} 5',
  `req_created{code="200"} ${createdMs / 1000}`,
  '# TYPE g gauge',
  'g 1',
  '# EOF',
  '',
].join('\n');

let prometheus: Prometheus;
let target: Server;
let collector: CollectorProcess | undefined;
const dir = tempDir('created');

beforeAll(async () => {
  requireBinary(PROMETHEUS_BIN);
  target = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/openmetrics-text; version=1.0.0; charset=utf-8' });
    res.end(PAGE);
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  prometheus = await new Prometheus().start();
  const address = target.address();
  const host = `127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  const configFile = join(dir.path, 'scrapewire.yml');
  writeConfig(configFile, {
    jobs: [
      { name: 'zero', targets: [host], extra: { created_timestamp_zero_ingestion: true } },
      { name: 'plain', targets: [host] },
    ],
    remoteWriteUrl: prometheus.writeUrl,
  });
  collector = await CollectorProcess.start({ configFile, storagePath: join(dir.path, 'storage') });
});

afterAll(async () => {
  await killAllCollectors();
  await prometheus?.destroy();
  await new Promise<void>((resolve) => (target ? target.close(() => resolve()) : resolve()));
  dir.remove();
});

test('Prometheus stores a zero sample at the created timestamp, once, and no _created series', async () => {
  await withCollectorOutput(() => [collector], async () => {
    const now = () => Date.now() / 1000;
    const raw = (job: string) => prometheus.query(`req_total{job="${job}"}[10m]`, now());
    const zero = await pollUntil(() => raw('zero'), (r) => (r[0]?.values?.length ?? 0) >= 4, 60_000);
    const values = zero[0].values!;
    expect(values[0]).toEqual([createdMs / 1000, '0']);
    expect(values.slice(1).every(([t, v]) => v === '5' && t > createdMs / 1000)).toBe(true);
    expect(values.filter(([, v]) => v === '0')).toHaveLength(1);
    expect(await prometheus.query('req_created{job="zero"}', now())).toEqual([]);

    const plain = await pollUntil(() => raw('plain'), (r) => (r[0]?.values?.length ?? 0) >= 2, 30_000);
    expect(plain[0].values!.every(([, v]) => v === '5')).toBe(true);
    const created = await prometheus.query('req_created{job="plain"}', now());
    expect(created.map((s) => s.value![1])).toEqual([String(createdMs / 1000)]);
  });
});
