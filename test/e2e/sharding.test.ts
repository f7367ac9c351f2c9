/**
 * End to end, issue 5: two collectors started with --cluster.members-count=2 (member 0 and 1)
 * read the same 100 targets (one loopback server, paths /<prefix>/<i>/metrics) and write to one
 * VictoriaMetrics. With the default replication factor every target is scraped by exactly one of
 * them; with --cluster.replication-factor=2 by both.
 *
 * Telling the collectors apart. Their configurations differ in two things only, neither of which
 * takes part in the ownership decision (that hashes the target labels after relabeling: job,
 * instance, __address__, __metrics_path__, the static label t): the scrape credentials
 * (`authorization: {credentials: a|b}`, so the target server records "Bearer a" or "Bearer b"
 * with each request) and `external_labels: {replica: a|b}` (so every series in the receiver says
 * which collector sent it). The first answers "requested by whom" at the target, the second
 * checks the same split at the receiver, and the two must agree.
 */
import { join } from 'node:path';
import { VictoriaMetrics } from '../helpers/receivers';
import { CollectorProcess, killAllCollectors, withCollectorOutput } from './support/collector-process';
import { tempDir, writeConfig } from './support/config';
import { storedSeries } from './support/series';
import { TargetServer } from './support/target-server';
import { pollUntil } from './support/wait';

const TARGETS = 100;
const MEMBERS = ['a', 'b'];

describe('sharding over two collectors', () => {
  const vm = new VictoriaMetrics();
  const dir = tempDir('sharding');
  let target: TargetServer;
  let collectors: CollectorProcess[] = [];

  beforeAll(async () => {
    await vm.start();
    target = await TargetServer.start();
  });

  afterAll(async () => {
    await killAllCollectors();
    await target?.close();
    await vm.destroy();
    dir.remove();
  });

  const paths = (prefix: string): string[] => Array.from({ length: TARGETS }, (_, i) => `/${prefix}/${i}/metrics`);

  /** Starts member 0 (a) and 1 (b) over job `prefix`; every path's target label t is its number. */
  async function startMembers(prefix: string, replicationFactor: number): Promise<void> {
    collectors = await Promise.all(MEMBERS.map((member, num) => {
      const configFile = join(dir.path, `${prefix}-${member}.yml`);
      writeConfig(configFile, {
        jobs: [{
          name: prefix,
          groups: paths(prefix).map((path, i) => ({ targets: [target.address], labels: { __metrics_path__: path, t: String(i) } })),
          extra: { authorization: { credentials: member } },
        }],
        remoteWriteUrl: vm.writeUrl,
        externalLabels: { replica: member },
      });
      return CollectorProcess.start({
        configFile,
        storagePath: join(dir.path, `${prefix}-${member}-storage`),
        args: ['--cluster.members-count=2', `--cluster.member-num=${num}`, `--cluster.replication-factor=${replicationFactor}`],
      });
    }));
  }

  /** Which members requested each path ('a', 'b'), from the target server's log. */
  const requestedBy = (prefix: string): Map<string, string[]> => new Map(paths(prefix).map((path) => [
    path,
    [...new Set(target.scrapes(path).map((s) => s.authorization.replace(/^Bearer /, '')))].sort(),
  ]));

  /** Which replicas each target t sent `up` samples from, from the receiver. */
  async function storedBy(job: string): Promise<Map<string, string[]>> {
    const byTarget = new Map<string, string[]>();
    for (const series of await storedSeries(vm, `up{job="${job}"}`)) {
      if (series.samples.length === 0) continue;
      const list = byTarget.get(series.labels.t) ?? [];
      list.push(series.labels.replica);
      byTarget.set(series.labels.t, list.sort());
    }
    return byTarget;
  }

  it('replication factor 1: every target is scraped by exactly one member', () => withCollectorOutput(() => collectors, async () => {
    await startMembers('one', 1);
    const activeTargets = await Promise.all(collectors.map((c) => c.targets()));
    expect(activeTargets[0].length + activeTargets[1].length).toBe(TARGETS);
    // Long enough that a target owned by both would have been requested by both.
    await pollUntil(() => paths('one').every((p) => target.count(p) >= 3), (all) => all, 20_000);
    for (const c of collectors) expect(await c.stop()).toEqual({ code: 0, signal: null });

    const byPath = requestedBy('one');
    const owners = [...byPath.values()];
    expect(owners.filter((o) => o.length !== 1)).toEqual([]);
    // Both members have a share (all 100 on one member: probability 2^-99 for a fair hash).
    expect(owners.filter((o) => o[0] === 'a').length).toBeGreaterThan(0);
    expect(owners.filter((o) => o[0] === 'b').length).toBeGreaterThan(0);
    // /api/v1/targets of each member listed exactly the targets it scraped.
    for (const [i, member] of MEMBERS.entries()) {
      const listed = activeTargets[i].map((t) => t.labels.t).sort();
      const scraped = paths('one').map((p, t) => [String(t), byPath.get(p)!] as const).filter(([, o]) => o[0] === member).map(([t]) => t).sort();
      expect(listed).toEqual(scraped);
    }
    // The receiver agrees: each target's series came from the one member that scraped it.
    const stored = await pollUntil(() => storedBy('one'), (m) => m.size === TARGETS, 15_000);
    expect(stored.size).toBe(TARGETS);
    for (const [t, replicas] of stored) expect({ t, replicas }).toEqual({ t, replicas: byPath.get(`/one/${t}/metrics`) });
  }), 60_000);

  it('replication factor 2: every target is scraped by both members', () => withCollectorOutput(() => collectors, async () => {
    await startMembers('two', 2);
    for (const c of collectors) expect(await c.targets()).toHaveLength(TARGETS);
    const everyPathByBoth = await pollUntil(() => [...requestedBy('two').values()].every((o) => o.join() === 'a,b'), (all) => all, 20_000);
    for (const c of collectors) expect(await c.stop()).toEqual({ code: 0, signal: null });
    expect(everyPathByBoth).toBe(true);
    const stored = await pollUntil(() => storedBy('two'), (m) => m.size === TARGETS && [...m.values()].every((r) => r.length === 2), 15_000);
    expect([...stored.values()].filter((r) => r.join() !== 'a,b')).toEqual([]);
    expect(stored.size).toBe(TARGETS);
  }), 60_000);
});
