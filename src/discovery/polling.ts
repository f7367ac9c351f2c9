/**
 * A provider that asks its source for the whole group set every `intervalMs` (http_sd,
 * kubelet_sd), as Prometheus's refresh.Discovery does: a failed refresh is reported and the last
 * good groups stay in force until the next one succeeds. Refreshes never overlap; the timer is
 * unref'd so discovery alone does not keep a process alive.
 */
import { GroupDiff } from './group-diff';
import type { DiscoveredGroup, DiscoveryProvider, GroupsListener } from './types';

export abstract class PollingProvider implements DiscoveryProvider {
  private readonly diff = new GroupDiff();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private listener: GroupsListener | undefined;
  /** Refreshes made, successful or not. */
  refreshes = 0;

  constructor(readonly name: string, private readonly intervalMs: number, private readonly onError: (error: Error) => void) {}

  /** The whole current group set; throws a ScrapewireError when the source cannot be read. */
  protected abstract refresh(): Promise<DiscoveredGroup[]>;

  /** Releases connections; called once by stop(). */
  protected abstract close(): Promise<void>;

  start(onGroups: GroupsListener): Promise<void> {
    this.listener = onGroups;
    this.stopped = false;
    return this.poll();
  }

  private poll(): Promise<void> {
    this.timer = undefined;
    this.running = (async () => {
      this.refreshes++;
      try {
        const groups = await this.refresh();
        if (this.stopped) return;
        const changed = this.diff.next(groups);
        if (changed.length > 0) this.listener?.(changed);
      } catch (err) {
        if (!this.stopped) this.onError(err as Error);
      }
    })().finally(() => {
      this.running = undefined;
      if (!this.stopped) {
        this.timer = setTimeout(() => void this.poll(), this.intervalMs);
        this.timer.unref();
      }
    });
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const running = this.running;
    await this.close();
    await running?.catch(() => undefined);
  }
}
