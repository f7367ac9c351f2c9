/**
 * The discovery providers of one scrape_config, in config order: static_configs, then each
 * file_sd, http_sd, kubernetes_sd and kubelet_sd entry. The Kubernetes code is loaded only when
 * a job uses it (a dynamic import on start), so an agent without Kubernetes discovery never
 * loads it.
 */
import type { FileSdConfig, HttpSdConfig, KubeletSdConfig, KubernetesSdConfig, ScrapeConfig } from '../config/types';
import { FileSdProvider } from './file-sd';
import { HttpSdProvider } from './http-sd';
import { StaticProvider } from './static';
import type { DiscoveryContext, DiscoveryProvider, GroupsListener } from './types';

/** A provider built on start(), from a module imported then. */
class LazyProvider implements DiscoveryProvider {
  private provider: DiscoveryProvider | undefined;
  private stopped = false;

  constructor(readonly name: string, private readonly create: () => Promise<DiscoveryProvider>) {}

  async start(onGroups: GroupsListener): Promise<void> {
    const provider = await this.create();
    if (this.stopped) return;
    this.provider = provider;
    await provider.start(onGroups);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.provider?.stop();
  }
}

/** What every provider of a job shares. */
export interface ProviderOptions {
  context: DiscoveryContext;
  /** FileSd: false relies on refresh_interval alone. */
  watchFiles?: boolean;
}

/** One provider per discovery entry of `job`; `jobPath` (`scrape_configs[2]`) prefixes their names. */
export function providersOf(job: ScrapeConfig, jobPath: string, options: ProviderOptions): DiscoveryProvider[] {
  const { context } = options;
  const providers: DiscoveryProvider[] = [];
  const named = (section: string, index: number) => `${jobPath}.${section}[${index}]`;
  const reporter = (name: string) => (error: Error) => context.onError(name, error);
  if (job.static_configs.length > 0) providers.push(new StaticProvider(job.static_configs));
  job.file_sd_configs.forEach((sd: FileSdConfig, i) => {
    const name = named('file_sd_configs', i);
    providers.push(new FileSdProvider(name, sd, { watch: options.watchFiles, onError: reporter(name) }));
  });
  (job.http_sd_configs ?? []).forEach((sd: HttpSdConfig, i) => {
    const name = named('http_sd_configs', i);
    providers.push(new HttpSdProvider(name, sd, reporter(name)));
  });
  (job.kubernetes_sd_configs ?? []).forEach((sd: KubernetesSdConfig, i) => {
    const name = named('kubernetes_sd_configs', i);
    providers.push(new LazyProvider(name, async () => {
      const { KubernetesProvider } = await import('./kubernetes/provider');
      return new KubernetesProvider(name, sd, { context, maxTargetsPerPod: job.max_targets_per_pod ?? 0 });
    }));
  });
  (job.kubelet_sd_configs ?? []).forEach((sd: KubeletSdConfig, i) => {
    const name = named('kubelet_sd_configs', i);
    providers.push(new LazyProvider(name, async () => {
      const { KubeletProvider } = await import('./kubernetes/kubelet-provider');
      return new KubeletProvider(name, sd, { onError: reporter(name), maxTargetsPerPod: job.max_targets_per_pod ?? 0 });
    }));
  });
  return providers;
}
