/**
 * The benchmark payload generator: deterministic, on size, valid exposition text, and churn
 * renames the fraction of series it promises. No timing here (that belongs in bench/).
 */
import { createHash } from 'node:crypto';
import { collectPayload, parseSize, PayloadKind, PayloadOptions, unitGeneration } from '../../bench/payload/generate';
import { formatGoFloat } from '../../bench/payload/go-float';

type Label = readonly [string, string];
type Parse = (text: string) => { samples: { labels: Label[] }[] };

/**
 * Series of a page as "name{a="b",...}" keys (labels sorted), from the reference parser, or
 * from parse-prometheus-text-format while the reference parser is not in the tree.
 */
const parseSeries: Parse = (() => {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { parseReference } = require('../reference/parser');
    if (typeof parseReference === 'function') return (text: string) => parseReference(text, 'text');
  } catch {
    // fall through to the npm package
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const parsePrometheusTextFormat = require('parse-prometheus-text-format') as (text: string) => {
    name: string;
    metrics: { labels?: Record<string, string> }[];
  }[];
  return (text: string) => ({
    samples: parsePrometheusTextFormat(text).flatMap((family) =>
      family.metrics.map((metric) => ({
        labels: [['__name__', family.name] as Label, ...Object.entries(metric.labels ?? {})].sort((a, b) => (a[0] < b[0] ? -1 : 1)),
      })),
    ),
  });
})();

function page(options: PayloadOptions): { text: string; bytes: Buffer; chunks: Buffer[]; samples: number } {
  const { chunks, stats } = collectPayload(options);
  const bytes = Buffer.concat(chunks);
  expect(bytes.length).toBe(stats.bytes);
  return { text: bytes.toString('latin1'), bytes, chunks, samples: stats.samples };
}

function seriesKeys(text: string): string[] {
  return parseSeries(text).samples.map((sample) => sample.labels.map(([name, value]) => `${name}=${JSON.stringify(value)}`).join(','));
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const KINDS: PayloadKind[] = ['cadvisor', 'kube-state-metrics', 'application'];
const MB = 1_000_000;

describe.each(KINDS)('%s pages', (kind) => {
  test('the same seed gives the same bytes; another seed or scrape does not', () => {
    const first = sha256(page({ kind, sizeBytes: MB, seed: 7 }).bytes);
    expect(sha256(page({ kind, sizeBytes: MB, seed: 7 }).bytes)).toBe(first);
    expect(sha256(page({ kind, sizeBytes: MB, seed: 8 }).bytes)).not.toBe(first);
    expect(sha256(page({ kind, sizeBytes: MB, seed: 7, scrape: 1 }).bytes)).not.toBe(first);
  });

  test.each([1, 3])('a %d MB page is within 1%% of the size, in whole chunks', (megabytes) => {
    const target = megabytes * MB;
    const { bytes, chunks } = page({ kind, sizeBytes: target, seed: 1, chunkBytes: 65536 });
    expect(Math.abs(bytes.length - target) / target).toBeLessThan(0.01);
    chunks.slice(0, -1).forEach((chunk) => expect(chunk.length).toBe(65536));
    expect(chunks[chunks.length - 1].length).toBeGreaterThan(0);
    expect(chunks[chunks.length - 1].length).toBeLessThanOrEqual(65536);
  });

  test('the page parses: every sample line is a sample, no series twice, ends with a newline', () => {
    const { text, samples } = page({ kind, sizeBytes: MB, seed: 3 });
    const keys = seriesKeys(text);
    expect(keys.length).toBe(samples);
    expect(new Set(keys).size).toBe(keys.length);
    expect(text.endsWith('\n')).toBe(true);
    // Every family is announced once, before its samples.
    const typeLines = text.split('\n').filter((line) => line.startsWith('# TYPE '));
    expect(new Set(typeLines).size).toBe(typeLines.length);
  });

  test('without churn, consecutive scrapes carry the same series with other values', () => {
    const a = page({ kind, sizeBytes: MB, seed: 2, scrape: 4 });
    const b = page({ kind, sizeBytes: MB, seed: 2, scrape: 5 });
    const before = new Set(seriesKeys(a.text));
    const after = seriesKeys(b.text);
    // The last family may run on for a few more or fewer units: allow 1% of difference.
    const renamed = after.filter((key) => !before.has(key)).length;
    expect(renamed / after.length).toBeLessThan(0.01);
    expect(sha256(a.bytes)).not.toBe(sha256(b.bytes));
  });
});

describe('churn', () => {
  test.each([
    ['kube-state-metrics', 5],
    ['kube-state-metrics', 20],
    ['application', 10],
  ] as const)('%s with %d%% churn renames about that share of series between consecutive scrapes', (kind, churnPercent) => {
    const options = { kind, sizeBytes: 2 * MB, seed: 11, churnPercent };
    const before = new Set(seriesKeys(page({ ...options, scrape: 6 }).text));
    const after = seriesKeys(page({ ...options, scrape: 7 }).text);
    const renamed = after.filter((key) => !before.has(key)).length / after.length;
    expect(renamed).toBeGreaterThan((churnPercent / 100) * 0.7);
    expect(renamed).toBeLessThan((churnPercent / 100) * 1.3 + 0.01);
  });

  test('the share of units moving to a new generation is the churn rate, whatever the seed', () => {
    for (const seed of [1, 2, 3]) {
      let moved = 0;
      const units = 10_000;
      for (let index = 0; index < units; index++) {
        if (unitGeneration(seed, 'cadvisor', index, 9, 5) !== unitGeneration(seed, 'cadvisor', index, 8, 5)) moved++;
      }
      expect(Math.abs(moved / units - 0.05)).toBeLessThan(0.002);
    }
  });
});

describe('number formatting like Go strconv.FormatFloat(v, "g", -1, 64)', () => {
  test.each([
    [0, '0'],
    [1, '1'],
    [100000, '100000'],
    [1234567, '1.234567e+06'],
    [1e6, '1e+06'],
    [23539712, '2.3539712e+07'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [-2.5e-7, '-2.5e-07'],
    [12345.678901234567, '12345.678901234567'],
    [9.223372036854776e18, '9.223372036854776e+18'],
    [1e100, '1e+100'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
    [NaN, 'NaN'],
  ])('%p -> %s', (value, expected) => {
    expect(formatGoFloat(value)).toBe(expected);
  });
});

describe('sizes', () => {
  test.each([
    ['100MB', 100_000_000],
    ['64MiB', 64 * 1024 * 1024],
    ['512KB', 512_000],
    ['1.5GB', 1_500_000_000],
    ['1e6', 1_000_000],
  ])('%s is %d bytes', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  test('a size it cannot read is a usage error', () => {
    expect(() => parseSize('lots')).toThrow(expect.objectContaining({ code: 'ERR_USAGE' }));
  });
});
