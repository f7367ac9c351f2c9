import { createHash } from 'node:crypto';
import { ScrapewireError } from '../../src/errors';
import type { Label } from '../../src/labels';
import { compileRelabelConfigs, type RelabelConfig } from '../../src/relabel';
import { RelabelRuleError } from '../../src/relabel/compile';

/** Builds a label set sorted by name (inputs here are ASCII, so code-unit order is byte order). */
function labels(map: Record<string, string>): Label[] {
  return Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * hashmod computed the way Prometheus documents it (md5 of the joined values, last 8 bytes as a
 * big-endian uint64, modulo), written independently of the implementation: from the hex digest.
 */
function expectedHashMod(value: string, modulus: number): string {
  const hex = createHash('md5').update(Buffer.from(value, 'utf8')).digest('hex');
  return (BigInt(`0x${hex.slice(16)}`) % BigInt(modulus)).toString();
}

interface Case {
  name: string;
  rules: RelabelConfig[];
  input: Record<string, string>;
  /** null: dropped. */
  output: Record<string, string> | null;
}

const cases: Case[] = [
  // replace
  {
    name: 'replace: group expansion with ${1}',
    rules: [{ source_labels: ['a'], regex: 'f(.*)', target_label: 'd', replacement: 'ch${1}-ch${1}' }],
    input: { a: 'foo', b: 'bar' },
    output: { a: 'foo', b: 'bar', d: 'choo-choo' },
  },
  {
    name: 'replace: several sources joined by the separator, rules applied in order',
    rules: [
      { source_labels: ['a', 'b'], regex: 'f(.*);(.*)r', target_label: 'a', replacement: 'b${1}${2}m' },
      { source_labels: ['c', 'a'], regex: '(b).*b(.*)ba(.*)', target_label: 'd', replacement: '$1$2$2$3' },
    ],
    input: { a: 'foo', b: 'bar', c: 'baz' },
    output: { a: 'boobam', b: 'bar', c: 'baz', d: 'boooom' },
  },
  {
    name: 'replace: custom separator',
    rules: [{ source_labels: ['namespace', 'pod'], separator: '/', target_label: 'workload' }],
    input: { namespace: 'kube-system', pod: 'coredns-1' },
    output: { namespace: 'kube-system', pod: 'coredns-1', workload: 'kube-system/coredns-1' },
  },
  {
    name: 'replace: defaults copy the source value (regex (.*), replacement $1)',
    rules: [{ source_labels: ['a'], target_label: 'b' }],
    input: { a: 'x' },
    output: { a: 'x', b: 'x' },
  },
  {
    name: 'replace: non-matching regex changes nothing',
    rules: [{ source_labels: ['a'], regex: 'f', target_label: 'b', replacement: 'bar' }],
    input: { a: 'boo' },
    output: { a: 'boo' },
  },
  {
    name: 'replace: regex is anchored at both ends',
    rules: [{ source_labels: ['a'], regex: 'oo', target_label: 'b', replacement: 'hit' }],
    input: { a: 'foo' },
    output: { a: 'foo' },
  },
  {
    name: 'replace: missing source label reads as empty',
    rules: [{ source_labels: ['missing', 'a'], regex: ';(.*)', target_label: 'b', replacement: 'got-$1' }],
    input: { a: 'x' },
    output: { a: 'x', b: 'got-x' },
  },
  {
    name: 'replace: static value with no source labels',
    rules: [{ target_label: 'cluster', replacement: 'dev-0' }],
    input: { a: 'x' },
    output: { a: 'x', cluster: 'dev-0' },
  },
  {
    name: 'replace: replacement expanding to empty removes the target label',
    rules: [{ source_labels: ['a'], regex: '(f).*', target_label: '$1', replacement: '$2' }],
    input: { a: 'foo', f: 'baz' },
    output: { a: 'foo' },
  },
  {
    name: 'replace: empty source through the default regex removes the target',
    rules: [{ source_labels: ['missing'], target_label: 'a' }],
    input: { a: 'x', b: 'y' },
    output: { b: 'y' },
  },
  {
    name: 'replace: $1x names a group "1x" (absent: empty), ${1}x is group 1 then x',
    rules: [
      { source_labels: ['a'], regex: '(f)(o+)', target_label: 'plain', replacement: '[$1x]' },
      { source_labels: ['a'], regex: '(f)(o+)', target_label: 'braced', replacement: '[${1}x]' },
      { source_labels: ['a'], regex: '(f)(o+)', target_label: 'underscore', replacement: '$1_$2' },
      { source_labels: ['a'], regex: '(f)(o+)', target_label: 'dollar', replacement: '$$1 $ ${ $} ${2' },
    ],
    input: { a: 'foo' },
    output: { a: 'foo', plain: '[]', braced: '[fx]', underscore: 'oo', dollar: '$1 $ ${ $} ${2' },
  },
  {
    name: 'replace: group references beyond the regex expand to nothing; $0 is the whole match',
    rules: [{ source_labels: ['a'], regex: 'f(o)o', target_label: 'b', replacement: '<$0|$1|$2|${9}|$01>' }],
    input: { a: 'foo' },
    output: { a: 'foo', b: '<foo|o|||>' },
  },
  {
    name: 'replace: named groups, (?P<name>) and (?<name>), as $name and ${name}',
    rules: [
      { source_labels: ['a'], regex: '(?P<host>[^:]+):(?<port>\\d+)', target_label: 'b', replacement: '$host/${port}' },
      { source_labels: ['a'], regex: '(?P<host>[^:]+):(?<port>\\d+)', target_label: 'c', replacement: '$2' },
    ],
    input: { a: '10.0.0.1:9100' },
    output: { a: '10.0.0.1:9100', b: '10.0.0.1/9100', c: '9100' },
  },
  {
    name: 'replace: a group that did not participate expands to empty',
    rules: [{ source_labels: ['a'], regex: '(x)?(foo)', target_label: 'b', replacement: '[$1][$2]' }],
    input: { a: 'foo' },
    output: { a: 'foo', b: '[][foo]' },
  },
  {
    name: 'replace: target_label with references',
    rules: [{ source_labels: ['a'], regex: 'some-([^-]+)-([^,]+)', target_label: '${1}', replacement: '${2}' }],
    input: { a: 'some-name-value' },
    output: { a: 'some-name-value', name: 'value' },
  },
  {
    name: 'replace: target_label expanding to empty is invalid, nothing is set',
    rules: [{ source_labels: ['a'], regex: 'some-([^-]+)-([^,]+)', target_label: '${3}', replacement: '${1}' }],
    input: { a: 'some-name-0' },
    output: { a: 'some-name-0' },
  },
  {
    name: 'replace: (?i) at the start makes the regex case-insensitive',
    rules: [{ source_labels: ['a'], regex: '(?i)GET|post', target_label: 'b', replacement: 'http' }],
    input: { a: 'Post' },
    output: { a: 'Post', b: 'http' },
  },
  {
    name: 'replace: without (?i) case matters',
    rules: [{ source_labels: ['a'], regex: 'GET|post', target_label: 'b', replacement: 'http' }],
    input: { a: 'Post' },
    output: { a: 'Post' },
  },
  {
    name: 'replace: . matches a newline, as in Prometheus',
    rules: [{ source_labels: ['a'], regex: 'line1.*line2', target_label: 'd', replacement: 'match${1}' }],
    input: { a: 'line1\nline2' },
    output: { a: 'line1\nline2', d: 'match' },
  },
  {
    name: 'replace: UTF-8 target label allowed',
    rules: [{ source_labels: ['a'], target_label: 'utf-8.label' }],
    input: { a: 'x' },
    output: { a: 'x', 'utf-8.label': 'x' },
  },
  {
    name: 'replace: overwrite an existing label',
    rules: [{ source_labels: ['__address__'], regex: '(.+):(\\d+)', target_label: 'instance', replacement: '$1' }],
    input: { __address__: 'node-1:10250', instance: 'old' },
    output: { __address__: 'node-1:10250', instance: 'node-1' },
  },
  // keep / drop
  {
    name: 'keep: matching value kept',
    rules: [{ source_labels: ['a'], regex: 'f.*', action: 'keep' }],
    input: { a: 'foo' },
    output: { a: 'foo' },
  },
  {
    name: 'keep: non-matching value dropped',
    rules: [{ source_labels: ['a'], regex: 'no-match', action: 'keep' }],
    input: { a: 'foo' },
    output: null,
  },
  {
    name: 'keep: missing source is the empty string (kept by a regex matching empty)',
    rules: [{ source_labels: ['missing'], regex: '|x', action: 'keep' }],
    input: { a: 'foo' },
    output: { a: 'foo' },
  },
  {
    name: 'keep: anchored, a substring match is not enough',
    rules: [{ source_labels: ['__name__'], regex: 'container_cpu', action: 'keep' }],
    input: { __name__: 'container_cpu_usage_seconds_total' },
    output: null,
  },
  {
    name: 'drop: matching value dropped, later rules do not run',
    rules: [
      { source_labels: ['a'], regex: '.*o.*', action: 'drop' },
      { source_labels: ['a'], regex: 'f(.*)', target_label: 'd', replacement: 'ch$1' },
    ],
    input: { a: 'foo' },
    output: null,
  },
  {
    name: 'drop: partial match does not drop',
    rules: [{ source_labels: ['a'], regex: 'f|o', action: 'drop' }],
    input: { a: 'foo' },
    output: { a: 'foo' },
  },
  {
    name: 'drop: empty regex drops series whose source is missing',
    rules: [{ source_labels: ['container'], regex: '', action: 'drop' }],
    input: { __name__: 'container_last_seen' },
    output: null,
  },
  {
    name: 'drop: case-insensitive',
    rules: [{ source_labels: ['a'], regex: '(?i)debug', action: 'drop' }],
    input: { a: 'DEBUG' },
    output: null,
  },
  // keepequal / dropequal
  {
    name: 'keepequal: equal values kept',
    rules: [{ source_labels: ['__tmp_port'], target_label: '__port1', action: 'keepequal' }],
    input: { __tmp_port: '1234', __port1: '1234', __port2: '5678' },
    output: { __tmp_port: '1234', __port1: '1234', __port2: '5678' },
  },
  {
    name: 'keepequal: different values dropped',
    rules: [{ source_labels: ['__tmp_port'], target_label: '__port2', action: 'keepequal' }],
    input: { __tmp_port: '1234', __port1: '1234', __port2: '5678' },
    output: null,
  },
  {
    name: 'keepequal: both missing compare as empty and are equal',
    rules: [{ source_labels: ['x'], target_label: 'y', action: 'KeepEqual' as RelabelConfig['action'] }],
    input: { a: '1' },
    output: { a: '1' },
  },
  {
    name: 'dropequal: equal values dropped',
    rules: [{ source_labels: ['__tmp_port'], target_label: '__port1', action: 'dropequal' }],
    input: { __tmp_port: '1234', __port1: '1234' },
    output: null,
  },
  {
    name: 'dropequal: different values kept',
    rules: [{ source_labels: ['__tmp_port'], target_label: '__port2', action: 'dropequal' }],
    input: { __tmp_port: '1234', __port2: '5678' },
    output: { __tmp_port: '1234', __port2: '5678' },
  },
  {
    name: 'dropequal: joined sources compared with the separator',
    rules: [{ source_labels: ['a', 'b'], target_label: 'c', action: 'dropequal' }],
    input: { a: 'x', b: 'y', c: 'x;y' },
    output: null,
  },
  // hashmod: values from Prometheus's own test table, then derived ones
  {
    name: 'hashmod: Prometheus test value for "baz" % 1000',
    rules: [{ source_labels: ['c'], target_label: 'd', modulus: 1000, action: 'hashmod' }],
    input: { a: 'foo', c: 'baz' },
    output: { a: 'foo', c: 'baz', d: '976' },
  },
  {
    name: 'hashmod: Prometheus test value for "foo\\nbar" % 1000',
    rules: [{ source_labels: ['a'], target_label: 'b', modulus: 1000, action: 'hashmod' }],
    input: { a: 'foo\nbar' },
    output: { a: 'foo\nbar', b: '734' },
  },
  {
    name: 'hashmod: joined sources, modulus 3',
    rules: [{ source_labels: ['__address__', 'job'], target_label: '__tmp_hash', modulus: 3, action: 'hashmod' }],
    input: { __address__: '10.132.183.40:80', job: 'pods' },
    output: { __address__: '10.132.183.40:80', job: 'pods', __tmp_hash: expectedHashMod('10.132.183.40:80;pods', 3) },
  },
  {
    name: 'hashmod: modulus above 2^32 (needs 64-bit arithmetic)',
    rules: [{ source_labels: ['a'], target_label: 'h', modulus: 2 ** 53 - 1, action: 'hashmod' }],
    input: { a: 'shard-me' },
    output: { a: 'shard-me', h: expectedHashMod('shard-me', 2 ** 53 - 1) },
  },
  {
    name: 'hashmod: non-ASCII input is hashed as UTF-8',
    rules: [{ source_labels: ['a'], target_label: 'h', modulus: 97, action: 'hashmod' }],
    input: { a: 'Grüße 🌍' },
    output: { a: 'Grüße 🌍', h: expectedHashMod('Grüße 🌍', 97) },
  },
  {
    name: 'hashmod: missing source hashes the empty string',
    rules: [{ source_labels: ['missing'], target_label: 'h', modulus: 1000, action: 'hashmod' }],
    input: { a: 'x' },
    output: { a: 'x', h: expectedHashMod('', 1000) },
  },
  // labelmap
  {
    name: 'labelmap: copies matching labels to the expanded name',
    rules: [{ regex: '(b.*)', replacement: 'bar_${1}', action: 'labelmap' }],
    input: { a: 'foo', b1: 'bar', b2: 'baz' },
    output: { a: 'foo', b1: 'bar', b2: 'baz', bar_b1: 'bar', bar_b2: 'baz' },
  },
  {
    name: 'labelmap: default replacement $1',
    rules: [{ regex: '__meta_(my.*)', action: 'labelmap' }],
    input: { a: 'foo', __meta_my_bar: 'aaa', __meta_my_baz: 'bbb', __meta_other: 'ccc' },
    output: { a: 'foo', __meta_my_bar: 'aaa', __meta_my_baz: 'bbb', __meta_other: 'ccc', my_bar: 'aaa', my_baz: 'bbb' },
  },
  {
    name: 'labelmap: overwrites an existing label; sees the labels as before the rule',
    rules: [{ regex: 'container_label_(.+)', action: 'labelmap' }],
    input: { container_label_app: 'web', app: 'old', container_label_container_label_x: 'nested' },
    output: { container_label_app: 'web', app: 'web', container_label_container_label_x: 'nested', container_label_x: 'nested' },
  },
  {
    name: 'labelmap: named group in the replacement',
    rules: [{ regex: '__meta_kubernetes_pod_label_(?P<key>.+)', replacement: 'pod_$key', action: 'labelmap' }],
    input: { __meta_kubernetes_pod_label_app: 'api' },
    output: { __meta_kubernetes_pod_label_app: 'api', pod_app: 'api' },
  },
  {
    name: 'labelmap: no match changes nothing',
    rules: [{ regex: 'nothing_(.+)', action: 'labelmap' }],
    input: { a: 'x' },
    output: { a: 'x' },
  },
  // labeldrop / labelkeep
  {
    name: 'labeldrop: removes labels whose name matches',
    rules: [{ regex: '(b.*)', action: 'labeldrop' }],
    input: { a: 'foo', b1: 'bar', b2: 'baz' },
    output: { a: 'foo' },
  },
  {
    name: 'labeldrop: anchored on the whole name',
    rules: [{ regex: 'id', action: 'labeldrop' }],
    input: { id: '/kubepods', pod_id: 'x' },
    output: { pod_id: 'x' },
  },
  {
    name: 'labeldrop: can remove __name__',
    rules: [{ regex: '__name__|instance', action: 'labeldrop' }],
    input: { __name__: 'up', instance: 'a', job: 'j' },
    output: { job: 'j' },
  },
  {
    name: 'labelkeep: keeps only labels whose name matches',
    rules: [{ regex: '(b.*)', action: 'labelkeep' }],
    input: { a: 'foo', b1: 'bar', b2: 'baz' },
    output: { b1: 'bar', b2: 'baz' },
  },
  {
    name: 'labelkeep: nothing matches leaves an empty set (not a drop)',
    rules: [{ regex: 'zzz', action: 'labelkeep' }],
    input: { a: 'foo' },
    output: {},
  },
  // lowercase / uppercase
  {
    name: 'lowercase and uppercase of one source',
    rules: [
      { source_labels: ['foo'], target_label: 'foo_uppercase', action: 'uppercase' },
      { source_labels: ['foo'], target_label: 'foo_lowercase', action: 'lowercase' },
    ],
    input: { foo: 'bAr123Foo' },
    output: { foo: 'bAr123Foo', foo_lowercase: 'bar123foo', foo_uppercase: 'BAR123FOO' },
  },
  {
    name: 'lowercase: applies to the joined sources, separator included',
    rules: [{ source_labels: ['a', 'b'], separator: '-X-', target_label: 'c', action: 'lowercase' }],
    input: { a: 'ABC', b: 'Def' },
    output: { a: 'ABC', b: 'Def', c: 'abc-x-def' },
  },
  {
    name: 'lowercase: missing sources give an empty value, which removes the target',
    rules: [{ source_labels: ['missing'], target_label: 'a', action: 'lowercase' }],
    input: { a: 'X', b: 'y' },
    output: { b: 'y' },
  },
  {
    name: 'lowercase/uppercase: code point by code point like Go (final sigma, ß)',
    rules: [
      { source_labels: ['a'], target_label: 'lower', action: 'lowercase' },
      { source_labels: ['b'], target_label: 'upper', action: 'uppercase' },
    ],
    input: { a: 'ΟΔΟΣ', b: 'straße' },
    output: { a: 'ΟΔΟΣ', b: 'straße', lower: 'οδοσ', upper: 'STRAßE' },
  },
  // RE2 syntax translated to JS
  {
    name: 'regex: RE2 \\s does not match \\v; \\Q...\\E quotes; POSIX classes',
    rules: [
      { source_labels: ['v'], regex: 'a\\sb', target_label: 'space_v', replacement: 'yes' },
      { source_labels: ['t'], regex: 'a\\sb', target_label: 'space_t', replacement: 'yes' },
      { source_labels: ['q'], regex: '\\Q1.5*\\E', target_label: 'quoted', replacement: 'yes' },
      { source_labels: ['p'], regex: '[[:alpha:]]+[[:^alpha:]]', target_label: 'posix', replacement: 'yes' },
    ],
    input: { v: 'a\vb', t: 'a\tb', q: '1.5*', p: 'abc1' },
    output: { v: 'a\vb', t: 'a\tb', q: '1.5*', p: 'abc1', space_t: 'yes', quoted: 'yes', posix: 'yes' },
  },
  {
    name: 'regex: literal braces, (?-s) dot, \\x{...}, \\pL, octal',
    rules: [
      { source_labels: ['a'], regex: 'x{,2}', target_label: 'brace', replacement: 'yes' },
      { source_labels: ['b'], regex: '(?-s)a.b', target_label: 'dot', replacement: 'yes' },
      { source_labels: ['c'], regex: '\\x{1F30D}\\pL+\\101', target_label: 'unicode', replacement: 'yes' },
    ],
    input: { a: 'x{,2}', b: 'a\nb', c: '🌍éA' },
    output: { a: 'x{,2}', b: 'a\nb', c: '🌍éA', brace: 'yes', unicode: 'yes' },
  },
  {
    name: 'regex: (?U) makes quantifiers lazy',
    rules: [{ source_labels: ['a'], regex: '(?U)(a+)(a*)', target_label: 'b', replacement: '$1|$2' }],
    input: { a: 'aaa' },
    output: { a: 'aaa', b: 'a|aa' },
  },
  {
    name: 'regex: (?m) makes ^ and $ match at newlines inside the value',
    rules: [{ source_labels: ['a'], regex: '(?m)x$\\n^y', target_label: 'b', replacement: 'yes' }],
    input: { a: 'x\ny' },
    output: { a: 'x\ny', b: 'yes' },
  },
];

describe('Relabeler.process', () => {
  test.each(cases)('$name', ({ rules, input, output }) => {
    const relabeler = compileRelabelConfigs(rules);
    const result = relabeler.process(labels(input));
    expect(result).toEqual(output === null ? null : labels(output));
  });

  test('every action has at least two cases in the table', () => {
    const seen = new Map<string, number>();
    for (const c of cases) {
      for (const action of new Set(c.rules.map((r) => (r.action ?? 'replace').toLowerCase()))) {
        seen.set(action, (seen.get(action) ?? 0) + 1);
      }
    }
    for (const action of ['replace', 'keep', 'drop', 'keepequal', 'dropequal', 'hashmod', 'labelmap', 'labeldrop', 'labelkeep', 'lowercase', 'uppercase']) {
      expect([action, (seen.get(action) ?? 0) >= 2]).toEqual([action, true]);
    }
  });

  test('no rules: isEmpty, and the input array comes back as is', () => {
    const relabeler = compileRelabelConfigs([]);
    const input = labels({ __name__: 'up', job: 'x' });
    expect(relabeler.isEmpty).toBe(true);
    expect(relabeler.process(input)).toBe(input);
  });

  test('rules that change nothing return the input array itself; a change returns a new array', () => {
    const relabeler = compileRelabelConfigs([
      { source_labels: ['__name__'], regex: 'go_.*', action: 'drop' },
      // Copies job onto itself: a no-op, also when job is missing (empty deletes nothing).
      { source_labels: ['job'], target_label: 'job' },
      { source_labels: ['env'], regex: 'stage', target_label: 'env', replacement: 'staging' },
    ]);
    expect(relabeler.isEmpty).toBe(false);
    for (const unchanged of [labels({ __name__: 'up', job: 'x' }), labels({ __name__: 'up', env: 'prod' })]) {
      expect(relabeler.process(unchanged)).toBe(unchanged);
    }
    const input = labels({ __name__: 'up', env: 'stage' });
    const copy = input.map((l) => [...l]);
    const result = relabeler.process(input);
    expect(result).not.toBe(input);
    expect(result).toEqual(labels({ __name__: 'up', env: 'staging' }));
    expect(input).toEqual(copy); // input untouched
  });

  test('the relabeler is reusable: state does not leak between series', () => {
    const relabeler = compileRelabelConfigs([
      { regex: 'tmp_.*', action: 'labeldrop' },
      { source_labels: ['a'], target_label: 'b', replacement: 'from-$1' },
    ]);
    expect(relabeler.process(labels({ a: '1', tmp_x: 'y' }))).toEqual(labels({ a: '1', b: 'from-1' }));
    // A missing source is '', which the default regex (.*) matches: b is still set.
    expect(relabeler.process(labels({ c: '2' }))).toEqual(labels({ b: 'from-', c: '2' }));
    expect(relabeler.process(labels({ a: '3', b: 'z' }))).toEqual(labels({ a: '3', b: 'from-3' }));
  });

  test('inserted labels keep byte order, including names beyond the BMP', () => {
    // In UTF-16 '\u{1F600}' (surrogates 0xD83D...) sorts before '\uFFFD'; in UTF-8 it sorts after.
    const relabeler = compileRelabelConfigs([
      { target_label: '\u{1F600}', replacement: 'emoji' },
      { target_label: '\uFFFD', replacement: 'replacement-char' },
      { target_label: 'm', replacement: 'ascii' },
    ]);
    const result = relabeler.process(labels({ a: '1', z: '2' }));
    expect(result?.map(([name]) => name)).toEqual(['a', 'm', 'z', '\uFFFD', '\u{1F600}']);
  });

  test('an empty-valued input label is not carried into a rewritten result', () => {
    const relabeler = compileRelabelConfigs([{ target_label: 'b', replacement: 'x' }]);
    expect(relabeler.process([['a', ''], ['c', 'y']])).toEqual([['b', 'x'], ['c', 'y']]);
  });

  test('hashmod agrees with the documented algorithm over many values', () => {
    const relabeler = compileRelabelConfigs([{ source_labels: ['a'], target_label: 'h', modulus: 7919, action: 'hashmod' }]);
    for (let i = 0; i < 200; i++) {
      const value = `10.0.${i}.${(i * 37) % 256}:9100`;
      expect(relabeler.process([['a', value]])).toEqual([['a', value], ['h', expectedHashMod(value, 7919)]]);
    }
  });

  test('remembered regex results never change an answer: many distinct values, repeats, long values', () => {
    // More distinct inputs than a rule remembers (4,096), each seen twice, some longer than the
    // longest remembered input (1,024 characters): every answer must be the uncached one.
    const relabeler = compileRelabelConfigs([
      { source_labels: ['v'], regex: '(.*)-(even|odd)', target_label: 'parity', replacement: '$2' },
      { source_labels: ['v'], regex: '.*-7-.*', action: 'drop' },
      { regex: 'l_(.+)', action: 'labelmap' },
      { regex: 'l_.*', action: 'labeldrop' },
      { source_labels: ['v'], regex: 'x.*', target_label: 'starts_x', replacement: 'yes' },
    ]);
    for (const pass of [0, 1]) {
      for (let i = 0; i < 5000; i++) {
        const pad = i % 1000 === 0 ? 'p'.repeat(2000) : '';
        const v = `${pad}${i % 3 === 0 ? 'x' : 'y'}-${i % 10}-${i}-${i % 2 === 0 ? 'even' : 'odd'}`;
        const result = relabeler.process(labels({ v, [`l_${i % 5000}`]: 'w' }));
        const expected = i % 10 === 7 ? null : labels({
          v,
          parity: i % 2 === 0 ? 'even' : 'odd',
          [`${i % 5000}`]: 'w',
          ...(i % 3 === 0 && pad === '' ? { starts_x: 'yes' } : {}),
        });
        if (JSON.stringify(result) !== JSON.stringify(expected)) {
          throw new Error(`pass ${pass}, series ${i}: ${JSON.stringify(result)} != ${JSON.stringify(expected)}`);
        }
      }
    }
  });

  test('legacy name validation: target expanded to an invalid legacy name is skipped', () => {
    const rules: RelabelConfig[] = [{ source_labels: ['a'], regex: '(.*)', target_label: 'x_${1}', replacement: 'v' }];
    const legacy = compileRelabelConfigs(rules, 'relabel_configs', { nameValidation: 'legacy' });
    const utf8 = compileRelabelConfigs(rules);
    expect(legacy.process([['a', 'ok']])).toEqual([['a', 'ok'], ['x_ok', 'v']]);
    expect(legacy.process([['a', 'not-ok']])).toEqual([['a', 'not-ok']]);
    expect(utf8.process([['a', 'not-ok']])).toEqual([['a', 'not-ok'], ['x_not-ok', 'v']]);
  });
});

describe('compileRelabelConfigs validation', () => {
  // Messages are Prometheus's (relabel.Config.Validate and Go's regexp/syntax), prefixed by the rule.
  const invalid: Array<[string, RelabelConfig[], string]> = [
    ['unknown action', [{ action: 'rename' as RelabelConfig['action'] }], 'relabel_configs[0].action: unknown relabel action "rename"'],
    ['replace without target_label', [{ source_labels: ['a'] }], "relabel_configs[0]: relabel configuration for replace action requires 'target_label' value"],
    ['empty target_label', [{ target_label: '', replacement: 'x' }], "relabel_configs[0]: relabel configuration for replace action requires 'target_label' value"],
    ['hashmod without target_label', [{ source_labels: ['a'], modulus: 2, action: 'hashmod' }], "relabel_configs[0]: relabel configuration for hashmod action requires 'target_label' value"],
    ['lowercase without target_label', [{ source_labels: ['a'], action: 'lowercase' }], "relabel_configs[0]: relabel configuration for lowercase action requires 'target_label' value"],
    ['uppercase without target_label', [{ source_labels: ['a'], action: 'uppercase' }], "relabel_configs[0]: relabel configuration for uppercase action requires 'target_label' value"],
    ['keepequal without target_label', [{ source_labels: ['a'], action: 'keepequal' }], "relabel_configs[0]: relabel configuration for keepequal action requires 'target_label' value"],
    ['hashmod without modulus', [{ source_labels: ['a'], target_label: 'h', action: 'hashmod' }], 'relabel_configs[0]: relabel configuration for hashmod requires non-zero modulus'],
    ['hashmod with fractional modulus', [{ source_labels: ['a'], target_label: 'h', modulus: 2.5, action: 'hashmod' }], 'relabel_configs[0].modulus: must be a positive integer no larger than 9007199254740991, got 2.5'],
    ['hashmod with negative modulus', [{ source_labels: ['a'], target_label: 'h', modulus: -3, action: 'hashmod' }], 'relabel_configs[0].modulus: must be a positive integer no larger than 9007199254740991, got -3'],
    ['nested repetition', [{ source_labels: ['a'], regex: 'a**', action: 'keep' }], 'relabel_configs[0].regex: invalid regex "a**": error parsing regexp: invalid nested repetition operator: `**`'],
    ['possessive quantifier (not RE2)', [{ source_labels: ['a'], regex: 'a++', action: 'keep' }], 'relabel_configs[0].regex: invalid regex "a++": error parsing regexp: invalid nested repetition operator: `++`'],
    ['unclosed group', [{ source_labels: ['a'], regex: '(a', action: 'keep' }], 'relabel_configs[0].regex: invalid regex "(a": error parsing regexp: missing closing ): `^(?s:(a)$`'],
    ['unclosed class', [{ source_labels: ['a'], regex: '[a-', action: 'keep' }], 'relabel_configs[0].regex: invalid regex "[a-": error parsing regexp: invalid character class range: `a-)`'],
    ['lookahead (not RE2)', [{ source_labels: ['a'], regex: 'a(?=b)', action: 'keep' }], 'relabel_configs[0].regex: invalid regex "a(?=b)": error parsing regexp: invalid or unsupported Perl syntax: `(?=`'],
    ['negative lookahead (not RE2)', [{ source_labels: ['a'], regex: '(?!a)b', action: 'keep' }], 'relabel_configs[0].regex: invalid regex "(?!a)b": error parsing regexp: invalid or unsupported Perl syntax: `(?!`'],
    ['lookbehind (not RE2)', [{ source_labels: ['a'], regex: '(?<!a)b', action: 'keep' }], 'relabel_configs[0].regex: invalid regex "(?<!a)b": error parsing regexp: invalid named capture: `(?<!a)b)$`'],
    ['backreference (not RE2)', [{ source_labels: ['a'], regex: '(a)\\1', action: 'keep' }], 'relabel_configs[0].regex: invalid regex "(a)\\\\1": error parsing regexp: invalid escape sequence: `\\1`'],
    ['named backreference (not RE2)', [{ source_labels: ['a'], regex: '(?P<x>a)(?P=x)', action: 'keep' }], 'relabel_configs[0].regex: invalid regex "(?P<x>a)(?P=x)": error parsing regexp: invalid or unsupported Perl syntax: `(?P`'],
    ['repeat count over 1000', [{ source_labels: ['a'], regex: 'a{1001}', action: 'keep' }], 'relabel_configs[0].regex: invalid regex "a{1001}": error parsing regexp: invalid repeat count: `{1001}`'],
    ['invalid escape', [{ source_labels: ['a'], regex: '\\m', action: 'keep' }], 'relabel_configs[0].regex: invalid regex "\\\\m": error parsing regexp: invalid escape sequence: `\\m`'],
    ['\\Z (not RE2)', [{ source_labels: ['a'], regex: 'a\\Z', action: 'keep' }], 'relabel_configs[0].regex: invalid regex "a\\\\Z": error parsing regexp: invalid escape sequence: `\\Z`'],
    ['duplicate group name', [{ source_labels: ['a'], regex: '(?P<x>a)(?P<x>b)', action: 'keep' }], 'relabel_configs[0].regex: invalid regex "(?P<x>a)(?P<x>b)": error parsing regexp: duplicate capture group name: `x`'],
    ['replacement on lowercase', [{ source_labels: ['a'], target_label: 'b', replacement: 'x', action: 'lowercase' }], "relabel_configs[0]: 'replacement' can not be set for lowercase action"],
    ['replacement on dropequal', [{ source_labels: ['a'], target_label: 'b', replacement: '$2', action: 'dropequal' }], "relabel_configs[0]: 'replacement' can not be set for dropequal action"],
    ['regex on keepequal', [{ source_labels: ['a'], target_label: 'b', regex: 'x', action: 'keepequal' }], "relabel_configs[0]: keepequal action requires only 'source_labels' and `target_label`, and no other fields"],
    ['separator on dropequal', [{ source_labels: ['a'], target_label: 'b', separator: ',', action: 'dropequal' }], "relabel_configs[0]: dropequal action requires only 'source_labels' and `target_label`, and no other fields"],
    ['modulus on keepequal', [{ source_labels: ['a'], target_label: 'b', modulus: 3, action: 'keepequal' }], "relabel_configs[0]: keepequal action requires only 'source_labels' and `target_label`, and no other fields"],
    ['source_labels on labeldrop', [{ source_labels: ['a'], regex: 'x', action: 'labeldrop' }], "relabel_configs[0]: labeldrop action requires only 'regex', and no other fields"],
    ['empty source_labels on labelkeep (Prometheus refuses any list)', [{ source_labels: [], regex: 'x', action: 'labelkeep' }], "relabel_configs[0]: labelkeep action requires only 'regex', and no other fields"],
    ['target_label on labelkeep', [{ target_label: 'a', regex: 'x', action: 'labelkeep' }], "relabel_configs[0]: labelkeep action requires only 'regex', and no other fields"],
    ['replacement on labeldrop', [{ regex: 'x', replacement: 'y', action: 'labeldrop' }], "relabel_configs[0]: labeldrop action requires only 'regex', and no other fields"],
    ['separator on labelkeep', [{ regex: 'x', separator: ',', action: 'labelkeep' }], "relabel_configs[0]: labelkeep action requires only 'regex', and no other fields"],
    ['labelmap with empty replacement', [{ regex: 'x', replacement: '', action: 'labelmap' }], `relabel_configs[0].replacement: "" is invalid 'replacement' for labelmap action`],
    ['target_label with a lone surrogate', [{ target_label: 'a\uD800', replacement: 'x' }], `relabel_configs[0].target_label: "a\\ud800" is invalid 'target_label' for replace action`],
    ['unknown field', [{ source_labels: ['a'], target: 'b' } as RelabelConfig], 'relabel_configs[0]: unknown field "target"'],
    ['source_labels not a list', [{ source_labels: 'a' as unknown as string[], target_label: 'b' }], 'relabel_configs[0].source_labels: must be a list of strings'],
    ['regex not a string', [{ regex: 5 as unknown as string, action: 'labeldrop' }], 'relabel_configs[0].regex: must be a string'],
    ['second rule named by index', [{ regex: 'x', action: 'labeldrop' }, { action: 'replace' }], "relabel_configs[1]: relabel configuration for replace action requires 'target_label' value"],
  ];

  test.each(invalid)('%s', (_name, rules, message) => {
    let caught: unknown;
    try {
      compileRelabelConfigs(rules);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ScrapewireError);
    expect((caught as ScrapewireError).code).toBe('ERR_CONFIG');
    expect((caught as ScrapewireError).message).toBe(message);
    expect(caught).toBeInstanceOf(RelabelRuleError);
    // What the config loader reports after `file:line: path`: the message without the rule's name.
    const { rule, field, problem } = caught as RelabelRuleError;
    expect(`${rule}${field === undefined ? '' : `.${field}`}: ${problem}`).toBe(message);
  });

  test('`where` prefixes the message', () => {
    expect(() => compileRelabelConfigs([{ regex: 'x', action: 'labeldrop' }, {}, { action: 'drop', regex: '(' }], 'scrape_configs[0].metric_relabel_configs'))
      .toThrow("scrape_configs[0].metric_relabel_configs[1]: relabel configuration for replace action requires 'target_label' value");
  });

  const legacyInvalid: Array<[string, RelabelConfig, string]> = [
    ['dash in target', { target_label: 'my-label', replacement: 'x' }, 'relabel_configs[0].target_label: "my-label" is invalid \'target_label\' for replace action'],
    ['template starting with a dash', { source_labels: ['a'], target_label: '-foo${1}bar-' }, 'relabel_configs[0].target_label: "-foo${1}bar-" is invalid \'target_label\' for replace action'],
    ['dot in template', { source_labels: ['a'], target_label: 'bar.foo${1}bar' }, 'relabel_configs[0].target_label: "bar.foo${1}bar" is invalid \'target_label\' for replace action'],
    ['unclosed reference', { source_labels: ['a'], target_label: 'foo${' }, 'relabel_configs[0].target_label: "foo${" is invalid \'target_label\' for replace action'],
    ['template on lowercase', { source_labels: ['a'], target_label: '${3}', action: 'lowercase' }, 'relabel_configs[0].target_label: "${3}" is invalid \'target_label\' for lowercase action'],
    ['hashmod target starting with a digit', { source_labels: ['a'], target_label: '0h', modulus: 2, action: 'hashmod' }, 'relabel_configs[0].target_label: "0h" is invalid \'target_label\' for hashmod action'],
    ['labelmap replacement with a dot', { regex: '(.*)', replacement: 'x.$1', action: 'labelmap' }, 'relabel_configs[0].replacement: "x.$1" is invalid \'replacement\' for labelmap action'],
  ];

  test.each(legacyInvalid)('legacy names: %s', (_name, rule, message) => {
    expect(() => compileRelabelConfigs([rule], 'relabel_configs', { nameValidation: 'legacy' })).toThrow(message);
    // The same rule is fine with UTF-8 names (Prometheus 3's default).
    expect(() => compileRelabelConfigs([rule])).not.toThrow();
  });

  test.each(['label', 'label${1}', '${1}label', '${1}', '$1', 'asd$2asd', '_${1}_', 'foo${bar}foo'])(
    'legacy names accept the template %s',
    (target) => {
      expect(() => compileRelabelConfigs([{ source_labels: ['a'], target_label: target }], 'r', { nameValidation: 'legacy' })).not.toThrow();
    },
  );

  test('accepted configs: action names are case-insensitive, explicit defaults are allowed for keepequal', () => {
    expect(() => compileRelabelConfigs([
      { source_labels: ['a'], regex: 'x', action: 'Drop' as RelabelConfig['action'] },
      { source_labels: ['a'], target_label: 'b', separator: ';', regex: '(.*)', replacement: '$1', action: 'keepequal' },
      { regex: 'x', separator: ';', replacement: '$1', action: 'labeldrop' },
      { regex: '(?i)(?s)x', action: 'labelkeep' },
    ])).not.toThrow();
  });
});

describe('RE2 regex syntax as matched by keep', () => {
  /** [regex, value, whether the anchored regex matches]. */
  const table: Array<[string, string, boolean]> = [
    ['[]a]+', ']a]', true],
    ['[^]a]', 'b', true],
    ['[^]a]', ']', false],
    ['[\\S]+', 'a\u00a0b', true], // RE2 \S includes U+00A0 (JS \s would not)
    ['\\s', '\u00a0', false],
    ['[^\\s]x', '\u2028x', true],
    ['\\PL+', '123', true],
    ['\\p{^L}', 'a', false],
    ['\\p{Greek}+', 'αβγ', true],
    ['\\AabC\\z', 'abC', true],
    ['(?i)[a-c]+', 'AbC', true],
    ['(?i)straße', 'STRASSE', false],
    ['a.c', 'a🌍c', true], // . is one code point, as RE2 matches runes
    ['\\x41\\x{42}\\103', 'ABC', true],
    ['a\\-b\\_c\\ d', 'a-b_c d', true],
    ['x{2,3}y{1,}', 'xxxyy', true],
    ['a{,2}', 'a{,2}', true],
    ['(?s:a.b)', 'a\nb', true],
    ['(?-s:a.b)', 'a\nb', false],
    ['[[:digit:][:upper:]]+', '1A2B', true],
    ['[[:word:]]+', 'a_1', true],
    ['\\Q(a|b)\\E|c', '(a|b)', true],
    ['\\Q(a|b)\\E|c', 'c', true],
    // Flags anywhere and flag groups, as Go's regexp/syntax has them.
    ['a(?i)b', 'aB', true],
    ['a(?i)b', 'AB', false],
    ['(?i:a)b', 'Ab', true],
    ['(?i:a)b', 'AB', false],
    ['(?i)k', '\u212a', true], // Kelvin sign folds to k, as in Go
    ['(?<name>x)y', 'xy', true],
    // A `)` in the regex closes Prometheus's wrapper `^(?s:...)$` early, in Go as here.
    ['a)|(b', 'a-anything', true],
  ];

  test.each(table)('%s on %j -> %s', (regex, value, matches) => {
    const relabeler = compileRelabelConfigs([{ source_labels: ['v'], regex, action: 'keep' }]);
    expect(relabeler.process([['v', value]]) !== null).toBe(matches);
  });

  test('(a|aa)+ against long values: RE2 answers (a backtracking engine would not finish)', () => {
    const relabeler = compileRelabelConfigs([
      { source_labels: ['v'], regex: '(a|aa)+', action: 'drop' },
      { source_labels: ['w'], regex: '(a|aa)+(x)', target_label: 'hit', replacement: '$2' },
    ]);
    const long = 'a'.repeat(50_000);
    expect(relabeler.process([['v', `${long}b`]])).toEqual([['v', `${long}b`]]);
    expect(relabeler.process([['v', long]])).toBeNull();
    expect(relabeler.process([['w', `${long}y`]])).toEqual([['w', `${long}y`]]);
    expect(relabeler.process([['w', `${long}x`]])).toEqual([['hit', 'x'], ['w', `${long}x`]]);
  });

  test('a reversed repeat range is rejected like RE2 does', () => {
    expect(() => compileRelabelConfigs([{ source_labels: ['v'], regex: 'x{3,2}', action: 'keep' }]))
      .toThrow('relabel_configs[0].regex: invalid regex "x{3,2}": error parsing regexp: invalid repeat count: `{3,2}`');
  });
});
