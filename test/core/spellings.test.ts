/**
 * Series identity under many spellings: random label sets, each written in random ways (label
 * order, blanks, empty labels added, names quoted or not, the escapes a value can be written
 * with), across scrapes and both formats. One label set must be one series, whatever its
 * spellings, and distinct label sets must stay distinct (the canonical key text is injective).
 */
import { Core } from '../../src/core';
import { rowsFromRw1 } from '../helpers/core-harness';
import { RW1 } from '../../src/remote-write-protocol';

/** A small deterministic PRNG (mulberry32), so a failure replays. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type LabelSet = { name: string; labels: Array<[string, string]> };

// Values with the characters that need escaping, and prefixes of one another.
const VALUES = ['a', 'ab', 'a"b', 'a\\b', 'a\nb', 'a\\"', '\\', '"', 'x y', 'é', 'a,b', 'a=b', '}', '{'];
const NAMES = ['a', 'b', 'c', 'l', 'A', 'z_1'];
const QUOTED_NAMES = ['la.bel', 'é'];
const METRICS = ['m', 'm_total', 'my.metric'];

function randomSet(next: () => number): LabelSet {
  const pick = <T>(xs: T[]): T => xs[Math.floor(next() * xs.length)];
  const names = new Set<string>();
  const count = Math.floor(next() * 4);
  for (let i = 0; i < count; i++) names.add(next() < 0.2 ? pick(QUOTED_NAMES) : pick(NAMES));
  return { name: pick(METRICS), labels: [...names].map((n) => [n, pick(VALUES)] as [string, string]) };
}

const legacyLabel = (n: string): boolean => /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(n);
const legacyMetric = (n: string): boolean => /^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(n);

/** One random spelling of a label set, valid in `format`. */
function spell(set: LabelSet, next: () => number, format: 'text' | 'openmetrics'): string {
  const blank = (): string => (format === 'text' && next() < 0.2 ? ' ' : '');
  const quote = (s: string): string => {
    let out = '';
    for (const c of s) out += c === '\\' ? '\\\\' : c === '"' ? '\\"' : c === '\n' ? '\\n' : c;
    return `"${out}"`;
  };
  const parts = set.labels.map(([n, v]) => `${legacyLabel(n) && next() < 0.8 ? n : quote(n)}${blank()}=${blank()}${quote(v)}`);
  // Empty values are no label at all: adding some must not make another series.
  if (next() < 0.3) parts.push(`${'e'.repeat(1 + Math.floor(next() * 2))}=""`);
  for (let i = parts.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [parts[i], parts[j]] = [parts[j], parts[i]];
  }
  if (!legacyMetric(set.name) || next() < 0.1) {
    parts.splice(Math.floor(next() * (parts.length + 1)), 0, quote(set.name));
    return `{${parts.join(',' + blank())}}`;
  }
  if (parts.length === 0 && next() < 0.5) return set.name;
  return `${set.name}${blank()}{${parts.join(',' + blank())}}`;
}

const identity = (name: string, labels: Array<[string, string]>): string =>
  JSON.stringify([['__name__', name], ...labels.filter(([, v]) => v !== '')].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)));

test.each([1, 2, 3, 4, 5, 6, 7, 8])('one label set is one series, whatever its spellings (seed %i)', async (seed) => {
  const next = rng(seed);
  const sets = new Map<string, LabelSet>();
  while (sets.size < 60) {
    const set = randomSet(next);
    sets.set(identity(set.name, set.labels), set);
  }
  const core = Core.create({ openMetricsValidation: 'syntax' });
  let created = 0;
  for (let scrape = 0; scrape < 6; scrape++) {
    const format = scrape % 3 === 2 ? 'openmetrics' : 'text';
    // Every set once per scrape, each in a fresh spelling; samples carry the set's index.
    const lines = [...sets.values()].map((set, i) => `${spell(set, next, format)} ${i}`);
    const body = lines.join('\n') + '\n' + (format === 'openmetrics' ? '# EOF\n' : '');
    const summary = await core.scrape([Buffer.from(body)], { format, timestampMs: 1000 + scrape });
    created += summary.newSeries;
    expect(summary.samples).toBe(sets.size);
    const requests: Uint8Array[] = [];
    core.encode(RW1, { includeStale: false }, (r) => requests.push(r.slice()));
    const got = rowsFromRw1(requests).map((row) => `${identity(row.labels.find(([n]) => n === '__name__')![1], row.labels.filter(([n]) => n !== '__name__') as Array<[string, string]>)} ${row.value}`);
    const want = [...sets.entries()].map(([id], i) => `${id} ${i}`);
    expect(got.sort()).toEqual(want.sort());
  }
  expect(created).toBe(sets.size);
});
