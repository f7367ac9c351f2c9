/**
 * One job's discovered targets: the current groups of each of its providers, turned into
 * TargetSpecs through the job's relabel_configs (target-labels.ts), with what /api/v1/targets
 * shows beside them: each active target's discovered labels (before relabeling) and the targets
 * relabeling dropped.
 *
 * - A group is rebuilt only when it changes (a pod event relabels that pod's targets, not the
 *   whole cluster's), or when its share of the provider's cap changes.
 * - max_targets_per_discovery: a provider's groups are taken in the order they first appeared;
 *   targets past the cap are not built, and are counted and logged.
 * - Duplicates (same job, URL and labels) are one target; as in Prometheus, the last one
 *   discovered gives the discovered labels shown.
 * - Dropped targets: every one counted, the first keep_dropped_targets kept (0: all).
 */
import type { ScrapeConfig } from '../config/types';
import { ScrapewireError } from '../errors';
import { targetKey } from '../scrape/scrape-loop';
import type { TargetSpec } from '../scrape/target';
import { buildGroupTargets, type BuiltGroup, type TargetRelabelers } from '../scrape/target-labels';
import type { DiscoveredGroup, LabelSet } from './types';

/** A job's configuration and compiled rules, and where its problems are reported. */
export interface JobTargetsOptions {
  config: ScrapeConfig;
  relabelers: TargetRelabelers;
  /** Targets that cannot be built, caps reached. */
  onError(error: ScrapewireError): void;
  /** The number of targets a cap keeps out now, per provider, each time it is computed. */
  onCapDrop?(provider: string, cap: CapName, dropped: number): void;
}

/** The discovery caps that keep targets out before relabeling. */
export type CapName = 'max_targets_per_pod' | 'max_targets_per_discovery';

/** A target of a job after relabeling, with its labels before it. */
export interface ActiveTarget {
  spec: TargetSpec;
  discovered: LabelSet;
}

interface ProviderGroups {
  name: string;
  groups: Map<string, DiscoveredGroup>;
}

interface CachedGroup {
  /** How many of the group's targets the provider's cap let through when it was built. */
  allowed: number;
  built: BuiltGroup;
}

/** One job's discovered target groups turned into targets through its relabel_configs. */
export class JobTargets {
  private readonly providers: ProviderGroups[] = [];
  private readonly cache = new Map<string, CachedGroup>();
  private active = new Map<string, ActiveTarget>();
  private droppedKept: LabelSet[] = [];
  private droppedTotal = 0;
  private readonly capDropped = new Map<string, number>();
  private dirty = true;

  constructor(private readonly options: JobTargetsOptions) {}

  get config(): ScrapeConfig {
    return this.options.config;
  }

  /** Registers a provider; returns the index its updates are given with. */
  addProvider(name: string): number {
    this.providers.push({ name, groups: new Map() });
    return this.providers.length - 1;
  }

  /** Applies a provider's update: changed groups replace the old ones, empty ones are removed. */
  update(provider: number, groups: readonly DiscoveredGroup[]): void {
    const state = this.providers[provider];
    for (const group of groups) {
      this.cache.delete(`${provider}\u0000${group.source}`);
      if (group.targets.length === 0) state.groups.delete(group.source);
      else state.groups.set(group.source, group);
    }
    this.dirty = true;
  }

  /** Every active target (deduplicated), rebuilding the groups that changed since the last call. */
  targets(): ActiveTarget[] {
    if (this.dirty) this.rebuild();
    return [...this.active.values()];
  }

  /** The discovered labels of an active target, by ScrapeLoop's targetKey. */
  discoveredLabels(key: string): LabelSet | undefined {
    if (this.dirty) this.rebuild();
    return this.active.get(key)?.discovered;
  }

  /** Targets dropped by relabeling: the kept ones' discovered labels, and how many in all. */
  dropped(): { kept: LabelSet[]; total: number } {
    if (this.dirty) this.rebuild();
    return { kept: this.droppedKept, total: this.droppedTotal };
  }

  private rebuild(): void {
    this.dirty = false;
    const { config, relabelers } = this.options;
    const cap = config.max_targets_per_discovery ?? 0;
    const keep = config.keep_dropped_targets ?? 0;
    const active = new Map<string, ActiveTarget>();
    const dropped: LabelSet[] = [];
    let droppedTotal = 0;
    this.providers.forEach((provider, index) => {
      let used = 0;
      let overCap = 0;
      let podCapDropped = 0;
      for (const [source, group] of provider.groups) {
        podCapDropped += group.podCapDropped ?? 0;
        const allowed = cap > 0 ? Math.max(0, Math.min(group.targets.length, cap - used)) : group.targets.length;
        used += allowed;
        overCap += group.targets.length - allowed;
        const key = `${index}\u0000${source}`;
        let cached = this.cache.get(key);
        if (cached === undefined || cached.allowed !== allowed) {
          const limited = allowed === group.targets.length ? group : { ...group, targets: group.targets.slice(0, allowed) };
          cached = { allowed, built: buildGroupTargets(config, limited, relabelers) };
          this.cache.set(key, cached);
          for (const error of cached.built.errors) this.options.onError(error);
        }
        for (const target of cached.built.targets) {
          if (target.spec === undefined) {
            droppedTotal++;
            if (keep === 0 || dropped.length < keep) dropped.push(target.discovered);
          } else {
            active.set(targetKey(target.spec), { spec: target.spec, discovered: target.discovered });
          }
        }
      }
      this.reportCap(provider.name, 'max_targets_per_discovery', overCap, cap);
      this.reportCap(provider.name, 'max_targets_per_pod', podCapDropped, config.max_targets_per_pod ?? 0);
    });
    this.active = active;
    this.droppedKept = dropped;
    this.droppedTotal = droppedTotal;
  }

  /** Reports a cap's drops; logs once each time their number changes (not at every event). */
  private reportCap(provider: string, name: CapName, dropped: number, cap: number): void {
    const key = `${provider}\u0000${name}`;
    const before = this.capDropped.get(key) ?? 0;
    this.capDropped.set(key, dropped);
    if (dropped > 0 || before > 0) this.options.onCapDrop?.(provider, name, dropped);
    if (dropped === before || dropped === 0) return;
    const what = name === 'max_targets_per_pod' ? `pods with more than max_targets_per_pod (${cap}) targets` : `more than max_targets_per_discovery (${cap}) targets`;
    this.options.onError(new ScrapewireError('ERR_TARGET_LIMIT',
      `job ${JSON.stringify(this.options.config.job_name)}: ${provider} found ${what}; ${dropped} targets dropped before relabeling`));
  }
}
