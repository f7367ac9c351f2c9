/**
 * What the fuzz properties (properties.ts) found in the core, each as the shrunk page that showed
 * it, on the release build and on the debug build: what the core does now, and that the
 * reference (the properties' oracle) agrees. Numbers have their own tests in
 * test/core/number.test.ts; the 2.0 symbol table in test/core/rw2-symbols.test.ts.
 */
import { Core, type CoreOptions, type ExpositionFormat } from '../../src/core';
import { debugCore } from './debug-core';
import { expect_, referenceParse } from './oracle';
import { observe, type Observation } from './observe';

const TS = 1_700_000_000_000;

const builds: [string, (options?: CoreOptions) => Core][] = [
  ['release', (options) => Core.create(options)],
  ['debug', (options) => debugCore(options)],
];

function run(core: Core, page: string, format: ExpositionFormat): Observation {
  return observe(core, { chunks: [Buffer.from(page, 'latin1')], format, timestampMs: TS });
}

function errorLine(observation: Observation): number | undefined {
  return observation.error?.line;
}

/** The reference's error line for a page, or undefined when it accepts it. */
function referenceLine(page: string, format: ExpositionFormat): number | undefined {
  return expect_(referenceParse(Buffer.from(page, 'latin1'), format), TS).error?.line;
}

describe.each(builds)('%s build', (_build, create) => {
  test('a value too large for a double is an error (was accepted as +Inf), as Go\'s ParseFloat says', () => {
    const page = 'a 1e309\n';
    expect(run(create(), page, 'text').error).toMatchObject({ code: 'ERR_PARSE', line: 1, column: 3 });
    expect(referenceLine(page, 'text')).toBe(1);
  });

  test('a 19-digit timestamp within int64 is accepted (was refused past 18 digits); 2^63 is not', () => {
    expect(run(create(), 'a 0 9223372036854775807\n', 'text').rw1[0].timestamp).toBe(9223372036854775807);
    const error = run(create(), 'a 0 9223372036854775808\n', 'text').error;
    expect(error).toMatchObject({ code: 'ERR_PARSE', line: 1, column: 5 });
    expect(error?.message).toContain('invalid timestamp');
    expect(referenceLine('a 0 9223372036854775808\n', 'text')).toBe(1);
  });

  test('OpenMetrics: a quantile label outside a summary is a plain label (was "invalid quantile", in scrapes too)', () => {
    const page = '# TYPE g gauge\ng{quantile="x y"} 1\n# TYPE u unknown\nu{le="fast"} 2\n# EOF\n';
    for (const validation of ['strict', 'syntax'] as const) {
      const observed = run(create({ openMetricsValidation: validation }), page, 'openmetrics');
      expect(observed.error).toBeUndefined();
      expect(observed.rw1.map((r) => r.labels)).toEqual([[['__name__', 'g'], ['quantile', 'x y']], [['__name__', 'u'], ['le', 'fast']]]);
    }
    expect(referenceLine(page, 'openmetrics')).toBeUndefined();
    // Where they mean something they are still checked.
    expect(errorLine(run(create(), '# TYPE h histogram\nh_bucket{le="fast"} 1\n# EOF\n', 'openmetrics'))).toBe(2);
    expect(errorLine(run(create(), '# TYPE s summary\ns{quantile="x"} 1\n# EOF\n', 'openmetrics'))).toBe(2);
  });

  test('a bucket\'s bound is its le even when it also has a quantile label', () => {
    const page = '# TYPE h histogram\nh_bucket{le="1",quantile="9"} 1\nh_bucket{le="+Inf",quantile="9"} 2\n# EOF\n';
    expect(run(create(), page, 'openmetrics').error).toBeUndefined();
    expect(referenceLine(page, 'openmetrics')).toBeUndefined();
  });

  test('a series repeated in a scrape keeps the metadata of its first sample, the one sent (was the last line\'s family)', () => {
    const page = 'a_count 0\n# TYPE a summary\na_count 0\n';
    const observed = run(create(), page, 'text');
    expect(observed.rw2).toHaveLength(1);
    expect(observed.rw2[0].metadata.type).toBe('METRIC_TYPE_UNSPECIFIED');
    expect(expect_(referenceParse(Buffer.from(page), 'text'), TS).rw2[0].metadata.type).toBe('METRIC_TYPE_UNSPECIFIED');
  });

  test('text: "# HELP" with only a quoted name is a comment, as with a bare one (was an empty HELP that erased the text)', () => {
    const page = '# HELP "m.x" the help\n{"m.x"} 1\n# HELP "m.x"\n# HELP "m.x"  \n';
    expect(run(create(), page, 'text').rw2[0].metadata.help).toBe('the help');
    expect(expect_(referenceParse(Buffer.from(page), 'text'), TS).rw2[0].metadata.help).toBe('the help');
  });

  test.each([
    ['a bucket value that is not an integer', '# TYPE h histogram\nh_bucket{le="1"} 0.5\nh_bucket{le="+Inf"} 1\n# EOF\n', 2],
    ['an infinite bucket value', '# TYPE h histogram\nh_bucket{le="0.1"} Inf\nh_bucket{le="+Inf"} 0\n# EOF\n', 2],
    ['an infinite _count', '# TYPE h histogram\nh_bucket{le="+Inf"} 0\nh_count Inf\nh_sum 0\n# EOF\n', 3],
  ])('OpenMetrics: %s is refused on its line (bucket values and counts are integers)', (_name, page, line) => {
    expect(errorLine(run(create(), page, 'openmetrics'))).toBe(line);
    expect(referenceLine(page, 'openmetrics')).toBe(line);
  });

  test('OpenMetrics: a missing "# EOF" after a last line without line feed is reported at the end of that line', () => {
    const page = '{"q.n"} 3';
    expect(run(create(), page, 'openmetrics').error).toMatchObject({ line: 1, column: 10 });
    expect(referenceLine(page, 'openmetrics')).toBe(1);
  });

  test('OpenMetrics: a histogram without +Inf is reported at its last line, not the next family\'s', () => {
    const page = '# TYPE h gaugehistogram\nh_bucket{le="0.1"} 0\n# TYPE a gauge\na 1\n# EOF\n';
    expect(errorLine(run(create(), page, 'openmetrics'))).toBe(2);
    expect(referenceLine(page, 'openmetrics')).toBe(2);
  });

  test('a target that fails as many scrapes as evictAfterScrapes still gets its staleness markers at the next good scrape', () => {
    const core = create({ evictAfterScrapes: 2 });
    run(core, 's{a="1"} 0\ns 0\n', 'text');
    for (let i = 0; i < 3; i++) expect(run(core, 'broken\n', 'text').error).toBeDefined();
    const observed = observe(core, { chunks: [], format: 'text', timestampMs: TS + 5000, includeStale: true });
    expect(observed.rw1.map((r) => [r.labels.map(([n, v]) => `${n}=${v}`).join(','), r.value])).toEqual([
      ['__name__=s,a=1', '7ff0000000000002'],
      ['__name__=s', '7ff0000000000002'],
    ]);
    // ...and after that the vanished series leave the core.
    observe(core, { chunks: [], format: 'text', timestampMs: TS + 6000 });
    expect(core.memoryStats().series).toBe(0);
  });

  test('onParseError "skip": text after "# EOF" still fails the scrape when an earlier bad line was skipped (was skipped too)', () => {
    const core = create({ onParseError: 'skip' });
    const observed = run(core, 'x{ 1\n# EOF\nx 1\n', 'openmetrics');
    expect(observed.error).toMatchObject({ code: 'ERR_PARSE', line: 3 });
    expect(observed.error?.message).toContain('text after "# EOF"');
  });

  test('OpenMetrics: an exemplar\'s labels are sent sorted by name (were in written order), and a name twice is refused', () => {
    const page = '# TYPE s counter\ns_total 0 # {x="abc",trace_id="t"} 1\n# EOF\n';
    expect(run(create(), page, 'openmetrics').rw2[0].exemplars[0].labels).toEqual([['trace_id', 't'], ['x', 'abc']]);
    expect(expect_(referenceParse(Buffer.from(page), 'openmetrics'), TS).rw2[0].exemplars[0].labels).toEqual([['trace_id', 't'], ['x', 'abc']]);
    const twice = '# TYPE s counter\ns_total 0 # {x="a",x="b"} 1\n# EOF\n';
    expect(errorLine(run(create(), twice, 'openmetrics'))).toBe(2);
    expect(referenceLine(twice, 'openmetrics')).toBe(2);
  });

  test('OpenMetrics: "# EOF" ends the last family, so its incomplete histogram is found before text after it', () => {
    const page = '# TYPE a gaugehistogram\na_bucket{le="0.1"} 0\n# EOF\na_bucket{le="1"} 0\n# EOF\n';
    expect(errorLine(run(create(), page, 'openmetrics'))).toBe(2);
    expect(referenceLine(page, 'openmetrics')).toBe(2);
  });

  test('OpenMetrics: metadata for a family that already ended is a clash on that line', () => {
    const page = '# HELP s help\na 2\n# TYPE s gauge\ns 1\n# EOF\n';
    expect(errorLine(run(create(), page, 'openmetrics'))).toBe(3);
    expect(referenceLine(page, 'openmetrics')).toBe(3);
  });

  // Found by `npm run fuzz -- --runs 1000000 --seed 20261202` (2026-12-02).
  test('OpenMetrics: a summary\'s _count must be an integer (2.5 and Inf were accepted)', () => {
    for (const count of ['2.5', 'Inf']) {
      const page = `# TYPE h summary\nh{quantile="0.5"} 0\nh_count ${count}\nh_sum 0\n# EOF\n`;
      expect(run(create(), page, 'openmetrics').error).toMatchObject({ code: 'ERR_PARSE', line: 3, message: expect.stringContaining('invalid _count') });
      expect(referenceLine(page, 'openmetrics')).toBe(3);
    }
  });

  test('OpenMetrics: a histogram\'s negative _sum is refused at its line (was found only when the group closed, so a later error came first)', () => {
    const page = '# TYPE c histogram\nc_bucket{le="+Inf"} 2 1\nc_count 2 1\nc_sum -1 1\nc_bucket{le="+Inf"} x\n# EOF\n';
    expect(errorLine(run(create(), page, 'openmetrics'))).toBe(4);
    expect(referenceLine(page, 'openmetrics')).toBe(4);
  });

  test('onParseError "skip": a skipped HELP, TYPE or UNIT line leaves its family\'s metadata as it was (an invalid UTF-8 HELP was sent)', () => {
    const page = Buffer.concat([
      Buffer.from('# HELP m '), Buffer.from([0xe3, 0xbc]), Buffer.from(' x\n# TYPE m gauge\nm 1\n'),
      Buffer.from('# TYPE n_seconds gauge\n# UNIT n_seconds bytes\nn_seconds 1\n# EOF\n'),
    ]);
    const observed = observe(create({ onParseError: 'skip' }), { chunks: [page], format: 'openmetrics', timestampMs: TS });
    expect(observed.error).toBeUndefined();
    expect(observed.summary?.skippedLines).toBe(2);
    expect(observed.families.map((f) => [f.name, f.help, f.unit])).toEqual([['m', '', ''], ['n_seconds', '', '']]);
  });

  // Found by `npm run fuzz -- --runs 1000000 --seed 20261203` (2026-12-02): an oracle finding.
  test('OpenMetrics: a histogram family\'s bare name is an error on its line, before the open point is judged (the reference closed the point first)', () => {
    const page = '# TYPE a histogram\na_bucket{le="0.1"} 0\na 1\na_bucket{le="1"} 0\na_bucket{le="+Inf"} 0\na_count 0\na_sum 0\n# EOF\n';
    expect(run(create(), page, 'openmetrics').error).toMatchObject({ code: 'ERR_PARSE', line: 3, column: 1 });
    expect(referenceLine(page, 'openmetrics')).toBe(3);
    // A name of another family still ends the point, which is judged at its last line.
    const other = '# TYPE a histogram\na_bucket{le="0.1"} 0\na_total 1\n# EOF\n';
    expect(errorLine(run(create(), other, 'openmetrics'))).toBe(2);
    expect(referenceLine(other, 'openmetrics')).toBe(2);
  });

  // Found by the same run (property skip): an oracle finding.
  test('text: an empty le or quantile is no label (h{quantile=""} is h), not a bound that fails to parse (the reference refused it)', () => {
    for (const page of ['# TYPE h summary\nh{quantile=""} 0\n', '# TYPE h histogram\nh_bucket{le=""} 1\n']) {
      expect(run(create(), page, 'text').error).toBeUndefined();
      expect(referenceLine(page, 'text')).toBeUndefined();
    }
    // A value that is not a number is still refused by both.
    expect(errorLine(run(create(), '# TYPE h summary\nh{quantile="x"} 0\n', 'text'))).toBe(2);
    expect(referenceLine('# TYPE h summary\nh{quantile="x"} 0\n', 'text')).toBe(2);
  });

  test('OpenMetrics: a{x=""} and a are one series, so its second point going back in time is refused (the reference took them for two)', () => {
    const page = '# TYPE c unknown\nc{x=""} 0 1700000000.5\nc 0 1700000000\n# EOF\n';
    expect(errorLine(run(create(), page, 'openmetrics'))).toBe(3);
    expect(referenceLine(page, 'openmetrics')).toBe(3);
  });
});

test('the debug build traps on none of them', () => {
  const core = debugCore({ onParseError: 'skip' });
  for (const page of ['a 1e309\n', 'x{ 1\n# EOF\nx 1\n', '# TYPE h histogram\nh_bucket{le="0.1"} Inf\n']) {
    const observed = observe(core, { chunks: [Buffer.from(page)], format: 'openmetrics', timestampMs: TS });
    if (observed.error !== undefined) expect(observed.error.code).toBe('ERR_PARSE');
  }
  expect(core.trapCount).toBe(0);
});
