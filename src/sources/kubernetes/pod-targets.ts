/**
 * Scrape targets from the kubelet's pod list (`GET /pods`, a v1 PodList of this node's pods),
 * following the `prometheus.io/*` annotation convention of Prometheus' example
 * `kubernetes-pods` job:
 *
 *   prometheus.io/scrape: "true"     required, exactly "true"
 *   prometheus.io/port:   "9102"     the port to scrape (see below)
 *   prometheus.io/path:   "/metrics" default /metrics
 *   prometheus.io/scheme: "http"     http (default) or https
 *
 * Only pods in phase Running with a podIP are scraped (a Pending pod has no endpoint yet; a
 * Succeeded or Failed one has none any more).
 *
 * Ports, as in Prometheus (the pod role makes one target per declared container port, and the
 * example job rewrites the address to the annotated port):
 *   - with `prometheus.io/port`: one target, on that port. Its `container` label is the
 *     container declaring that port, else the only container of a single-container pod, else ''.
 *   - without it: one target per TCP port declared by the pod's containers (init containers
 *     excluded), labelled with the declaring container. A pod declaring no port yields nothing:
 *     there is no address to guess.
 *
 * Each target carries the labels `namespace`, `pod` and `container`. A pod with an invalid
 * annotation is skipped and reported in `problems`, never guessed at.
 */
import { hostForUrl } from './node-settings';

export const ANNOTATION_SCRAPE = 'prometheus.io/scrape';
export const ANNOTATION_PORT = 'prometheus.io/port';
export const ANNOTATION_PATH = 'prometheus.io/path';
export const ANNOTATION_SCHEME = 'prometheus.io/scheme';

/** The fields of a v1 Pod this module reads. */
export interface PodJson {
  metadata?: { name?: string; namespace?: string; annotations?: Record<string, string> | null };
  spec?: { containers?: ContainerJson[] | null };
  status?: { phase?: string; podIP?: string };
}

interface ContainerJson {
  name?: string;
  ports?: { containerPort?: number; protocol?: string; name?: string }[] | null;
}

export interface PodTarget {
  /** `<namespace>/<pod>/<container>:<port>`: unique on the node, stable while the pod lives. */
  id: string;
  /** The URL to scrape, e.g. http://10.244.0.12:8080/metrics */
  url: string;
  namespace: string;
  pod: string;
  container: string;
  port: number;
  scheme: 'http' | 'https';
  path: string;
  /** The target labels: namespace, pod, container (container omitted when unknown). */
  labels: Record<string, string>;
}

export interface PodTargets {
  /** Sorted by id. */
  targets: PodTarget[];
  /** One message per annotated pod that was skipped because of a bad annotation. */
  problems: string[];
}

/** The targets of a PodList (the parsed JSON body of the kubelet's /pods). */
export function podTargets(podList: unknown): PodTargets {
  const items = (podList as { items?: unknown } | null)?.items;
  const targets: PodTarget[] = [];
  const problems: string[] = [];
  if (!Array.isArray(items)) {
    problems.push('the pod list has no items array');
    return { targets, problems };
  }
  for (const pod of items as PodJson[]) {
    const annotations = pod?.metadata?.annotations ?? {};
    if (annotations[ANNOTATION_SCRAPE] !== 'true') continue;
    if (pod.status?.phase !== 'Running' || !pod.status.podIP) continue;
    const namespace = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    const where = `pod ${namespace}/${name}`;

    const scheme = annotations[ANNOTATION_SCHEME] ?? 'http';
    if (scheme !== 'http' && scheme !== 'https') {
      problems.push(`${where}: ${ANNOTATION_SCHEME} must be http or https, not ${JSON.stringify(scheme)}`);
      continue;
    }
    let path = annotations[ANNOTATION_PATH] ?? '/metrics';
    if (path === '') path = '/metrics';
    if (!path.startsWith('/')) path = `/${path}`;

    const containers = (pod.spec?.containers ?? []).filter((c): c is ContainerJson => c !== null && typeof c === 'object');
    const ports: { port: number; container: string }[] = [];
    const annotatedPort = annotations[ANNOTATION_PORT];
    if (annotatedPort !== undefined) {
      const port = /^\d{1,5}$/.test(annotatedPort) ? Number(annotatedPort) : NaN;
      if (!(port >= 1 && port <= 65535)) {
        problems.push(`${where}: ${ANNOTATION_PORT} must be a port number (1-65535), not ${JSON.stringify(annotatedPort)}`);
        continue;
      }
      const declaring = containers.find((c) => (c.ports ?? []).some((p) => p?.containerPort === port));
      const container = declaring?.name ?? (containers.length === 1 ? (containers[0].name ?? '') : '');
      ports.push({ port, container });
    } else {
      for (const container of containers) {
        for (const declared of container.ports ?? []) {
          const port = declared?.containerPort;
          if ((declared.protocol ?? 'TCP') !== 'TCP' || typeof port !== 'number' || !(port >= 1 && port <= 65535)) continue;
          ports.push({ port, container: container.name ?? '' });
        }
      }
    }

    const host = hostForUrl(pod.status.podIP);
    for (const { port, container } of ports) {
      const labels: Record<string, string> = { namespace, pod: name };
      if (container !== '') labels.container = container;
      targets.push({
        id: `${namespace}/${name}/${container}:${port}`,
        // Concatenated, not resolved: a path like `//other-host/` must not change the host.
        url: new URL(`${scheme}://${host}:${port}${path}`).href,
        namespace,
        pod: name,
        container,
        port,
        scheme,
        path,
        labels,
      });
    }
  }
  targets.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { targets, problems };
}
