/**
 * static_configs as a discovery provider: one group per entry, delivered once at start, so the
 * scrape manager treats a static target exactly like a discovered one.
 */
import type { StaticConfig } from '../config/types';
import type { DiscoveredGroup, DiscoveryProvider, GroupsListener } from './types';

export class StaticProvider implements DiscoveryProvider {
  readonly name = 'static_configs';

  constructor(private readonly configs: readonly StaticConfig[]) {}

  /** Prometheus names a static group by its index in the list. */
  groups(): DiscoveredGroup[] {
    return this.configs.map((config, index) => ({
      source: String(index),
      labels: { ...config.labels },
      targets: config.targets.map((address) => ({ __address__: address })),
    }));
  }

  async start(onGroups: GroupsListener): Promise<void> {
    onGroups(this.groups());
  }

  async stop(): Promise<void> {}
}
