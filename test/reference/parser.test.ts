/**
 * The reference parser: exact samples and families for small inputs of both formats, exact
 * messages and positions for invalid ones, and every real payload under test/fixtures.
 */

import { readFileSync } from 'node:fs';
import { ScrapewireError } from '../../src/errors';
import type { ExpositionFormat } from '../../src/core/types';
import { parseReference, type RefFamily, type RefSample } from './parser';
import {
  expositionFixtures,
  invalidTextPayloads,
  nonconformingOpenMetricsPayloads,
  openMetricsPayloads,
  textPayloads,
} from '../helpers/fixtures';

interface ValidCase {
  title: string;
  input: string;
  samples: RefSample[];
  families?: RefFamily[];
}

const name = (metric: string): readonly ['__name__', string] => ['__name__', metric];

const validText: ValidCase[] = [
  {
    title: 'a bare sample',
    input: 'a 1\n',
    samples: [{ labels: [name('a')], value: 1 }],
    families: [{ name: 'a', type: 'unknown' }],
  },
  {
    title: 'labels sorted by name, escapes, trailing comma, blanks and tabs, negative timestamp',
    input: 'm { z = "1" ,\ta="x\\\\y\\"q\\nr\\t", } \t-Inf   -3982045 \n',
    samples: [{ labels: [name('m'), ['a', 'x\\y"q\nr\\t'], ['z', '1']], value: -Infinity, timestampMs: -3982045 }],
  },
  {
    title: 'value spellings of Go ParseFloat',
    input: ['v NaN', 'v nan', 'v +Inf', 'v Inf', 'v -inf', 'v +Infinity', 'v 1e3', 'v .5', 'v 08', 'v 1.', 'v -0.25E-2', 'v 9223372036854775808'].join('\n') + '\n',
    samples: [NaN, NaN, Infinity, Infinity, -Infinity, Infinity, 1000, 0.5, 8, 1, -0.0025, 9223372036854775808].map((value) => ({
      labels: [name('v')],
      value,
    })),
  },
  {
    title: 'no blank needed between "}" and the value; empty braces',
    input: 'a{b="c"}2\nd{} 3 0\n',
    samples: [
      { labels: [name('a'), ['b', 'c']], value: 2 },
      { labels: [name('d')], value: 3, timestampMs: 0 },
    ],
  },
  {
    title: 'quoted UTF-8 metric and label names (Prometheus 3)',
    input: '{"my.metric", "label.name"="x"} 1\n"my.metric"{a="b"} 2\n{"my.metric"} 3\nm{"label.name"="x", b="y"} 4\n{"a.b",} 5\n',
    samples: [
      { labels: [name('my.metric'), ['label.name', 'x']], value: 1 },
      { labels: [name('my.metric'), ['a', 'b']], value: 2 },
      { labels: [name('my.metric')], value: 3 },
      { labels: [name('m'), ['b', 'y'], ['label.name', 'x']], value: 4 },
      { labels: [name('a.b')], value: 5 },
    ],
    families: [
      { name: 'my.metric', type: 'unknown' },
      { name: 'm', type: 'unknown' },
      { name: 'a.b', type: 'unknown' },
    ],
  },
  {
    title: 'label names sorted in UTF-8 byte order, not UTF-16 order',
    input: 'm{"😀"="1", "Ａ"="2", b="3", B="4"} 1\n',
    samples: [{ labels: [['B', '4'], name('m'), ['b', '3'], ['Ａ', '2'], ['😀', '1']], value: 1 }],
  },
  {
    title: 'comments, blank lines, indentation; HELP escapes \\\\ and \\n only; untyped is unknown',
    input: [
      '',
      '# A normal comment.',
      '#',
      '   # HELP  a  two-line\\n doc \\"str\\\\ing',
      '\t#\tTYPE a untyped',
      '# HELP',
      '# TYPE b',
      '#HELP c c help',
      '# HELP e ',
      'a 1',
      '',
    ].join('\n'),
    samples: [{ labels: [name('a')], value: 1 }],
    families: [
      { name: 'a', type: 'unknown', help: 'two-line\n doc \\"str\\ing' },
      { name: 'c', type: 'unknown', help: 'c help' },
      { name: 'e', type: 'unknown' },
    ],
  },
  {
    title: 'histogram and summary samples belong to the TYPEd family',
    input: [
      '# HELP h latency',
      '# TYPE h histogram',
      'h_bucket{le="0.5"} 1',
      'h_bucket{le="+Inf"} 2',
      'h_sum 0.75',
      'h_count 2',
      '# TYPE s summary',
      's{quantile="0.9"} NaN',
      's_sum 1',
      's_count 1',
      's_bucket 1',
      '# TYPE c counter',
      'c_total 1',
      '',
    ].join('\n'),
    samples: [
      { labels: [name('h_bucket'), ['le', '0.5']], value: 1 },
      { labels: [name('h_bucket'), ['le', '+Inf']], value: 2 },
      { labels: [name('h_sum')], value: 0.75 },
      { labels: [name('h_count')], value: 2 },
      { labels: [name('s'), ['quantile', '0.9']], value: NaN },
      { labels: [name('s_sum')], value: 1 },
      { labels: [name('s_count')], value: 1 },
      { labels: [name('s_bucket')], value: 1 },
      { labels: [name('c_total')], value: 1 },
    ],
    families: [
      { name: 'h', type: 'histogram', help: 'latency' },
      { name: 's', type: 'summary' },
      { name: 's_bucket', type: 'unknown' },
      { name: 'c', type: 'counter' },
      { name: 'c_total', type: 'unknown' },
    ],
  },
  {
    title: 'unknown escapes in label values stay as written; UTF-8 values',
    input: 'a{b="\\a\\t", c="é ✓ 😀"} 1\n',
    samples: [{ labels: [name('a'), ['b', '\\a\\t'], ['c', 'é ✓ 😀']], value: 1 }],
  },
  { title: 'empty input', input: '', samples: [], families: [] },
  { title: 'only blank lines and comments', input: '\n  \n# x\n', samples: [], families: [] },
];

const validOpenMetrics: ValidCase[] = [
  {
    title: 'counter with created, exemplars and float-second timestamps',
    input: [
      '# TYPE a counter',
      '# HELP a help \\"me\\" \\\\ \\n',
      'a_total{x="1"} 3 1.25 # {id="q",b="2"} 0.5 2',
      'a_created{x="1"} 7 1.25',
      'a_total{} 4 -1.5 # {} 1',
      '# EOF',
      '',
    ].join('\n'),
    samples: [
      {
        labels: [name('a_total'), ['x', '1']],
        value: 3,
        timestampMs: 1250,
        exemplar: { labels: [['b', '2'], ['id', 'q']], value: 0.5, timestampMs: 2000 },
      },
      { labels: [name('a_created'), ['x', '1']], value: 7, timestampMs: 1250 },
      { labels: [name('a_total')], value: 4, timestampMs: -1500, exemplar: { labels: [], value: 1 } },
    ],
    families: [{ name: 'a', type: 'counter', help: 'help "me" \\ \n' }],
  },
  {
    title: 'unit, gauge, no final line feed, empty HELP is no HELP',
    input: '# TYPE a_seconds gauge\n# UNIT a_seconds seconds\n# HELP a_seconds \na_seconds 1.5e-3\n# EOF',
    samples: [{ labels: [name('a_seconds')], value: 0.0015 }],
    families: [{ name: 'a_seconds', type: 'gauge', unit: 'seconds' }],
  },
  {
    title: 'histogram, gaugehistogram, summary, stateset, info and unknown families',
    input: [
      '# TYPE h histogram',
      'h_bucket{le="-1"} 0',
      'h_bucket{le="1e-04"} 1',
      'h_bucket{le="+Inf"} 2',
      '# TYPE g gaugehistogram',
      'g_bucket{le="-1"} 1',
      'g_bucket{le="+Inf"} 2 # {t="x"} 3',
      'g_gcount 2',
      'g_gsum -1',
      '# TYPE s summary',
      's{quantile="0.5"} 1',
      's_count 3',
      '# TYPE st stateset',
      'st{st="on"} 1',
      'st{st="off"} 0',
      '# TYPE i info',
      'i_info{v="1.0"} 1',
      'u 5',
      '# EOF',
      '',
    ].join('\n'),
    samples: [
      { labels: [name('h_bucket'), ['le', '-1']], value: 0 },
      { labels: [name('h_bucket'), ['le', '1e-04']], value: 1 },
      { labels: [name('h_bucket'), ['le', '+Inf']], value: 2 },
      { labels: [name('g_bucket'), ['le', '-1']], value: 1 },
      { labels: [name('g_bucket'), ['le', '+Inf']], value: 2, exemplar: { labels: [['t', 'x']], value: 3 } },
      { labels: [name('g_gcount')], value: 2 },
      { labels: [name('g_gsum')], value: -1 },
      { labels: [name('s'), ['quantile', '0.5']], value: 1 },
      { labels: [name('s_count')], value: 3 },
      { labels: [name('st'), ['st', 'on']], value: 1 },
      { labels: [name('st'), ['st', 'off']], value: 0 },
      { labels: [name('i_info'), ['v', '1.0']], value: 1 },
      { labels: [name('u')], value: 5 },
    ],
    families: [
      { name: 'h', type: 'histogram' },
      { name: 'g', type: 'gaugehistogram' },
      { name: 's', type: 'summary' },
      { name: 'st', type: 'stateset' },
      { name: 'i', type: 'info' },
      { name: 'u', type: 'unknown' },
    ],
  },
  {
    title: 'repeated timestamps are kept as samples; tiny timestamps round to 0 ms',
    input: 'a 1 0\na 2 0\na 3 0.0000000001\n# EOF\n',
    samples: [
      { labels: [name('a')], value: 1, timestampMs: 0 },
      { labels: [name('a')], value: 2, timestampMs: 0 },
      { labels: [name('a')], value: 3, timestampMs: 0 },
    ],
  },
  {
    title: 'hash and braces inside label values; escapes',
    input: 'a{foo="} # b \\"c\\" \\\\ \\n \\z"} 1\n# EOF\n',
    samples: [{ labels: [name('a'), ['foo', '} # b "c" \\ \n \\z']], value: 1 }],
  },
  { title: 'only # EOF', input: '# EOF\n', samples: [], families: [] },
];

function expectParses(input: string, format: ExpositionFormat, testCase: ValidCase): void {
  const parsed = parseReference(input, format);
  expect(parsed.samples).toEqual(testCase.samples);
  if (testCase.families !== undefined) expect(parsed.families).toEqual(testCase.families);
  // A Uint8Array gives the same result as the string.
  expect(parseReference(new TextEncoder().encode(input), format)).toEqual(parsed);
}

describe('valid text 0.0.4', () => {
  test.each(validText.map((c) => [c.title, c] as const))('%s', (_title, testCase) => {
    expectParses(testCase.input, 'text', testCase);
  });
});

describe('valid OpenMetrics', () => {
  test.each(validOpenMetrics.map((c) => [c.title, c] as const))('%s', (_title, testCase) => {
    expectParses(testCase.input, 'openmetrics', testCase);
  });
});

type InvalidCase = [input: string | Uint8Array, line: number, column: number, reason: string];

const invalidText: InvalidCase[] = [
  ['a 1', 1, 4, 'expected line feed at the end of the last line, got end of input'],
  ['a{b="c} 1\n', 1, 10, 'expected closing quote of label value, got end of line'],
  ['a{b=c} 1\n', 1, 5, 'expected label value, got "c"'],
  ['a{b="c"d="e"} 1\n', 1, 8, 'expected "," or "}", got "d"'],
  ['a{b="1",,} 1\n', 1, 9, 'expected label name, got ","'],
  ['a{b="x\\"} 1\n', 1, 12, 'expected closing quote of label value, got end of line'],
  ['a x\n', 1, 3, 'expected float value, got "x"'],
  ['a\n', 1, 2, 'expected value, got end of line'],
  ['a-b 1\n', 1, 2, 'expected blank or "{" after metric name, got "-"'],
  ['a 0x10\n', 1, 3, 'expected float value, got "0x10"'],
  ['a 1_000\n', 1, 3, 'expected float value, got "1_000"'],
  ['a 1e999\n', 1, 3, 'expected float value, got "1e999"'],
  ['a +nan\n', 1, 3, 'expected float value, got "+nan"'],
  ['a 1\r\n', 1, 3, 'expected float value, got "1\\r"'],
  ['a 1 2.5\n', 1, 5, 'expected integer timestamp in milliseconds, got "2.5"'],
  ['a 1 2 3\n', 1, 7, 'expected end of line after timestamp, got "3"'],
  ['a 1\nb 2\n  c{d="e",} 3 x\n', 3, 15, 'expected integer timestamp in milliseconds, got "x"'],
  ['{a="b"} 1\n', 1, 2, 'expected quoted metric name, got "a"'],
  ['{} 1\n', 1, 2, 'expected quoted metric name, got "}"'],
  ['{""} 1\n', 1, 2, 'metric name must not be empty'],
  ['a{"x"} 1\n', 1, 6, 'expected "=", got "}"'],
  ['a{__name__="b"} 1\n', 1, 3, 'duplicate label name "__name__"'],
  ['a{b="1",b="2"} 1\n', 1, 9, 'duplicate label name "b"'],
  ['# TYPE a foo\n', 1, 10, 'expected counter, gauge, histogram, summary or untyped, got "foo"'],
  ['# TYPE a counter\n# TYPE a gauge\n', 2, 8, 'second TYPE line for metric name "a"'],
  ['a 1\n# TYPE a gauge\n', 2, 8, 'TYPE line for metric name "a" after its samples'],
  ['# HELP a x\n# HELP a y\n', 2, 8, 'second HELP line for metric name "a"'],
  ['# TYPE met-ric gauge\n', 1, 11, 'expected blank after metric name, got "-"'],
  ['# TYPE h histogram\nh_bucket{le="x"} 1\n', 2, 13, 'expected float as value for "le" label, got "x"'],
  ['# TYPE s summary\ns{quantile="y"} 1\n', 2, 12, 'expected float as value for "quantile" label, got "y"'],
  // a{b="é<0xff>"} 1 : the bad byte is the 8th.
  [new Uint8Array([0x61, 0x7b, 0x62, 0x3d, 0x22, 0xc3, 0xa9, 0xff, 0x22, 0x7d, 0x20, 0x31, 0x0a]), 1, 8, 'invalid UTF-8 byte 0xff'],
  [new Uint8Array([0x61, 0x20, 0x31, 0x0a, 0x62, 0x20, 0xed, 0xa0, 0x80, 0x0a]), 2, 3, 'invalid UTF-8 sequence starting with byte 0xed'],
];

const invalidOpenMetrics: InvalidCase[] = [
  ['a 1\n', 2, 1, 'expected "# EOF" at the end, got end of input'],
  ['a 1\n# EOF\n\n', 3, 1, 'expected end of input after "# EOF", got end of line'],
  ['a 1\n# EOF\nb 1\n', 3, 1, 'expected end of input after "# EOF", got "b"'],
  ['\n# EOF\n', 1, 1, 'blank lines are not allowed in OpenMetrics'],
  ['# comment\n# EOF\n', 1, 3, 'expected HELP, TYPE, UNIT or EOF after "# ", got "comment"'],
  ['a{b="1",} 1\n# EOF\n', 1, 9, 'expected label name, got "}"'],
  ['a  1\n# EOF\n', 1, 3, 'expected value, got " "'],
  ['a 1 1e3x\n# EOF\n', 1, 5, 'expected real number as timestamp, got "1e3x"'],
  ['# TYPE a untyped\n# EOF\n', 1, 10, 'expected metric type, got "untyped"'],
  ['# TYPE a counter\na_total -1\n# EOF\n', 2, 9, '_total value must not be negative, got "-1"'],
  ['# TYPE a counter\na 1\n# EOF\n', 2, 1, 'metric name suffix does not fit the metric type counter'],
  ['a{b="1"} 1\nc 1\na{b="2"} 1\n# EOF\n', 3, 1, 'metric family "a" clashes with an earlier family over the name "a"'],
  ['# TYPE a gauge\na 1 # {b="c"} 1\n# EOF\n', 2, 5, 'exemplars are allowed only on counter _total and histogram _bucket samples'],
  ['# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_count 3\nh_sum 1\n# EOF\n', 5, 1, 'histogram count differs from its +Inf bucket'],
  ['# TYPE h histogram\nh_bucket{le="1"} 1\n# EOF\n', 2, 1, 'histogram without a +Inf bucket'],
  ['# TYPE h histogram\nh_bucket{le="Inf"} 1\n# EOF\n', 2, 13, 'expected number or "+Inf" as "le" value, got "Inf"'],
  ['# TYPE a_s counter\n# UNIT a_s s\n# UNIT a_s s\n# EOF\n', 3, 1, 'second UNIT line for metric family "a_s"'],
  ['# UNIT a_s ms\n# EOF\n', 1, 12, 'unit "ms" is not a suffix of metric name "a_s"'],
  ['a 1 1\na 1 0.5\n# EOF\n', 2, 5, 'timestamp goes backwards within a metric'],
  ['a 1\na 1 1\n# EOF\n', 2, 5, 'samples of one metric must all have a timestamp or none'],
  ['# TYPE g gauge\ng{b="1"} 1\ng{b="2"} 1\ng{b="1"} 1\n# EOF\n', 4, 1, 'samples of metric "g" with labels [["b","1"]] are interleaved with others'],
];

function expectParseError(input: string | Uint8Array, format: ExpositionFormat, line: number, column: number, reason: string): void {
  let error: unknown;
  try {
    parseReference(input, format);
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(ScrapewireError);
  const parseError = error as ScrapewireError;
  expect({ code: parseError.code, line: parseError.line, column: parseError.column, detail: parseError.detail }).toEqual({
    code: 'ERR_PARSE',
    line,
    column,
    detail: reason,
  });
  expect(parseError.message).toBe(`line ${line}, column ${column}: ${reason}`);
}

const title = (input: string | Uint8Array): string => (typeof input === 'string' ? JSON.stringify(input) : `bytes ${Buffer.from(input).toString('hex')}`);

describe('invalid text 0.0.4', () => {
  test.each(invalidText.map((c) => [title(c[0]), ...c] as const))('%s', (_title, input, line, column, reason) => {
    expectParseError(input, 'text', line, column, reason);
  });
});

describe('invalid OpenMetrics', () => {
  test.each(invalidOpenMetrics.map((c) => [title(c[0]), ...c] as const))('%s', (_title, input, line, column, reason) => {
    expectParseError(input, 'openmetrics', line, column, reason);
  });
});

describe('fixture payloads', () => {
  test('every exposition fixture is classified, and the lists are what we expect', () => {
    const all = expositionFixtures();
    expect(all.length).toBeGreaterThanOrEqual(90);
    expect(invalidTextPayloads()).toHaveLength(20);
    expect(textPayloads().length).toBeGreaterThanOrEqual(45);
    expect(textPayloads().map((f) => f.name)).toEqual(
      expect.arrayContaining([
        'node_exporter/collector/fixtures/e2e-output.txt',
        'nri-kubernetes/internal/testutil/data/1_35/kubelet/metrics/cadvisor',
        'nri-kubernetes/internal/testutil/data/1_35/controlplane/api-server/metrics',
        'cadvisor/lib/metrics/testdata/prometheus_metrics',
        'prometheus-common/expfmt/fuzz/corpus/minimal',
      ]),
    );
    const notPayloads = all.filter((f) => f.kind === 'not-a-payload').map((f) => f.name);
    for (const file of notPayloads) expect(file).toMatch(/\.md$|\.out$|non_matching_file\.txt$/);
  });

  test.each(textPayloads().map((f) => [f.name, f.path] as const))('text payload parses: %s', (_name, path) => {
    const content = readFileSync(path);
    const parsed = parseReference(content, 'text');
    // An independent count: every non-blank line that is not a comment is one sample.
    const lines = content.toString('utf8').split('\n').map((line) => line.trim());
    const sampleLines = lines.filter((line) => line !== '' && !line.startsWith('#'));
    expect(parsed.samples).toHaveLength(sampleLines.length);
    // Every TYPE line shows up as a family of that type.
    for (const line of lines) {
      const typeLine = /^#\s*TYPE\s+(\S+)\s+(\S+)$/.exec(line);
      if (typeLine === null) continue;
      const type = typeLine[2] === 'untyped' ? 'unknown' : typeLine[2];
      expect(parsed.families).toContainEqual(expect.objectContaining({ name: typeLine[1], type }));
    }
    for (const sample of parsed.samples) {
      const names = sample.labels.map(([labelName]) => labelName);
      expect(names).toContain('__name__');
      expect([...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))).toEqual(names);
    }
  });

  test.each(invalidTextPayloads().map((f) => [f.name, f.path] as const))('invalid text payload is rejected: %s', (_name, path) => {
    expect(() => parseReference(readFileSync(path), 'text')).toThrow(ScrapewireError);
  });

  test.each(openMetricsPayloads().map((f) => [f.name, f.path] as const))('OpenMetrics payload parses: %s', (_name, path) => {
    const content = readFileSync(path);
    const parsed = parseReference(content, 'openmetrics');
    const lines = content.toString('utf8').split('\n');
    expect(parsed.samples).toHaveLength(lines.filter((line) => line !== '' && !line.startsWith('#')).length);
  });

  test.each(nonconformingOpenMetricsPayloads().map((f) => [f.name, f.path] as const))(
    'OpenMetrics payload with _sum on negative buckets is rejected: %s',
    (_name, path) => {
      expect(() => parseReference(readFileSync(path), 'openmetrics')).toThrow(
        'line 33, column 37: _sum value must not be negative, got "-8.452185437166741e-05"',
      );
    },
  );
});
