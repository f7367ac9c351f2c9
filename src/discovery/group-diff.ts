/**
 * Turns the full group sets a polled source returns (a target file, an http_sd answer, the
 * kubelet's pod list) into the incremental updates providers emit: groups that changed, plus an
 * empty group for each source that disappeared. An unchanged poll emits nothing, so a target
 * list that does not change costs no relabeling.
 */
import type { DiscoveredGroup } from './types';

export class GroupDiff {
  private previous = new Map<string, string>();

  /** The groups of `current` that differ from the last call, and removals of vanished sources. */
  next(current: readonly DiscoveredGroup[]): DiscoveredGroup[] {
    const seen = new Map<string, string>();
    const changed: DiscoveredGroup[] = [];
    for (const group of current) {
      const serialized = JSON.stringify([group.labels, group.targets]);
      seen.set(group.source, serialized);
      if (this.previous.get(group.source) !== serialized) changed.push(group);
    }
    for (const source of this.previous.keys()) {
      if (!seen.has(source)) changed.push({ source, labels: {}, targets: [] });
    }
    this.previous = seen;
    return changed;
  }
}
