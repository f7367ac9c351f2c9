/**
 * Native histograms end to end, differential against Prometheus: one loopback target serves a
 * protobuf page with native histograms of many shapes (and classic families beside them);
 * Debian's Prometheus 2.42 in agent mode (`--enable-feature=agent,native-histograms`) and the
 * real collector (`scrape_native_histograms: true`) both scrape it and remote-write 1.0 (with
 * send_native_histograms) to one Prometheus receiver (`--web.enable-remote-write-receiver
 * --enable-feature=native-histograms`). The receiver's query API must give the same histograms
 * (count, sum, every bucket with its boundaries) and the same floats for both jobs. Then the
 * histograms leave the page: both agents' markers end the series (an instant query finds none).
 *
 * The page holds what 2.42 reads as Prometheus 3 does (see test/reference/protobuf-vs-prometheus.test.ts):
 * legacy names, integer native histograms, no float classic counts, no gauge histograms.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { Prometheus } from '../helpers/receivers';
import { CollectorProcess, killAllCollectors, withCollectorOutput } from './support/collector-process';
import { tempDir } from './support/config';
import { pollUntil } from './support/wait';
import { encodePage, startProtobufTarget, type ProtobufTarget } from '../support/client-model';
import { parseProtobufReference } from '../support/protobuf-reference';
import { PROMETHEUS_242_NATIVE_SHAPES as NATIVE_NAMES, PROMETHEUS_242_PAGE as PAGE } from '../support/protobuf-pages';

jest.setTimeout(180_000);

const WITHOUT_NATIVE = PAGE.filter((family) => !family.name!.startsWith('native_'));

let receiver: Prometheus;
let target: ProtobufTarget;
let agent: Prometheus | undefined;
let collector: CollectorProcess | undefined;
const dir = tempDir('native-vs-prom');

beforeAll(async () => {
  [receiver, target] = await Promise.all([
    new Prometheus({ features: ['native-histograms'] }).start(),
    startProtobufTarget(PAGE),
  ]);
  const host = new URL(target.origin).host;
  const remoteWrite = { url: receiver.writeUrl, send_native_histograms: true, queue_config: { batch_send_deadline: '1s', min_backoff: '100ms', max_backoff: '1s' } };
  agent = await new Prometheus({
    agent: true,
    features: ['native-histograms'],
    logLevel: 'warn',
    config: stringify({
      global: { scrape_interval: '1s', scrape_timeout: '1s' },
      scrape_configs: [{ job_name: 'prometheus', static_configs: [{ targets: [host] }] }],
      remote_write: [remoteWrite],
    }),
  }).start();
  const collectorConfig = join(dir.path, 'scrapewire.yml');
  writeFileSync(collectorConfig, stringify({
    global: { scrape_interval: '1s', scrape_timeout: '1s' },
    scrape_configs: [{ job_name: 'scrapewire', scrape_native_histograms: true, static_configs: [{ targets: [host] }] }],
    remote_write: [{ ...remoteWrite, queue_config: { min_backoff: '100ms', max_backoff: '1s' } }],
  }));
  collector = await CollectorProcess.start({ configFile: collectorConfig, storagePath: join(dir.path, 'storage') });
});

afterAll(async () => {
  await killAllCollectors();
  await Promise.all([agent?.destroy(), receiver?.destroy(), target?.close()]);
  dir.remove();
});

interface Result { metric: Record<string, string>; value?: [number, string]; histogram?: [number, unknown] }

async function stored(job: string, time: number): Promise<Map<string, unknown>> {
  const results = (await receiver.query(`{job="${job}",__name__!~"up|scrape_.*"}`, time)) as Result[];
  return new Map(results.map((r) => {
    const { job: _job, instance: _instance, ...labels } = r.metric;
    return [JSON.stringify(Object.entries(labels).sort()), r.histogram?.[1] ?? r.value?.[1]];
  }));
}

test('the receiver stores the same histograms and floats from Prometheus 2.42 agent mode and from scrapewire', async () => {
  await withCollectorOutput(() => [collector], async () => {
    const reference = parseProtobufReference(encodePage(PAGE), { scrapeNativeHistograms: true });
    const floatSeries = new Set(reference.samples.map((r) => JSON.stringify(r.labels.filter(([, v]) => v !== '')))).size;
    const expectedSeries = floatSeries + reference.histograms.length;
    expect(reference.histograms).toHaveLength(NATIVE_NAMES.length);
    const both = async () => {
      const now = Date.now() / 1000;
      return [await stored('prometheus', now), await stored('scrapewire', now)] as const;
    };
    const [fromPrometheus, fromScrapewire] = await pollUntil(both, ([p, s]) => p.size >= expectedSeries && s.size >= expectedSeries, 90_000, 1000)
      .catch((err) => { throw new Error(`${err}\nagent:\n${agent!.output}`); });
    expect({ agent: fromPrometheus.size, log: fromPrometheus.size < expectedSeries ? agent!.output : '' }).toEqual({ agent: expectedSeries, log: '' });
    expect(fromScrapewire.size).toBe(expectedSeries);
    const histograms = [...fromPrometheus.keys()].filter((key) => typeof fromPrometheus.get(key) === 'object');
    expect(histograms).toHaveLength(NATIVE_NAMES.length);
    for (const [series, value] of fromPrometheus) expect({ series, value: fromScrapewire.get(series) }).toEqual({ series, value });
  });
});

test('when the histograms leave the page, both agents end their series', async () => {
  target.serve(WITHOUT_NATIVE);
  const histogramsOf = async (job: string) => (await receiver.query(`histogram_count({job="${job}",__name__=~"native_.*"})`, Date.now() / 1000)).length;
  const gone = await pollUntil(async () => [await histogramsOf('prometheus'), await histogramsOf('scrapewire')], ([p, s]) => p === 0 && s === 0, 30_000, 1000);
  expect(gone).toEqual([0, 0]);
});
