/**
 * Exemplars in remote write 1.0 (send_exemplars: Core.encode's `exemplars`): each sample's
 * exemplar (OpenMetrics and protobuf) in its sample's TimeSeries, decoded with the official 1.0
 * proto, equal to what 2.0 carries and to the reference's; an exemplar without a timestamp gets
 * its sample's. Then sent to a real Prometheus (--enable-feature=exemplar-storage with the
 * remote-write receiver): its exemplar query API returns them.
 */
import { request } from 'undici';
import { Core } from '../../src/core';
import { RW1, RW2 } from '../../src/remote-write-protocol';
import { Prometheus } from '../helpers/receivers';
import { decodeRw1, decodeRw2 } from '../helpers/remote-write-proto';
import { encodePage } from '../support/client-model';
import { CLASSIC_FAMILIES } from '../support/protobuf-pages';
import { parseProtobufReference } from '../support/protobuf-reference';
import { parseReference } from '../reference/parser';

jest.setTimeout(60_000);

/* eslint-disable @typescript-eslint/no-explicit-any */
function exemplarsOf(requests: Uint8Array[]): Array<{ series: string; labels: Array<[string, string]>; value: number; timestamp: number }> {
  const out: Array<{ series: string; labels: Array<[string, string]>; value: number; timestamp: number }> = [];
  for (const r of requests) {
    for (const ts of decodeRw1(r).timeseries) {
      for (const e of ts.exemplars) {
        out.push({
          series: ts.labels.map((l: any) => `${l.name}=${l.value}`).join(','),
          labels: e.labels.map((l: any) => [l.name, l.value]), value: e.value, timestamp: e.timestamp,
        });
      }
    }
  }
  return out;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

const OM_PAGE = [
  '# TYPE req counter',
  'req_total{code="200"} 5 # {trace_id="a1",span="s"} 1.5 1700000001.25',
  'req_created{code="200"} 1700000000',
  'req_total{code="500"} 1 # {"trace.id"="b2"} 0.5',
  '# EOF',
  '',
].join('\n');

async function encode(core: Core, exemplars: boolean): Promise<Uint8Array[]> {
  const requests: Uint8Array[] = [];
  core.encode(RW1, { exemplars }, (r) => requests.push(r.slice()));
  return requests;
}

test('OpenMetrics exemplars go out in 1.0 with send_exemplars, not without', async () => {
  const core = Core.create({ openMetricsValidation: 'syntax' });
  await core.scrape([Buffer.from(OM_PAGE)], { format: 'openmetrics', timestampMs: 1_700_000_005_000 });
  expect(exemplarsOf(await encode(core, false))).toEqual([]);
  const reference = parseReference(OM_PAGE, 'openmetrics').samples.filter((s) => s.exemplar !== undefined);
  expect(exemplarsOf(await encode(core, true))).toEqual(reference.map((s) => ({
    series: s.labels.map(([n, v]) => `${n}=${v}`).join(','),
    labels: s.exemplar!.labels, value: s.exemplar!.value, timestamp: s.exemplar!.timestampMs ?? 1_700_000_005_000,
  })));
});

test('protobuf exemplars go out in 1.0 as the reference reads them', async () => {
  const page = encodePage(CLASSIC_FAMILIES);
  const core = Core.create();
  await core.scrape([page], { format: 'protobuf', timestampMs: 1_700_000_005_000 });
  const reference = parseProtobufReference(page).samples.filter((s) => s.exemplar !== undefined);
  expect(reference.length).toBe(3);
  expect(exemplarsOf(await encode(core, true)).map(({ labels, value, timestamp }) => ({ labels, value, timestamp })))
    .toEqual(reference.map((s) => ({ labels: s.exemplar!.labels, value: s.exemplar!.value, timestamp: s.exemplar!.timestampMs ?? 1_700_000_005_000 })));
});

test('a Prometheus receiver with exemplar storage stores them', async () => {
  const receiver = await new Prometheus({ features: ['exemplar-storage'] }).start();
  try {
    const now = Date.now();
    const page = OM_PAGE.replace('1700000001.25', String((now - 500) / 1000));
    const core = Core.create({ openMetricsValidation: 'syntax' });
    await core.scrape([Buffer.from(page)], { format: 'openmetrics', timestampMs: now });
    const compressed: Uint8Array[] = [];
    core.encode(RW1, { exemplars: true, compress: true }, (r) => compressed.push(r.slice()));
    for (const body of compressed) {
      const res = await request(receiver.writeUrl, {
        method: 'POST', body, headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' },
      });
      expect(res.statusCode).toBe(204);
      await res.body.dump();
    }
    const res = await request(`${receiver.baseUrl}/api/v1/query_exemplars?query=req_total&start=${(now - 60_000) / 1000}&end=${(now + 60_000) / 1000}`);
    const body = (await res.body.json()) as { data: Array<{ seriesLabels: Record<string, string>; exemplars: Array<{ labels: Record<string, string>; value: string }> }> };
    const stored = body.data.map((d) => [d.seriesLabels.code, d.exemplars.map((e) => [e.labels, e.value])]).sort();
    expect(stored).toEqual([['200', [[{ span: 's', trace_id: 'a1' }, '1.5']]], ['500', [[{ 'trace.id': 'b2' }, '0.5']]]]);
  } finally {
    await receiver.destroy();
  }
});

describe('an exemplar equal to its series\' latest one is not sent again (Prometheus agent: AppendExemplar)', () => {
  const page = (value: string, ts: string) => [
    '# TYPE req counter',
    `req_total{code="200"} 5 # {trace_id="a1"} ${value}${ts === '' ? '' : ` ${ts}`}`,
    '# EOF',
    '',
  ].join('\n');
  const sentExemplars = (core: Core) => ({
    rw1: exemplarsOf((() => { const r: Uint8Array[] = []; core.encode(RW1, { exemplars: true }, (x) => r.push(x.slice())); return r; })()).length,
    rw2: (() => { let n = 0; core.encode(RW2, {}, (x) => { for (const ts of decodeRw2(x).timeseries) n += ts.exemplars.length; }); return n; })(),
  });

  test.each([['with a timestamp', '1700000001.25'], ['without one (its timestamp is then ignored, as Exemplar.Equals does)', '']])('%s', async (_name, ts) => {
    const core = Core.create({ openMetricsValidation: 'syntax' });
    await core.scrape([Buffer.from(page('1.5', ts))], { format: 'openmetrics', timestampMs: 1_700_000_005_000 });
    expect(sentExemplars(core)).toEqual({ rw1: 1, rw2: 1 });
    // Encoding the same scrape again (another endpoint) still has it.
    expect(sentExemplars(core)).toEqual({ rw1: 1, rw2: 1 });
    await core.scrape([Buffer.from(page('1.5', ts))], { format: 'openmetrics', timestampMs: 1_700_000_010_000 });
    expect(sentExemplars(core)).toEqual({ rw1: 0, rw2: 0 });
    await core.scrape([Buffer.from(page('2.5', ts))], { format: 'openmetrics', timestampMs: 1_700_000_015_000 });
    expect(sentExemplars(core)).toEqual({ rw1: 1, rw2: 1 });
    if (ts !== '') {
      await core.scrape([Buffer.from(page('2.5', '1700000012'))], { format: 'openmetrics', timestampMs: 1_700_000_020_000 });
      expect(sentExemplars(core)).toEqual({ rw1: 1, rw2: 1 });
    }
  });
});

test('exemplars count against max_samples_per_send, as Prometheus\'s queue counts them', async () => {
  const lines = ['# TYPE c counter'];
  for (let i = 0; i < 4; i++) lines.push(`c_total{i="${i}"} ${i} # {t="${i}"} ${i} 1700000001`);
  lines.push('# TYPE g gauge', 'g 1', '# EOF', '');
  const core = Core.create({ openMetricsValidation: 'syntax' });
  await core.scrape([Buffer.from(lines.join('\n'))], { format: 'openmetrics', timestampMs: 1_700_000_005_000 });
  const split = (protocol: typeof RW1 | typeof RW2, exemplars: boolean, max: number) => {
    const counts: number[] = [];
    const items: number[] = [];
    core.encode(protocol, { exemplars, maxSamplesPerRequest: max }, (r, n) => {
      counts.push(n);
      const decoded = protocol === RW1 ? decodeRw1(r) : decodeRw2(r);
      items.push(decoded.timeseries.reduce((sum: number, ts: { samples: unknown[]; exemplars: unknown[] }) => sum + ts.samples.length + ts.exemplars.length, 0));
    });
    return { counts, items };
  };
  expect(split(RW1, true, 0)).toEqual({ counts: [9], items: [9] });
  expect(split(RW1, true, 3)).toEqual({ counts: [2, 2, 2, 3], items: [2, 2, 2, 3] });
  expect(split(RW1, false, 3)).toEqual({ counts: [3, 2], items: [3, 2] });
  expect(split(RW2, false, 4)).toEqual({ counts: [4, 4, 1], items: [4, 4, 1] });
});
