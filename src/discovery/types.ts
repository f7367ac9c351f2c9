/**
 * The contract between service discovery and the scrape manager, as Prometheus's discovery
 * package has it: a provider emits target groups, each named by a `source` unique within the
 * provider; a later group with the same source replaces the earlier one, and a group with no
 * targets removes it. Every kind of discovery (static_configs, file_sd, http_sd, kubernetes_sd,
 * kubelet_sd) is a provider, and the ScrapeManager consumes them all the same way.
 */
import type { Logger } from '../logger';

/** Label name to value. Target labels carry `__address__`; both carry `__meta_*` labels. */
export type LabelSet = Record<string, string>;

/** A group of targets as a provider found them, with its labels. */
export interface DiscoveredGroup {
  /** Unique within its provider (`pod/<namespace>/<name>`, `<file>:<index>`, `<url>:<index>`). */
  source: string;
  /** One label set per target; a target's label wins over the group's label of the same name. */
  targets: LabelSet[];
  /** Labels shared by every target of the group. */
  labels: LabelSet;
  /** Targets max_targets_per_pod kept out of this group (counted and logged by the job). */
  podCapDropped?: number;
}

/** Receives changed groups; a group with an empty `targets` list means "gone". */
export type GroupsListener = (groups: DiscoveredGroup[]) => void;

/** A source of target groups: static_configs, file_sd, http_sd, kubernetes_sd, kubelet_sd. */
export interface DiscoveryProvider {
  /** Where the provider sits in the config, for logs and metrics (`kubernetes_sd_configs[0]`). */
  readonly name: string;
  /**
   * Starts discovering. Resolves after the first attempt: the initial groups were delivered
   * through `onGroups`, or the first attempt failed (and was reported); later updates and
   * retries go on in the background until stop().
   */
  start(onGroups: GroupsListener): Promise<void>;
  /** Stops every request and timer; no `onGroups` call after it resolves. */
  stop(): Promise<void>;
}

/** Shared by every provider of a ScrapeManager. */
export interface DiscoveryContext {
  logger: Logger;
  /** Reported once per failure, with the provider's name; the last good groups stay in force. */
  onError(provider: string, error: Error): void;
  /** The environment (in-cluster configuration reads KUBERNETES_SERVICE_HOST/PORT). */
  env: Record<string, string | undefined>;
  /** Where the pod's service-account token, CA and namespace are mounted. */
  serviceAccountDir: string;
}

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
