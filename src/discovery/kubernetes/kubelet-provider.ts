/**
 * kubelet_sd_configs[i]: this node's pods from the kubelet's `/pods` (a v1 PodList), polled
 * every refresh_interval with the job's own URL, credentials and TLS, each pod becoming the
 * same group kubernetes_sd role pod builds (pod-group.ts), so one set of relabel rules works
 * with either. No API-server watch per node: the cheap path for a DaemonSet.
 *
 * Named after Grafana Alloy's discovery.kubelet, whose fields and defaults it takes (url
 * default https://localhost:10250, refresh_interval 5s, namespaces); a section of its own rather
 * than a kubernetes_sd role because it polls another API, on its own schedule, with its own
 * URL, and a Prometheus that meets an unknown role refuses the whole file anyway.
 *
 * A failed poll (kubelet restarting, token rejected) keeps the last pod set: the targets are not
 * dropped for a blip. Like Alloy, the kubelet's list is trusted for what it is (this node's
 * pods); namespaces filters it.
 */
import type { KubeletSdConfig } from '../../config/types';
import { ScrapewireError } from '../../errors';
import { JsonFetcher } from '../json-fetch';
import { PollingProvider } from '../polling';
import type { DiscoveredGroup } from '../types';
import { slimPod, str, type Pod } from './objects';
import { buildPodGroup } from './pod-group';

export interface KubeletProviderOptions {
  onError(error: Error): void;
  maxTargetsPerPod: number;
}

export class KubeletProvider extends PollingProvider {
  private readonly fetcher: JsonFetcher;

  constructor(name: string, private readonly config: KubeletSdConfig, private readonly options: KubeletProviderOptions) {
    super(name, config.refresh_interval, options.onError);
    this.fetcher = new JsonFetcher({
      url: `${config.url.replace(/\/+$/, '')}/pods`,
      client: config,
      // Alloy's client gives the kubelet 30 s; a poll must also end before the next one is due.
      timeoutMs: Math.min(30_000, Math.max(config.refresh_interval, 1_000)),
    });
  }

  protected async refresh(): Promise<DiscoveredGroup[]> {
    const { body } = await this.fetcher.fetch();
    const items = (body as { items?: unknown } | null)?.items;
    if (!Array.isArray(items)) throw new ScrapewireError('ERR_PARSE', 'not a PodList: no items array', { target: this.fetcher.target });
    const namespaces = this.config.namespaces;
    const groups: DiscoveredGroup[] = [];
    for (const item of items) {
      if (item === null || typeof item !== 'object') continue;
      const pod = slimPod(item as Pod);
      if (namespaces.length > 0 && !namespaces.includes(str(pod.metadata?.namespace))) continue;
      groups.push(buildPodGroup(pod, { maxTargetsPerPod: this.options.maxTargetsPerPod }));
    }
    return groups;
  }

  protected close(): Promise<void> {
    return this.fetcher.close();
  }
}
