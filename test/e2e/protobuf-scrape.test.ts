/**
 * The protobuf exposition end to end: a loopback target serving a protobuf page written with
 * client_model's metrics.proto (test/support/client-model.ts, in pieces of 3 bytes so varints
 * and messages are cut everywhere), scraped by the real collector (`node dist/src/cli.js run`,
 * scrape_protocols: [PrometheusProto]) and remote-written to a real VictoriaMetrics: what
 * VictoriaMetrics stores is what the reference reading of the page says (series, labels, values).
 */
import { join } from 'node:path';
import { VictoriaMetrics, type ExportedSeries } from '../helpers/receivers';
import { CollectorProcess, killAllCollectors, withCollectorOutput } from './support/collector-process';
import { tempDir, writeConfig } from './support/config';
import { pollUntil } from './support/wait';
import { encodePage, startProtobufTarget, type MetricFamilyInput, type ProtobufTarget } from '../support/client-model';
import { CLASSIC_FAMILIES, NATIVE_FAMILIES } from '../support/protobuf-pages';
import { parseProtobufReference } from '../support/protobuf-reference';
import { expectedRows } from '../helpers/core-harness';

jest.setTimeout(120_000);

// Samples with a timestamp of their own are left out (the comparison takes each series' last value).
const PAGE: MetricFamilyInput[] = [...CLASSIC_FAMILIES, ...NATIVE_FAMILIES].map((family) => ({
  ...family, metric: family.metric!.filter((metric) => metric.timestamp_ms === undefined),
}));

let vm: VictoriaMetrics;
let target: ProtobufTarget;
let collector: CollectorProcess | undefined;
const dir = tempDir('protobuf');

beforeAll(async () => {
  [vm, target] = await Promise.all([new VictoriaMetrics().start(), startProtobufTarget(PAGE, { writeBytes: 3 })]);
  const configFile = join(dir.path, 'scrapewire.yml');
  writeConfig(configFile, {
    jobs: [{ name: 'proto', targets: [new URL(target.origin).host], extra: { scrape_protocols: ['PrometheusProto'] } }],
    remoteWriteUrl: vm.writeUrl,
  });
  collector = await CollectorProcess.start({ configFile, storagePath: join(dir.path, 'storage') });
});

afterAll(async () => {
  await killAllCollectors();
  await Promise.all([vm?.destroy(), target?.close()]);
  dir.remove();
});

function key(labels: Record<string, string> | ReadonlyArray<readonly [string, string]>): string {
  const entries = Array.isArray(labels) ? labels : Object.entries(labels);
  return JSON.stringify(entries.filter(([name]) => name !== 'job' && name !== 'instance').map(([n, v]) => `${n}=${v}`).sort());
}

test('VictoriaMetrics stores what the reference reads in the protobuf page', async () => {
  const reference = parseProtobufReference(encodePage(PAGE));
  const expected = new Map(expectedRows(reference.samples).map((row) => [key(row.labels), row.value]));
  await withCollectorOutput(() => [collector], async () => {
    const scraped = (series: ExportedSeries[]) => series.filter((s) => s.metric.__name__ !== 'up' && !s.metric.__name__.startsWith('scrape_'));
    const exported = scraped(await pollUntil(() => vm.exportSeries('{job="proto"}'), (series) => scraped(series).length >= expected.size, 60_000));
    const stored = new Map<string, number>(exported.map((s) => [key(s.metric), s.values[s.values.length - 1]]));
    expect([...stored.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [series, value] of expected) expect({ series, value: stored.get(series) }).toEqual({ series, value });
  });
  // The target was asked for protobuf only.
  expect(String(target.requests[0].headers.accept)).toBe(
    'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6,*/*;q=0.5');
});
