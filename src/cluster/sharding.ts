/**
 * Spreading scrape targets over the members of a scale-out group (a StatefulSet of N replicas
 * started with --cluster.members-count=N --cluster.member-num=<pod name>), the way vmagent's
 * -promscrape.cluster.* flags do it:
 *
 *  - every member reads the same configuration and discovers the same targets;
 *  - a target belongs to member hash(target labels) mod N, and with a replication factor R also
 *    to the next R-1 members (mod N), so it is scraped R times (the receiver deduplicates);
 *  - the member number may be given as a pod name, `scrapewire-2`, and the number after the last
 *    dash is taken, so a StatefulSet can pass `metadata.name` through the downward API.
 *
 * The hash is SHA-256 of the sorted labels, not vmagent's xxhash: the scheme is the same, the
 * assignment of a given target is not (a mixed group of vmagent and scrapewire would not agree).
 * It is stable across processes, versions and platforms, which is all sharding needs. Ownership
 * is decided once per target when discovery changes, never per scrape, so its cost is irrelevant.
 */
import { createHash } from 'node:crypto';
import { ScrapewireError } from '../errors';

/** How targets are split across collectors (vmagent's -promscrape.cluster.* flags). */
export interface ClusterOptions {
  /** N, the number of members; 1 means no sharding. */
  membersCount: number;
  /** This member's number, 0..N-1. */
  memberNum: number;
  /** How many members scrape each target, 1..N. Default 1. */
  replicationFactor?: number;
}

export type TargetLabels = Record<string, string> | readonly (readonly [string, string])[];

/**
 * The member number in `value`: a plain number ("2") or a StatefulSet pod name ("scrapewire-2"),
 * from which the digits after the last dash are taken, as vmagent does.
 * Throws ScrapewireError ERR_CONFIG when there is no non-negative integer there.
 */
export function memberNumFrom(value: string): number {
  const text = value.trim();
  const dash = text.lastIndexOf('-');
  const digits = text.slice(dash + 1);
  // Digits only: "1.5", "0x1", "1e2" and "" are mistakes, not member numbers. Unlike vmagent,
  // "-1" is refused too (a dash needs a name before it): it reads as a negative number.
  if (dash === 0 || !/^\d+$/.test(digits) || !Number.isSafeInteger(Number(digits))) {
    throw new ScrapewireError('ERR_CONFIG',
      `--cluster.member-num: cannot take a member number from ${JSON.stringify(value)}: expected a number or a pod name ending in -<number>, like scrapewire-2`);
  }
  return Number(digits);
}

/** Validates the options; the messages name the flags. Throws ScrapewireError ERR_CONFIG. */
export function checkClusterOptions({ membersCount, memberNum, replicationFactor = 1 }: ClusterOptions): void {
  if (!Number.isSafeInteger(membersCount) || membersCount < 1) {
    throw new ScrapewireError('ERR_CONFIG', `--cluster.members-count must be an integer >= 1, not ${membersCount}`);
  }
  if (!Number.isSafeInteger(memberNum) || memberNum < 0 || memberNum >= membersCount) {
    throw new ScrapewireError('ERR_CONFIG',
      `--cluster.member-num must be in the range 0..${membersCount - 1} for --cluster.members-count=${membersCount}, not ${memberNum}`);
  }
  if (!Number.isSafeInteger(replicationFactor) || replicationFactor < 1) {
    throw new ScrapewireError('ERR_CONFIG', `--cluster.replication-factor must be an integer >= 1, not ${replicationFactor}`);
  }
}

/**
 * The canonical text of a label set: pairs sorted by name, JSON-encoded so that no label value can
 * make two different sets produce the same text (a naive `a=b,` join could).
 */
export function targetKey(targetLabels: TargetLabels): string {
  const pairs = Array.isArray(targetLabels)
    ? (targetLabels as readonly (readonly [string, string])[]).map(([name, value]) => [name, value] as const)
    : Object.entries(targetLabels as Record<string, string>);
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return JSON.stringify(pairs);
}

/** The first member that owns the target: hash(sorted labels) mod membersCount. */
export function primaryMember(targetLabels: TargetLabels, membersCount: number): number {
  if (membersCount <= 1) return 0;
  const digest = createHash('sha256').update(targetKey(targetLabels)).digest();
  return Number(digest.readBigUInt64BE(0) % BigInt(membersCount));
}

/**
 * Every member that owns the target, primary first: the primary and the next R-1 members,
 * wrapping at N (vmagent's getClusterMemberNumsForScrapeWork). R above N counts as N.
 */
export function targetOwners(targetLabels: TargetLabels, membersCount: number, replicationFactor = 1): number[] {
  const first = primaryMember(targetLabels, membersCount);
  const count = Math.min(Math.max(replicationFactor, 1), Math.max(membersCount, 1));
  return Array.from({ length: count }, (_, i) => (first + i) % Math.max(membersCount, 1));
}

/**
 * Whether this member scrapes the target. Pass the target's labels after target relabeling
 * (`__address__`, `__scheme__`, `__metrics_path__`, `job` and the rest, without `__meta_*`),
 * the same on every member. Throws ScrapewireError ERR_CONFIG for invalid options.
 */
export function ownsTarget(targetLabels: TargetLabels, options: ClusterOptions): boolean {
  checkClusterOptions(options);
  const { membersCount, memberNum, replicationFactor = 1 } = options;
  if (membersCount === 1) return true;
  const first = primaryMember(targetLabels, membersCount);
  // memberNum is within R-1 steps after the primary, counting round the ring.
  const distance = (memberNum - first + membersCount) % membersCount;
  return distance < Math.min(replicationFactor, membersCount);
}
