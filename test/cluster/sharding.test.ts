/**
 * Target sharding over a scale-out group (vmagent's -promscrape.cluster.* scheme): ownership by
 * hash of the sorted target labels, replication to the next members, member numbers from pod names.
 */
import { ScrapewireError } from '../../src/errors';
import { memberNumFrom, ownsTarget, targetKey, targetOwners, type ClusterOptions } from '../../src/cluster/sharding';

/** 100 distinct targets shaped like the output of target relabeling. */
const TARGETS: Record<string, string>[] = Array.from({ length: 100 }, (_, i) => ({
  __address__: `10.0.${Math.floor(i / 10)}.${i % 10}:9100`,
  __scheme__: 'http',
  __metrics_path__: '/metrics',
  job: i % 2 === 0 ? 'node' : 'app',
}));

function owners(target: Record<string, string>, membersCount: number, replicationFactor?: number): number[] {
  const result: number[] = [];
  for (let memberNum = 0; memberNum < membersCount; memberNum++) {
    const options: ClusterOptions = { membersCount, memberNum, replicationFactor };
    if (ownsTarget(target, options)) result.push(memberNum);
  }
  return result;
}

function expectConfigError(fn: () => unknown, message: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ScrapewireError);
  expect((caught as ScrapewireError).code).toBe('ERR_CONFIG');
  expect((caught as ScrapewireError).message).toMatch(message);
}

describe('ownsTarget', () => {
  test('with 2 members each of 100 targets is owned by exactly one, and both members get some', () => {
    const perMember = [0, 0];
    for (const target of TARGETS) {
      const o = owners(target, 2);
      expect(o).toHaveLength(1);
      perMember[o[0]]++;
    }
    expect(perMember[0]).toBeGreaterThan(0);
    expect(perMember[1]).toBeGreaterThan(0);
    expect(perMember[0] + perMember[1]).toBe(100);
  });

  test('with replication factor 2 and 2 members every target is owned by both', () => {
    for (const target of TARGETS) expect(owners(target, 2, 2)).toEqual([0, 1]);
  });

  test('with 3 members the split is roughly even (each 20-45%)', () => {
    const perMember = [0, 0, 0];
    for (const target of TARGETS) {
      const o = owners(target, 3);
      expect(o).toHaveLength(1);
      perMember[o[0]]++;
    }
    for (const count of perMember) {
      expect(count).toBeGreaterThanOrEqual(20);
      expect(count).toBeLessThanOrEqual(45);
    }
  });

  test('with replication factor R of N members a target is owned by R consecutive members, wrapping round', () => {
    let wrapped = 0;
    for (const target of TARGETS) {
      const expected = targetOwners(target, 5, 3);
      expect(expected).toHaveLength(3);
      expect(expected[1]).toBe((expected[0] + 1) % 5);
      expect(expected[2]).toBe((expected[0] + 2) % 5);
      expect(owners(target, 5, 3)).toEqual([...expected].sort((a, b) => a - b));
      if (expected[0] >= 3) wrapped++;
    }
    expect(wrapped).toBeGreaterThan(0); // some primaries were members 3 or 4, so member 0 or 1 followed
  });

  test('a replication factor above the member count means every member owns every target', () => {
    for (const target of TARGETS.slice(0, 10)) expect(owners(target, 3, 7)).toEqual([0, 1, 2]);
  });

  test('a single member owns everything', () => {
    for (const target of TARGETS) expect(ownsTarget(target, { membersCount: 1, memberNum: 0 })).toBe(true);
  });

  test('ownership depends on the label set, not on the order of its labels or its representation', () => {
    for (const target of TARGETS) {
      const reversed = Object.fromEntries(Object.entries(target).reverse());
      const pairs = Object.entries(target).reverse() as [string, string][];
      expect(owners(reversed, 7)).toEqual(owners(target, 7));
      expect(owners(Object.fromEntries(pairs), 7)).toEqual(owners(target, 7));
      expect(targetKey(pairs)).toBe(targetKey(target));
    }
  });

  test('different label sets give different keys even when a naive join would not', () => {
    expect(targetKey({ a: 'b,c=d' })).not.toBe(targetKey({ a: 'b', c: 'd' }));
  });

  test('the assignment is stable: the same target maps to the same member in every run', () => {
    // Fixed expectations: a change of hash or key format would move every target between members.
    const target = { __address__: 'kube-state-metrics.kube-system.svc:8080', job: 'kube-state-metrics' };
    expect(targetKey(target)).toBe('[["__address__","kube-state-metrics.kube-system.svc:8080"],["job","kube-state-metrics"]]');
    const first = targetOwners(target, 1000)[0];
    expect(targetOwners(target, 1000)).toEqual([first]);
    expect(targetOwners({ ...target }, 1000)).toEqual([first]);
  });

  test('invalid options are ERR_CONFIG naming the flag', () => {
    expectConfigError(() => ownsTarget(TARGETS[0], { membersCount: 0, memberNum: 0 }), /--cluster\.members-count/);
    expectConfigError(() => ownsTarget(TARGETS[0], { membersCount: 3, memberNum: 3 }), /--cluster\.member-num must be in the range 0\.\.2/);
    expectConfigError(() => ownsTarget(TARGETS[0], { membersCount: 3, memberNum: -1 }), /--cluster\.member-num/);
    expectConfigError(() => ownsTarget(TARGETS[0], { membersCount: 3, memberNum: 0, replicationFactor: 0 }), /--cluster\.replication-factor/);
  });
});

describe('memberNumFrom', () => {
  test('takes a plain number', () => {
    expect(memberNumFrom('0')).toBe(0);
    expect(memberNumFrom('2')).toBe(2);
    expect(memberNumFrom('17')).toBe(17);
  });

  test('takes the number after the last dash of a StatefulSet pod name', () => {
    expect(memberNumFrom('scrapewire-2')).toBe(2);
    expect(memberNumFrom('scrapewire-cluster-0')).toBe(0);
    expect(memberNumFrom('scrapewire-shard-1-12')).toBe(12);
  });

  test.each([
    [''],
    ['scrapewire'],
    ['scrapewire-'],
    ['scrapewire-x'],
    ['scrapewire-2a'],
    ['-1'],
    ['1.5'],
    ['0x1'],
    ['1e2'],
    ['99999999999999999999'],
  ])('rejects %j with ERR_CONFIG', (value) => {
    expectConfigError(() => memberNumFrom(value), /--cluster\.member-num: cannot take a member number/);
  });
});
