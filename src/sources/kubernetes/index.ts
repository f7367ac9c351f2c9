/** The built-in sources of a Kubernetes node: kubelet, cAdvisor, kube-state-metrics, and annotated pods found through the kubelet. */
export {
  DEFAULT_KUBELET_PORT, SERVICE_ACCOUNT_DIR, hostForUrl, nodeSettingsFromEnv, resolveNodeSettings,
  type NodeSettings, type ResolvedNodeSettings,
} from './node-settings';
export {
  CADVISOR_SOURCE, KUBELET_SOURCE, KUBE_STATE_METRICS_SOURCE, cadvisorSource, kubeStateMetricsSource,
  kubeletHttpOptions, kubeletSource, nodeSources, sourceFromConfig, type KubeStateMetricsOptions, type SourceOptions,
} from './kubelet-sources';
export {
  ANNOTATION_PATH, ANNOTATION_PORT, ANNOTATION_SCHEME, ANNOTATION_SCRAPE, podTargets, type PodJson, type PodTarget, type PodTargets,
} from './pod-targets';
export { podSource, podHttpOptions, type PodSourceOptions } from './pod-source';
export {
  DEFAULT_POD_DISCOVERY_INTERVAL_MS, PodDiscovery, type DiscoveryLogger, type PodDiscoveryOptions,
} from './pod-discovery';
