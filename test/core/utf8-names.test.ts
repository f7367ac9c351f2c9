/**
 * Quoted UTF-8 metric and label names (Prometheus 3's text 1.0.0 and OpenMetrics with
 * `escaping=allow-utf-8`) through the public Core API: what decides whether scrapewire may offer
 * PrometheusText1.0.0 and ask for allow-utf-8 (src/scrape/negotiation.ts).
 *
 * Every page is compared with the reference parser (src/reference, the text read as Prometheus
 * reads it), the names are checked to reach remote write 1.0 and 2.0 exactly as written, and
 * each page is fed split at every offset. What the core does not read yet is a `test.failing`
 * naming the gap: it starts failing the day the core reads it.
 */
import { Core, type ExpositionFormat } from '../../src/core';
import { RW2 } from '../../src/remote-write-protocol';
import { parseReference } from '../reference/parser';
import { comparable, expectedRows, rowsFromRw1, rowsFromRw2, runCore, splitAt } from '../helpers/core-harness';
import { decodeRw2, rw2Labels } from '../helpers/remote-write-proto';

const TEXT_1_0_0 = [
  '# HELP "my.metric" A name with a dot: quoted, as text 1.0.0 writes it.',
  '# TYPE "my.metric" gauge',
  '{"my.metric"} 1',
  '{"my.metric", "label.name"="v"} 2',
  '{"my.metric", "label.name"="w", plain="x",} 3',
  '# TYPE "http.requests" counter',
  '{"http.requests", "ünïcödé"="ä", "emoji 😀"="ok"} 4',
  '{"http.requests", "with \\"quote\\" and \\\\ backslash"="q"} 5',
  '{"new\\nline.metric"} 6',
  // Characters that delimit the text format, inside quotes.
  '{"a}b", "c,d"="e", "x # y"="=", "{"="}"} 9',
  // A legacy name quoted is the same name: the same series as the bare spelling below.
  '{"legacy_name", a="1"} 7',
  'legacy_name{a="1"} 8',
  '# TYPE "http.latency.seconds" histogram',
  '{"http.latency.seconds_bucket", "le"="0.5", "route.id"="/"} 1',
  '{"http.latency.seconds_bucket", "le"="+Inf", "route.id"="/"} 2',
  '{"http.latency.seconds_sum", "route.id"="/"} 0.75',
  '{"http.latency.seconds_count", "route.id"="/"} 2',
].join('\n') + '\n';

const OPENMETRICS_1_0_0 = [
  '# TYPE "my.counter_seconds" counter',
  '# UNIT "my.counter_seconds" seconds',
  '# HELP "my.counter_seconds" Help of a quoted family.',
  '{"my.counter_seconds_total","code.class"="2xx"} 10',
  '{"my.counter_seconds_created","code.class"="2xx"} 1699999999',
  '# TYPE "my.summary" summary',
  '{"my.summary","quantile"="0.5","a.b"="c"} 0.1',
  '{"my.summary_sum","a.b"="c"} 4',
  '{"my.summary_count","a.b"="c"} 40',
  '# TYPE plain gauge',
  'plain{"dotted.label"="x"} 1',
  '# EOF',
].join('\n') + '\n';

const PAGES: Array<[string, ExpositionFormat, string]> = [
  ['text 1.0.0', 'text', TEXT_1_0_0],
  ['OpenMetrics 1.0.0 with escaping=allow-utf-8', 'openmetrics', OPENMETRICS_1_0_0],
];

function reference(page: string, format: ExpositionFormat) {
  return comparable(expectedRows(parseReference(page, format, { textDialect: 'prometheus' }).samples));
}

describe.each(PAGES)('%s', (_name, format, page) => {
  test('reaches remote write 1.0 and 2.0 as the reference parser reads it', async () => {
    const expected = reference(page, format);
    const run = await runCore([Buffer.from(page)], format);
    expect(comparable(rowsFromRw1(run.rw1))).toEqual(expected);
    expect(comparable(rowsFromRw2(run.rw2))).toEqual(expected);
  });

  test('gives the same rows split at every byte offset', async () => {
    const bytes = Buffer.from(page);
    const expected = reference(page, format);
    for (let offset = 1; offset < bytes.length; offset++) {
      const run = await runCore(splitAt(bytes, [offset]), format);
      expect(comparable(rowsFromRw1(run.rw1))).toEqual(expected);
    }
  });
});

test('names pass through unchanged: quoted, escaped, multi-byte; a quoted legacy name is the bare one', async () => {
  const core = Core.create();
  const summary = await core.scrape([Buffer.from(TEXT_1_0_0)], { format: 'text', timestampMs: 1 });
  expect(core.duplicateSamples).toBe(1); // {"legacy_name", a="1"} and legacy_name{a="1"}
  expect(summary.newSeries).toBe(12);
  const requests: Uint8Array[] = [];
  core.encode(RW2, {}, (request) => requests.push(request.slice()));
  const series = requests.flatMap((request) => {
    const decoded = decodeRw2(request);
    return decoded.timeseries.map((ts: { labels_refs: number[] }) => rw2Labels(decoded.symbols, ts.labels_refs));
  });
  expect(series).toContainEqual({ __name__: 'http.requests', 'ünïcödé': 'ä', 'emoji 😀': 'ok' });
  expect(series).toContainEqual({ __name__: 'http.requests', 'with "quote" and \\ backslash': 'q' });
  expect(series).toContainEqual({ __name__: 'new\nline.metric' });
  expect(series).toContainEqual({ __name__: 'a}b', 'c,d': 'e', 'x # y': '=', '{': '}' });
  expect(series).toContainEqual({ __name__: 'my.metric', 'label.name': 'w', plain: 'x' });
  expect(series.filter((labels) => labels.__name__ === 'legacy_name')).toEqual([{ __name__: 'legacy_name', a: '1' }]);
});

test('a family\'s metadata keeps its quoted name', async () => {
  const core = Core.create();
  await core.scrape([Buffer.from(OPENMETRICS_1_0_0)], { format: 'openmetrics', timestampMs: 1 });
  const requests: Uint8Array[] = [];
  core.encode(RW2, {}, (request) => requests.push(request.slice()));
  const decoded = decodeRw2(requests[0]);
  const counter = decoded.timeseries.find((ts: { labels_refs: number[] }) => rw2Labels(decoded.symbols, ts.labels_refs).__name__ === 'my.counter_seconds_total');
  expect(counter.metadata.type).toBe('METRIC_TYPE_COUNTER');
  expect(decoded.symbols[counter.metadata.help_ref]).toBe('Help of a quoted family.');
  expect(decoded.symbols[counter.metadata.unit_ref]).toBe('seconds');
});

// Prometheus's OpenMetrics lexer takes a quoted label name in an exemplar (model/textparse/
// openmetricslex.l, state sExemplar), and client_golang writes one for a UTF-8 exemplar label.
test('an OpenMetrics exemplar with a quoted label name', async () => {
  const page = '# TYPE c counter\nc_total 1 # {"trace.id"="abc"} 1 1700000000\n# EOF\n';
  expect(parseReference(page, 'openmetrics').samples[0].exemplar?.labels).toEqual([['trace.id', 'abc']]);
  const core = Core.create();
  await core.scrape([Buffer.from(page)], { format: 'openmetrics', timestampMs: 1 });
  const requests: Uint8Array[] = [];
  core.encode(RW2, {}, (request) => requests.push(request.slice()));
  const decoded = decodeRw2(requests[0]);
  expect(rw2Labels(decoded.symbols, decoded.timeseries[0].exemplars[0].labels_refs)).toEqual({ 'trace.id': 'abc' });
});
