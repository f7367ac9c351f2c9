/**
 * The core's limits (src/core/limits.ts, assembly/limits.ts), checked while the body is parsed:
 * the scrape fails at the line that passes a limit, the core holds no more than the limit lets
 * in, and the core is usable afterwards, its staleness reference intact.
 */
import { RW1, RW2 } from '../../src/remote-write-protocol';
import { Core, ScrapewireError, type CoreOptions, type NewSeriesResolver } from '../../src/core';
import { rowsFromRw1 } from '../helpers/core-harness';

const STALE_NAN_BITS = '7ff0000000000002';

/** `count` series `m{i="<first + i>"}`, one line each, in 64 KiB chunks. */
function* uniqueSeries(count: number, first = 0): Generator<Buffer> {
  let chunk = '';
  for (let i = first; i < first + count; i++) {
    chunk += `m{i="${i}"} ${i}\n`;
    if (chunk.length >= 65_536) {
      yield Buffer.from(chunk);
      chunk = '';
    }
  }
  if (chunk !== '') yield Buffer.from(chunk);
}

async function scrapeError(core: Core, body: Iterable<Buffer>, resolve?: NewSeriesResolver): Promise<ScrapewireError> {
  const err = await core.scrape(body, { format: 'text', timestampMs: 1000 }, resolve).then(() => undefined, (e: unknown) => e);
  if (!(err instanceof ScrapewireError)) throw new Error(`expected a ScrapewireError, got ${String(err)}`);
  return err;
}

function rw1(core: Core) {
  const requests: Uint8Array[] = [];
  core.encode(RW1, {}, (r) => requests.push(r.slice()));
  return rowsFromRw1(requests);
}

const keepAll: NewSeriesResolver = (batch) => batch.map(() => ({ action: 'keep' }));

describe('sample limit', () => {
  test('without a resolver, the scrape fails at the line of sample limit + 1, and the core holds no more series than that', async () => {
    const core = Core.create({ sampleLimit: 10_000 });
    const err = await scrapeError(core, uniqueSeries(300_000));
    expect(err).toMatchObject({ code: 'ERR_SAMPLE_LIMIT', line: 10_001, column: 1 });
    expect(err.message).toBe('line 10001, column 1: sample_limit exceeded (more than 10000 samples after relabeling, limit: 10000)');
    // The failed scrape's undecided series are forgotten: nothing of 300,000 was kept.
    expect(core.memoryStats().series).toBe(0);
  });

  test('with a streaming resolver that keeps everything, it fails within one batch of decisions past the limit', async () => {
    const core = Core.create({ sampleLimit: 10_000 });
    let asked = 0;
    const err = await scrapeError(core, uniqueSeries(300_000), (batch) => {
      asked += batch.length;
      return keepAll(batch);
    });
    expect(err.code).toBe('ERR_SAMPLE_LIMIT');
    // Paused at 4,096 and 8,192 undecided series, then every 256 past the limit.
    expect(asked).toBeLessThanOrEqual(10_000 + 256);
    expect(err.line).toBe(asked);
    expect(core.memoryStats().series).toBeLessThanOrEqual(10_000 + 256);
  });

  test('samples of series the resolver drops do not count (Prometheus counts after metric relabeling)', async () => {
    const dropOdd: NewSeriesResolver = (batch) => batch.map((s) => ({ action: Number(s.labels.find(([n]) => n === 'i')![1]) % 2 === 1 ? 'drop' : 'keep' }));
    const fits = Core.create({ sampleLimit: 10_000 });
    const summary = await fits.scrape(uniqueSeries(20_000), { format: 'text', timestampMs: 1000 }, dropOdd);
    expect(summary).toMatchObject({ samples: 20_000, samplesPostRelabel: 10_000 });
    expect(rw1(fits)).toHaveLength(10_000);
    // Known series: the second scrape counts their remembered decisions, no resolver needed.
    expect((await fits.scrape(uniqueSeries(20_000), { format: 'text', timestampMs: 2000 })).samplesPostRelabel).toBe(10_000);

    const over = Core.create({ sampleLimit: 9_999 });
    const err = await scrapeError(over, uniqueSeries(20_000), dropOdd);
    expect(err.code).toBe('ERR_SAMPLE_LIMIT');
  });

  test('known series fail at the exact line: the 10,001st kept sample', async () => {
    const core = Core.create({ sampleLimit: 10_000 });
    await core.scrape(uniqueSeries(10_000), { format: 'text', timestampMs: 1000 });
    await core.scrape(uniqueSeries(10_000, 10_000), { format: 'text', timestampMs: 2000 });
    // 20,000 known, kept series: no decision is pending, so the line that passes the limit fails.
    const err = await scrapeError(core, uniqueSeries(20_000), keepAll);
    expect(err).toMatchObject({ code: 'ERR_SAMPLE_LIMIT', line: 10_001 });
  });

  test('a failed scrape pushes nothing, and the next good one marks the last good scrape\'s vanished series stale', async () => {
    const core = Core.create({ sampleLimit: 100 });
    await core.scrape([Buffer.from('a 1\nb 1\nc 1\n')], { format: 'text', timestampMs: 1000 });
    await scrapeError(core, uniqueSeries(1000), keepAll);
    expect(rw1(core)).toEqual([]);
    await core.scrape([Buffer.from('a 2\n')], { format: 'text', timestampMs: 3000 });
    const rows = rw1(core);
    expect(rows.map((r) => [r.labels[0][1], Number.isNaN(r.value) ? 'stale' : r.value])).toEqual([['a', 2], ['b', 'stale'], ['c', 'stale']]);
  });
});

test('series limit: a new series past it fails the scrape at its line; known and dropped series count', async () => {
  const core = Core.create({ seriesLimit: 1000 });
  const dropAll: NewSeriesResolver = (batch) => batch.map(() => ({ action: 'drop' }));
  await core.scrape(uniqueSeries(600), { format: 'text', timestampMs: 1000 }, dropAll);
  await core.scrape(uniqueSeries(400, 600), { format: 'text', timestampMs: 2000 });
  expect(core.memoryStats().series).toBe(1000);
  const err = await scrapeError(core, uniqueSeries(10, 1000));
  expect(err).toMatchObject({ code: 'ERR_SERIES_LIMIT', line: 1, column: 1 });
  expect(err.message).toContain('limit: 1000');
  // Known series still scrape.
  expect((await core.scrape(uniqueSeries(1000), { format: 'text', timestampMs: 4000 })).samples).toBe(1000);
});

describe('label limits, checked before the labels are sorted or stored', () => {
  const cases: [string, CoreOptions, string, number, string][] = [
    ['label_limit', { labelLimit: 3 }, 'ok{a="1"} 1\nx{a="1",b="2",c="3"} 1\n', 2, 'ERR_LABEL_LIMIT'],
    ['label_limit, empty values absent', { labelLimit: 3 }, 'x{a="1",b="",c="",d="2"} 1\n', 0, ''],
    ['label_name_length_limit', { labelNameLengthLimit: 8 }, 'x{short="1",much_too_long="1"} 1\n', 1, 'ERR_LABEL_NAME_LENGTH_LIMIT'],
    ['label_value_length_limit', { labelValueLengthLimit: 4 }, 'x{a="1234"} 1\nx{a="12345"} 1\n', 2, 'ERR_LABEL_VALUE_LENGTH_LIMIT'],
    ['the metric name is the value of __name__', { labelValueLengthLimit: 4 }, 'abcde 1\n', 1, 'ERR_LABEL_VALUE_LENGTH_LIMIT'],
  ];
  test.each(cases)('%s', async (_name, options, page, line, code) => {
    const core = Core.create(options);
    const result = await core.scrape([Buffer.from(page)], { format: 'text', timestampMs: 1 }).then(() => undefined, (e: unknown) => e);
    if (code === '') expect(result).toBeUndefined();
    else expect(result).toMatchObject({ code, line });
  });

  test('a line of 20,000 labels stops at the first one over label_limit', async () => {
    const labels = Array.from({ length: 20_000 }, (_, i) => `l${19_999 - i}="v"`);
    const line = `x{${labels.join(',')}} 1\n`;
    const core = Core.create({ labelLimit: 30 });
    const err = await scrapeError(core, [Buffer.from(line)]);
    // The 30th label after the metric name is the 31st: its column.
    expect(err).toMatchObject({ code: 'ERR_LABEL_LIMIT', line: 1, column: line.indexOf(labels[29]) + 1 });
    expect(err.message).toContain('limit: 30');
  });

  test('a bad line skipped with onParseError "skip" does not hide a later limit, which still fails the scrape', async () => {
    const core = Core.create({ onParseError: 'skip', labelLimit: 2 });
    const err = await scrapeError(core, [Buffer.from('bad{ 1\nok 1\nx{a="1",b="2"} 1\n')]);
    expect(err).toMatchObject({ code: 'ERR_LABEL_LIMIT', line: 3 });
  });
});

describe('memory limit', () => {
  /** Series with 8 KiB label values, all distinct: 100 of them are ~800 KiB of labels. */
  function* bigSeries(count: number): Generator<Buffer> {
    for (let i = 0; i < count; i++) yield Buffer.from(`big{i="${i}",v="${String(i).padStart(8192, 'x')}"} 1\n`);
  }

  test('a scrape that grows the core past it fails at a line; the core is rebuilt and keeps its series and staleness', async () => {
    const limit = 24 * 2 ** 20;
    const core = Core.create({ maxMemoryBytes: limit });
    await core.scrape([Buffer.from('a 1\nb 1\n')], { format: 'text', timestampMs: 1000 });
    const err = await scrapeError(core, bigSeries(100_000));
    expect(err.code).toBe('ERR_MEMORY_LIMIT');
    expect(err.line).toBeGreaterThan(100);
    expect(err.message).toContain('memory limit of the core exceeded (24 MiB)');
    const before = core.memoryStats().wasmBytes;
    expect(before).toBeGreaterThan(limit);
    // The next scrape starts on a rebuilt core: back under the limit, a and b known, b stale.
    const summary = await core.scrape([Buffer.from('a 2\n')], { format: 'text', timestampMs: 3000 });
    expect(core.memoryStats().wasmBytes).toBeLessThanOrEqual(limit);
    expect(summary).toMatchObject({ samples: 1, newSeries: 0, staleSeries: 1 });
    expect(rw1(core).map((r) => [r.labels[0][1], Number.isNaN(r.value) ? 'stale' : r.value])).toEqual([['a', 2], ['b', 'stale']]);
  });

  test('a limit below what the core itself needs is refused', () => {
    expect(() => Core.create({ maxMemoryBytes: 1 << 20 })).toThrow(/maxMemoryBytes must be 0 \(no limit\) or at least/);
  });
});

test('rebuild() after an aborted scrape keeps the last good scrape as the staleness reference', async () => {
  const core = Core.create();
  await core.scrape([Buffer.from('a 1\nb 1\n')], { format: 'text', timestampMs: 1000 });
  await scrapeError(core, [Buffer.from('a 1\nbroken{\n')]);
  core.rebuild();
  const summary = await core.scrape([Buffer.from('a 3\n')], { format: 'text', timestampMs: 3000 });
  expect(summary.staleSeries).toBe(1);
  const rows = rw1(core);
  expect(rows.map((r) => r.labels.find(([n]) => n === '__name__')![1])).toEqual(['a', 'b']);
  const bits = new DataView(new ArrayBuffer(8));
  bits.setFloat64(0, rows[1].value);
  expect(bits.getBigUint64(0).toString(16)).toBe(STALE_NAN_BITS);
});

test('limits are checked: a negative or fractional one is refused', () => {
  expect(() => Core.create({ sampleLimit: -1 })).toThrow(/sampleLimit must be an integer/);
  expect(() => Core.create({ labelLimit: 1.5 })).toThrow(/labelLimit must be an integer/);
});
