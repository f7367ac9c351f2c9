/**
 * The core's behaviour across scrapes: interning (a known series costs no memory, a label pair
 * shared by many series is held once), memory that
 * follows live series and not body size, staleness markers, eviction under churn, the host's
 * keep/drop/rewrite decisions, request splitting, metadata and exemplars.
 */
import { Core, type Label } from '../../src/core';
import { decodeRw1, decodeRw2 } from '../helpers/remote-write-proto';
import { bits, rowsFromRw1, rowsFromRw2 } from '../helpers/core-harness';
import { RW1, RW2 } from '../../src/remote-write-protocol';

const STALE_NAN_BITS = '7ff0000000000002';

function page(series: number, offset = 0, value = 1): Buffer {
  const lines: string[] = ['# HELP m_total A counter.', '# TYPE m_total counter'];
  for (let i = 0; i < series; i++) lines.push(`m_total{pod="pod-${i + offset}",namespace="ns-${(i + offset) % 7}"} ${value + i}`);
  return Buffer.from(lines.join('\n') + '\n');
}

function rw1Rows(core: Core) {
  const requests: Uint8Array[] = [];
  core.encode(RW1, {}, (r) => requests.push(r.slice()));
  return rowsFromRw1(requests);
}

test('a second scrape of the same series grows the label arena by 0 bytes and memory not at all', async () => {
  const core = Core.create();
  await core.scrape([page(5000)], { format: 'text', timestampMs: 1000 });
  const first = core.memoryStats();
  const summary = await core.scrape([page(5000, 0, 2)], { format: 'text', timestampMs: 2000 });
  const second = core.memoryStats();
  expect(summary.newSeries).toBe(0);
  expect(second.labelArenaBytes).toBe(first.labelArenaBytes);
  expect(second.wasmBytes).toBe(first.wasmBytes);
});

test('memory is bounded by the distinct label pairs and the series, and a page padded to 50 MB costs no more', async () => {
  const series = 20_000;
  const body = page(series);
  const core = Core.create();
  const empty = core.memoryStats().wasmBytes;
  await core.scrape([body], { format: 'text', timestampMs: 1000 });
  const stats = core.memoryStats();
  // Each series has 3 labels; __name__ and the 7 namespaces are shared, the pods are not.
  expect(stats.labelPairs).toBe(1 + 7 + series);
  // The text of every series' labels: "__name__" "m_total" "namespace" "ns-N" "pod" "pod-N".
  let text = 0;
  for (let i = 0; i < series; i++) text += 8 + 7 + 9 + 4 + 3 + `pod-${i}`.length;
  expect(stats.labelTextBytes).toBe(text);
  // Held: the pod pairs' encodings (framing + name + value), and 12 bytes of pair ids per series.
  expect(stats.labelArenaBytes).toBeLessThan(series * (6 + 3 + 9 + 12) + 1000);
  // Per series: its pod pair's block and its id list (each +16 bytes of allocator header and
  // alignment), a 64-byte record, two 16-byte index slots at <= 50% load (64), 20 bytes of
  // columns (x2 for the previous scrape). The allocator grows memory by doubling it, so the
  // reserved size may reach twice what is used.
  const used = stats.labelArenaBytes + series * (32 + 64 + 64 + 40) + (4 << 20);
  expect(stats.wasmBytes).toBeLessThanOrEqual(empty + 2 * used);

  // The same series with 50 MB of comment lines around them: body size must not matter.
  const padded = Core.create();
  const comment = Buffer.from(`# ${'padding '.repeat(8000)}\n`);
  function* chunks(): Generator<Uint8Array> {
    for (let sent = 0; sent < 50 << 20; sent += comment.length) yield comment;
    yield body;
  }
  await padded.scrape(chunks(), { format: 'text', timestampMs: 1000 });
  expect(padded.memoryStats().wasmBytes).toBe(stats.wasmBytes);
});

test('a vanished series gets exactly one staleness marker, at the next scrape timestamp', async () => {
  const core = Core.create();
  await core.scrape([Buffer.from('a 1\nb 2\n')], { format: 'text', timestampMs: 1000 });
  let summary = await core.scrape([Buffer.from('a 1\n')], { format: 'text', timestampMs: 2000 });
  expect(summary.staleSeries).toBe(1);
  const rows = rw1Rows(core);
  expect(rows.map((r) => [r.labels, bits(r.value), r.timestamp])).toEqual([
    [[['__name__', 'a']], bits(1), 2000],
    [[['__name__', 'b']], STALE_NAN_BITS, 2000],
  ]);
  summary = await core.scrape([Buffer.from('a 1\n')], { format: 'text', timestampMs: 3000 });
  expect(summary.staleSeries).toBe(0);
  expect(rw1Rows(core)).toHaveLength(1);
});

test('staleness markers can be left out of a request', async () => {
  const core = Core.create();
  await core.scrape([Buffer.from('a 1\nb 2\n')], { format: 'text', timestampMs: 1000 });
  await core.scrape([Buffer.from('a 1\n')], { format: 'text', timestampMs: 2000 });
  const requests: Uint8Array[] = [];
  core.encode(RW1, { includeStale: false }, (r) => requests.push(r.slice()));
  expect(rowsFromRw1(requests)).toHaveLength(1);
});

test('series churn does not grow memory without end: unseen series are evicted and reused', async () => {
  const core = Core.create({ evictAfterScrapes: 2 });
  let peakArena = 0;
  let wasmAfterWarmup = 0;
  for (let scrape = 0; scrape < 60; scrape++) {
    // 2,000 series, a quarter of them replaced every scrape (pods coming and going).
    await core.scrape([page(2000, scrape * 500)], { format: 'text', timestampMs: 1000 * (scrape + 1) });
    const stats = core.memoryStats();
    if (scrape === 10) wasmAfterWarmup = stats.wasmBytes;
    if (scrape >= 10) peakArena = Math.max(peakArena, stats.labelArenaBytes);
    expect(stats.series).toBeLessThanOrEqual(2000 + 3 * 500);
  }
  expect(core.memoryStats().wasmBytes).toBe(wasmAfterWarmup);
  expect(peakArena).toBeLessThan(3500 * 70);
});

test('evictions keep every live key in the index and no dead one: series that leave and come back are new once, with their own labels', async () => {
  // A window of 2,000 of 3,000 series slides by 100 a scrape: each series leaves for 10 scrapes
  // (evicted after 1) and comes back. Spelled with an empty label, each series has two keys (raw
  // and canonical), so the index holds ~4,000 keys whose runs wrap around its end: removing the
  // evicted ones in place must keep every other key reachable (else a live series would be made
  // again) and leave no key of an evicted ref (else a returning series could find a reused ref).
  const core = Core.create({ evictAfterScrapes: 1 });
  const CYCLE = 3000;
  const WINDOW = 2000;
  const STEP = 100;
  for (let scrape = 0; scrape < 45; scrape++) {
    const ids = Array.from({ length: WINDOW }, (_, k) => (scrape * STEP + k) % CYCLE);
    const body = Buffer.from(ids.map((id) => `churn{empty="",id="${id}"} ${id}\n`).join(''));
    const summary = await core.scrape([body], { format: 'text', timestampMs: 1000 * (scrape + 1) });
    expect(summary.newSeries).toBe(scrape === 0 ? WINDOW : STEP);
    const requests: Uint8Array[] = [];
    core.encode(RW1, { includeStale: false }, (r) => requests.push(r.slice()));
    const rows = rowsFromRw1(requests);
    expect(rows).toHaveLength(WINDOW);
    for (const row of rows) expect(row.labels).toEqual([['__name__', 'churn'], ['id', String(row.value)]]);
    expect(core.memoryStats().series).toBeLessThanOrEqual(WINDOW + 2 * STEP);
  }
});

test('the resolver is asked once per new series, and its keep / drop / rewrite decisions stick', async () => {
  const core = Core.create();
  const asked: Label[][] = [];
  const resolve = (batch: readonly { labels: Label[] }[]) => {
    asked.push(...batch.map((s) => s.labels));
    return batch.map((s) => {
      const name = s.labels.find(([n]) => n === '__name__')![1];
      if (name === 'drop_me') return { action: 'drop' as const };
      if (name === 'rename_me') return { action: 'rewrite' as const, labels: [['__name__', 'renamed'], ['job', 'x'], ['a', '1']] as Label[] };
      return { action: 'keep' as const };
    });
  };
  const body = Buffer.from('keep_me{a="1"} 1\ndrop_me 2\nrename_me{a="1"} 3\n');
  let summary = await core.scrape([body], { format: 'text', timestampMs: 1000 }, resolve);
  expect(asked).toHaveLength(3);
  expect(summary.samples).toBe(3);
  expect(summary.samplesPostRelabel).toBe(2);
  const expected = [
    { labels: [['__name__', 'keep_me'], ['a', '1']], value: 1, timestamp: 1000 },
    { labels: [['__name__', 'renamed'], ['a', '1'], ['job', 'x']], value: 3, timestamp: 1000 },
  ];
  expect(rw1Rows(core)).toEqual(expected);
  summary = await core.scrape([body], { format: 'text', timestampMs: 2000 }, resolve);
  expect(asked).toHaveLength(3);
  expect(summary.samplesPostRelabel).toBe(2);
  expect(rw1Rows(core).map((r) => r.labels)).toEqual(expected.map((r) => r.labels));
});

test('rewritten histogram and summary series keep their bounds, in text and strict OpenMetrics', async () => {
  // Every series gets a target label, as a scrape job does: its original pairs may be freed and
  // their ids reused, and the bound (le / quantile) and the OpenMetrics group must not follow them.
  const withJob = (batch: readonly { labels: Label[] }[]) =>
    batch.map((s) => ({ action: 'rewrite' as const, labels: [...s.labels, ['job', 'j']] as Label[] }));
  const text = Buffer.from([
    '# TYPE h histogram',
    'h_bucket{le="0.5"} 1', 'h_bucket{le="1"} 2', 'h_bucket{le="+Inf"} 3', 'h_count 3', 'h_sum 1.5',
    '# TYPE s summary',
    's{quantile="0.5"} 1', 's{quantile="0.9"} 2', 's_count 3', 's_sum 4',
  ].join('\n') + '\n');
  const core = Core.create();
  for (let scrape = 0; scrape < 4; scrape++) {
    const summary = await core.scrape([text], { format: 'text', timestampMs: 1000 + scrape }, withJob);
    expect(summary.samples).toBe(9);
  }
  const om = Buffer.from([
    '# TYPE h histogram',
    'h_bucket{a="x",le="0.5"} 1', 'h_bucket{a="x",le="1"} 2', 'h_bucket{a="x",le="+Inf"} 3', 'h_count{a="x"} 3', 'h_sum{a="x"} 1.5',
    'h_bucket{a="y",le="0.5"} 1', 'h_bucket{a="y",le="+Inf"} 1', 'h_count{a="y"} 1', 'h_sum{a="y"} 0.5',
    '# EOF',
  ].join('\n') + '\n');
  const strict = Core.create({ openMetricsValidation: 'strict' });
  for (let scrape = 0; scrape < 4; scrape++) {
    // A new bucket in the third scrape: its group must match the rewritten buckets of the same set.
    const body = scrape < 2 ? om : Buffer.from(om.toString().replace('h_bucket{a="y",le="+Inf"}', 'h_bucket{a="y",le="0.7"} 1\nh_bucket{a="y",le="+Inf"}'));
    await core.scrape([text], { format: 'text', timestampMs: 2000 + scrape }, withJob);
    const summary = await strict.scrape([body], { format: 'openmetrics', timestampMs: 2000 + scrape }, withJob);
    expect(summary.samples).toBe(scrape < 2 ? 9 : 10);
  }
});

test('new series are decided while the body streams, so a scrape cut short leaves its decided series known', async () => {
  const series = 10_000;
  const body = page(series);
  const asked: string[] = [];
  const resolve = (batch: readonly { labels: Label[] }[]) => {
    asked.push(...batch.map((s) => s.labels.find(([n]) => n === 'pod')![1]));
    return batch.map(() => ({ action: 'keep' as const }));
  };
  const core = Core.create();
  core.begin({ format: 'text', timestampMs: 1000 }, resolve);
  // 64 KiB chunks; stop at ~80% of the body, as a scrape timeout would.
  let fed = 0;
  for (let at = 0; at < body.length * 0.8; at += 65536) {
    core.feed(body.subarray(at, at + 65536));
    fed = at + 65536;
  }
  const decidedBeforeTimeout = asked.length;
  expect(decidedBeforeTimeout).toBeGreaterThanOrEqual(4096);
  expect(decidedBeforeTimeout % 4096).toBe(0);
  core.abort();
  expect(fed).toBeLessThan(body.length);
  // The next scrape has only the undecided rest as new series, and asks about each of them once.
  const summary = await core.scrape([body], { format: 'text', timestampMs: 2000 }, resolve);
  expect(summary.newSeries).toBe(series - decidedBeforeTimeout);
  expect(asked).toHaveLength(series);
  expect(new Set(asked).size).toBe(series);
  expect(rw1Rows(core)).toHaveLength(series);
});

test('requests are split at maxSamplesPerRequest, in order, 1.0 and 2.0 alike', async () => {
  const core = Core.create();
  await core.scrape([page(1234)], { format: 'text', timestampMs: 1000 });
  for (const protocol of [RW1, RW2] as const) {
    const sizes: number[] = [];
    const requests: Uint8Array[] = [];
    const count = core.encode(protocol, { maxSamplesPerRequest: 500 }, (r, n) => {
      sizes.push(n);
      requests.push(r.slice());
    });
    expect(count).toBe(3);
    expect(sizes).toEqual([500, 500, 234]);
    const rows = protocol === RW1 ? rowsFromRw1(requests) : rowsFromRw2(requests);
    expect(rows.map((r) => r.value)).toEqual(Array.from({ length: 1234 }, (_, i) => 1 + i));
  }
});

test('remote write 2.0 carries metadata inline and exemplars; 1.0 metadata goes in its own request', async () => {
  const core = Core.create();
  const body = Buffer.from(
    [
      '# TYPE req counter',
      '# HELP req Requests "served".',
      'req_total{code="200"} 10 # {trace_id="abc"} 1 1700000000.5',
      'req_created{code="200"} 1700000000',
      '# TYPE lat_seconds histogram',
      '# UNIT lat_seconds seconds',
      'lat_seconds_bucket{le="0.1"} 1',
      'lat_seconds_bucket{le="+Inf"} 2',
      'lat_seconds_count 2',
      'lat_seconds_sum 0.3',
      '# EOF',
      '',
    ].join('\n'),
  );
  await core.scrape([body], { format: 'openmetrics', timestampMs: 5000 });
  const requests: Uint8Array[] = [];
  core.encode(RW2, {}, (r) => requests.push(r.slice()));
  const decoded = decodeRw2(requests[0]);
  const symbols: string[] = decoded.symbols;
  const first = decoded.timeseries[0];
  expect(first.metadata.type).toBe('METRIC_TYPE_COUNTER');
  expect(symbols[first.metadata.help_ref]).toBe('Requests "served".');
  expect(first.exemplars).toHaveLength(1);
  expect(first.exemplars[0].value).toBe(1);
  expect(Number(first.exemplars[0].timestamp)).toBe(1_700_000_000_500);
  expect(first.exemplars[0].labels_refs.map((i: number) => symbols[i])).toEqual(['trace_id', 'abc']);
  const bucket = decoded.timeseries[2];
  expect(bucket.metadata.type).toBe('METRIC_TYPE_HISTOGRAM');
  expect(symbols[bucket.metadata.unit_ref]).toBe('seconds');

  const metadata = decodeRw1(core.encodeMetadata()!.slice()).metadata;
  expect(metadata.map((m: { metric_family_name: string; type: string; unit: string }) => [m.metric_family_name, m.type, m.unit ?? ''])).toEqual([
    ['req', 'COUNTER', ''],
    ['lat_seconds', 'HISTOGRAM', 'seconds'],
  ]);
});

test('honorTimestamps false replaces samples\' own timestamps with the scrape\'s', async () => {
  const core = Core.create();
  await core.scrape([Buffer.from('a 1 12345\n')], { format: 'text', timestampMs: 9000, honorTimestamps: false });
  expect(rw1Rows(core)[0].timestamp).toBe(9000);
  await core.scrape([Buffer.from('a 1 12345\n')], { format: 'text', timestampMs: 9000 });
  expect(rw1Rows(core)[0].timestamp).toBe(12345);
});

test('the snapshot columns hold every sample for consumers to read without parsing again', async () => {
  const core = Core.create();
  await core.scrape([Buffer.from('a 1.5\nb{x="y"} -2 777\n')], { format: 'text', timestampMs: 1000 });
  const snapshot = core.snapshot();
  expect(Array.from(snapshot.values)).toEqual([1.5, -2]);
  expect(Array.from(snapshot.timestamps)).toEqual([1000, 777]);
  expect(core.labelsOf(snapshot.refs[1])).toEqual([['__name__', 'b'], ['x', 'y']]);
});

test('the same series spelled two ways (label order, blanks) is one series', async () => {
  const core = Core.create();
  const summary = await core.scrape([Buffer.from('m{a="1",b="2"} 1\nm{b="2", a="1"} 2\n')], { format: 'text', timestampMs: 1 });
  expect(summary.newSeries).toBe(1);
  expect(core.duplicateSamples).toBe(1);
  expect(rowsFromRw2((() => { const r: Uint8Array[] = []; core.encode(RW2, {}, (b) => r.push(b.slice())); return r; })())).toEqual([
    { labels: [['__name__', 'm'], ['a', '1'], ['b', '2']], value: 1, timestamp: 1 },
  ]);
});

test('spellings that differ (order, empty labels, escapes, quoting, the other format) still meet in one series', async () => {
  const core = Core.create();
  // The canonical spelling first, then others of the same label sets; then the other way round.
  const first = [
    'm{a="1",b="x\\"y"} 1',
    '{"my.metric","la.bel"="v"} 1',
    'n 1',
    'p{b="2",a="1",c=""} 1',
  ].join('\n') + '\n';
  const second = [
    'm{b="x\\"y",a="1"} 2',
    '{"la.bel"="v","my.metric"} 2',
    'n{} 2',
    'p{a="1",b="2"} 2',
  ].join('\n') + '\n';
  expect((await core.scrape([Buffer.from(first)], { format: 'text', timestampMs: 1 })).newSeries).toBe(4);
  expect((await core.scrape([Buffer.from(second)], { format: 'text', timestampMs: 2 })).newSeries).toBe(0);
  // OpenMetrics keys are hashed apart from text keys, and still find the same series.
  const om = await core.scrape([Buffer.from(first + '# EOF\n')], { format: 'openmetrics', timestampMs: 3 });
  expect(om.newSeries).toBe(0);
  expect(om.staleSeries).toBe(0);
});

test('a series written canonically takes one index slot, one written otherwise two', async () => {
  const series = 20_000;
  const lines = (unsorted: boolean) => Array.from({ length: series }, (_, i) => unsorted ? `m{b="${i}",a="x"} 1` : `m{a="x",b="${i}"} 1`).join('\n') + '\n';
  const canonical = Core.create();
  await canonical.scrape([Buffer.from(lines(false))], { format: 'text', timestampMs: 1 });
  const other = Core.create();
  await other.scrape([Buffer.from(lines(true))], { format: 'text', timestampMs: 1 });
  // 16-byte slots, grown at 3/4 load: 20,000 keys fit 32,768 slots, 40,000 need 65,536.
  expect(canonical.memoryStats().indexBytes).toBe(32_768 * 16);
  expect(other.memoryStats().indexBytes).toBe(65_536 * 16);
});

test('after a spike, rebuild() gives memory back and keeps series, the last scrape and staleness', async () => {
  const core = Core.create({ evictAfterScrapes: 1 });
  await core.scrape([page(60_000)], { format: 'text', timestampMs: 1000 });
  await core.scrape([page(100)], { format: 'text', timestampMs: 2000 });
  const before = rw1Rows(core);
  await core.scrape([page(50)], { format: 'text', timestampMs: 3000 });
  const spiked = core.memoryStats().wasmBytes;
  const expected = rw1Rows(core); // 50 samples + 50 staleness markers
  const freed = core.rebuild();
  expect(freed).toBeGreaterThan(0);
  expect(core.memoryStats().wasmBytes).toBeLessThan(spiked / 2);
  expect(core.memoryStats().series).toBe(100);
  expect(rw1Rows(core).map((r) => [r.labels, bits(r.value), r.timestamp])).toEqual(expected.map((r) => [r.labels, bits(r.value), r.timestamp]));
  expect(before).toHaveLength(60_000); // 100 samples and 59,900 staleness markers
  // The next scrape knows every series: nothing is new, and the series missing since are stale.
  const summary = await core.scrape([page(40)], { format: 'text', timestampMs: 4000 });
  expect(summary.newSeries).toBe(0);
  expect(summary.staleSeries).toBe(10);
});

test('after an aborted scrape the snapshot is empty and the next scrape marks what vanished', async () => {
  const core = Core.create();
  await core.scrape([Buffer.from('a 1\nb 2\n')], { format: 'text', timestampMs: 1000 });
  core.begin({ format: 'text', timestampMs: 2000 });
  core.feed(Buffer.from('a 1\n'));
  core.abort();
  expect(core.snapshot().values).toHaveLength(0);
  expect(rw1Rows(core)).toHaveLength(0);
  const summary = await core.scrape([], { format: 'text', timestampMs: 3000 });
  expect(summary.staleSeries).toBe(2);
  expect(rw1Rows(core).map((r) => bits(r.value))).toEqual([STALE_NAN_BITS, STALE_NAN_BITS]);
});

test('OpenMetrics from a real client library that breaks a family rule: rejected strictly, scraped with syntax checks', async () => {
  const { nonconformingOpenMetricsPayloads } = await import('../helpers/fixtures');
  const payloads = nonconformingOpenMetricsPayloads();
  expect(payloads.length).toBeGreaterThan(0);
  for (const payload of payloads) {
    const body = (await import('node:fs')).readFileSync(payload.path);
    await expect(Core.create().scrape([body], { format: 'openmetrics', timestampMs: 1 })).rejects.toMatchObject({ code: 'ERR_PARSE' });
    const summary = await Core.create({ openMetricsValidation: 'syntax' }).scrape([body], { format: 'openmetrics', timestampMs: 1 });
    expect(summary.samples).toBeGreaterThan(10);
  }
  // Syntax is still checked.
  await expect(Core.create({ openMetricsValidation: 'syntax' }).scrape([Buffer.from('a 1\n')], { format: 'openmetrics', timestampMs: 1 }))
    .rejects.toMatchObject({ code: 'ERR_PARSE' });
});

test('series first seen in a failed scrape are decided and sent by the next good one', async () => {
  const core = Core.create();
  const decided: string[] = [];
  const resolve = (batch: readonly { labels: Label[] }[]) => {
    for (const s of batch) decided.push(s.labels.find(([n]) => n === '__name__')![1]);
    return undefined;
  };
  // The page fails on its last line: its two series were created but never resolved.
  await expect(core.scrape([Buffer.from('a 1\nb 2\nbroken{ 3\n')], { format: 'text', timestampMs: 1000 }, resolve)).rejects.toMatchObject({ code: 'ERR_PARSE' });
  expect(decided).toEqual([]);
  const summary = await core.scrape([Buffer.from('a 1\nb 2\n')], { format: 'text', timestampMs: 2000 }, resolve);
  expect(summary.newSeries).toBe(2);
  expect(decided).toEqual(['a', 'b']);
  expect(rw1Rows(core).map((r) => r.labels[0][1])).toEqual(['a', 'b']);
});
