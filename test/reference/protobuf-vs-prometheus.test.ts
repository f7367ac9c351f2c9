/**
 * The protobuf reference reading against a real Prometheus: Debian's prometheus 2.42 with
 * `--enable-feature=native-histograms` scrapes a loopback target serving a protobuf page
 * (it asks for protobuf then), and what it stored, queried back, must be what
 * parseProtobufReference reads in the page.
 *
 * The page holds only what 2.42 reads as Prometheus 3 does: legacy names (2.42 refuses others),
 * counters, gauges, untyped, summaries, classic histograms, and native histograms with integer
 * counts (2.42 takes a histogram as native only when it has deltas or a zero bucket, Prometheus 3
 * when it has spans; 2.42 names a gauge histogram's classic series without suffixes, ignores
 * float counts of classic histograms and reads no created timestamps). Native buckets come back with their boundaries, which are computed here
 * from schema and index (2^(index * 2^-schema)), so an index off by one shows.
 */
import { Prometheus } from '../helpers/receivers';
import { encodePage, startProtobufTarget, type ProtobufTarget } from '../support/client-model';
import { PROMETHEUS_242_NATIVE_SHAPES as NATIVE_NAMES, PROMETHEUS_242_PAGE as PAGE } from '../support/protobuf-pages';
import { parseProtobufReference, type RefNativeHistogram } from '../support/protobuf-reference';

jest.setTimeout(90_000);

interface PromHistogram { count: string; sum: string; buckets?: Array<[number, string, string, string]> }
interface QueryResult { metric: Record<string, string>; value?: [number, string]; histogram?: [number, PromHistogram] }

let target: ProtobufTarget;
let prometheus: Prometheus | undefined;

beforeAll(async () => {
  target = await startProtobufTarget(PAGE);
  prometheus = await new Prometheus({
    features: ['native-histograms'],
    config: [
      'global: {scrape_interval: 1s, scrape_timeout: 1s}',
      'scrape_configs:',
      '  - job_name: probe',
      `    static_configs: [{targets: ['${new URL(target.origin).host}']}]`,
    ].join('\n') + '\n',
  }).start();
});

afterAll(async () => {
  await Promise.all([prometheus?.destroy(), target?.close()]);
});

async function query(expr: string): Promise<QueryResult[]> {
  return (await prometheus!.query(expr, Date.now() / 1000)) as QueryResult[];
}

/** Waits until Prometheus has stored one good scrape of the target. */
async function scraped(): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (prometheus!.exited) throw new Error(`prometheus exited:\n${prometheus!.output}`);
    const up = await query('up{job="probe"}');
    if (up.length === 1 && up[0].value?.[1] === '1') return;
    if (Date.now() > deadline) throw new Error(`no good scrape within 60 s:\n${prometheus!.output}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function key(labels: Record<string, string>): string {
  return JSON.stringify(Object.entries(labels).filter(([name]) => name !== 'job' && name !== 'instance').sort());
}

/** The buckets Prometheus's JSON lists for a histogram: [boundary rule, lower, upper, count], empty ones left out. */
function expectedBuckets(h: RefNativeHistogram): Array<[number, number, number, number]> {
  const bound = (index: number) => 2 ** (index * 2 ** -h.schema);
  const buckets: Array<[number, number, number, number]> = [];
  for (const [index, count] of [...h.negative].reverse()) buckets.push([1, -bound(index), -bound(index - 1), count]);
  if (h.zeroCount !== 0) buckets.push([3, -h.zeroThreshold, h.zeroThreshold, h.zeroCount]);
  for (const [index, count] of h.positive) buckets.push([0, bound(index - 1), bound(index), count]);
  return buckets;
}

test('what Prometheus 2.42 stores from a protobuf page is what the reference reads in it', async () => {
  await scraped();
  // The target was asked for protobuf, so the page was read as protobuf.
  expect(String(target.requests[0].headers.accept)).toMatch(/^application\/vnd\.google\.protobuf;proto=io\.prometheus\.client\.MetricFamily;encoding=delimited/);

  const reference = parseProtobufReference(encodePage(PAGE), { scrapeNativeHistograms: true });
  const stored = await query('{job="probe",__name__!~"up|scrape_.*"}');

  const floats = new Map(stored.filter((r) => r.value !== undefined).map((r) => [key(r.metric), r.value![1]]));
  // An empty label value is no label: untyped_thing{x=""} is untyped_thing again, a duplicate
  // Prometheus drops (the first sample stays).
  const expectedFloats = new Map<string, string>();
  for (const s of reference.samples) {
    const series = key(Object.fromEntries(s.labels.filter(([, value]) => value !== '')));
    if (!expectedFloats.has(series)) expectedFloats.set(series, String(s.value).replace('Infinity', 'Inf'));
  }
  expect(floats.size).toBe(expectedFloats.size);
  for (const [series, value] of expectedFloats) expect({ series, value: floats.get(series) }).toEqual({ series, value: value === 'Inf' ? '+Inf' : value });

  const histograms = new Map(stored.filter((r) => r.histogram !== undefined).map((r) => [key(r.metric), r.histogram![1]]));
  expect(histograms.size).toBe(reference.histograms.length);
  expect(reference.histograms.length).toBe(NATIVE_NAMES.length);
  for (const h of reference.histograms) {
    const series = key(Object.fromEntries(h.labels));
    const got = histograms.get(series);
    expect({ series, count: got?.count, sum: got?.sum }).toEqual({ series, count: String(h.count), sum: String(h.sum) });
    const buckets = (got?.buckets ?? []).map(([rule, lower, upper, count]) => [rule, Number(lower), Number(upper), Number(count)] as const);
    const expected = expectedBuckets(h);
    expect(buckets.map(([rule, , , count]) => [rule, count])).toEqual(expected.map(([rule, , , count]) => [rule, count]));
    buckets.forEach(([, lower, upper], i) => {
      // Prometheus takes bounds from a table of 2^(j/2^schema); the last bit may differ from Math.pow's.
      expect(lower).toBeCloseTo(expected[i][1], 12);
      expect(upper).toBeCloseTo(expected[i][2], 12);
    });
  }
});
