/**
 * deploy/: every manifest parses, has the kinds it should, and the pieces that must agree do
 * (flags and mounts, ConfigMap names and keys, RBAC subjects, replicas and members-count); the
 * embedded scrapewire configurations pass the project's own validation.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { memberNumFrom } from '../src/cluster/sharding';
import { parseConfig } from '../src/config/load';
import { parseWebConfig } from '../src/server/web-config';
import { REPO_ROOT } from './helpers/paths';

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are checked field by field */
type Manifest = Record<string, any>;

const DEPLOY = join(REPO_ROOT, 'deploy');

function load(file: string): Manifest[] {
  const docs = parseAllDocuments(readFileSync(join(DEPLOY, file), 'utf8'));
  if (!Array.isArray(docs)) throw new Error(`${file}: no documents`);
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0].message}`);
  }
  return docs.map((doc) => doc.toJS() as Manifest).filter((m) => m !== null);
}

function one(file: string, kind: string): Manifest {
  const found = load(file).filter((m) => m.kind === kind);
  expect(found).toHaveLength(1);
  return found[0];
}

/** The flags of a container's args as a map (`--name=value`), positional arguments under '' joined by spaces. */
function flags(container: Manifest): Map<string, string> {
  const map = new Map<string, string>();
  const positionals: string[] = [];
  for (const arg of container.args as string[]) {
    const match = /^--([^=]+)=(.*)$/.exec(arg);
    if (match === null) positionals.push(arg);
    else map.set(match[1], match[2]);
  }
  map.set('', positionals.join(' '));
  return map;
}

function envFieldRef(container: Manifest, name: string): string | undefined {
  return (container.env as Manifest[]).find((e) => e.name === name)?.valueFrom?.fieldRef?.fieldPath;
}

/** The mount of the volume that holds `path`, and that volume. */
function mountFor(pod: Manifest, container: Manifest, path: string): { mount: Manifest; volume: Manifest | undefined } {
  const mount = (container.volumeMounts as Manifest[]).find((m) => path === m.mountPath || path.startsWith(`${m.mountPath}/`));
  expect(mount).toBeDefined();
  return { mount: mount!, volume: (pod.volumes as Manifest[] | undefined)?.find((v) => v.name === mount!.name) };
}

const EXPECTED_KINDS: Record<string, string[]> = {
  'namespace.yaml': ['Namespace'],
  'rbac.yaml': ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding'],
  'configmap.yaml': ['ConfigMap'],
  'web-config.yaml': ['Secret'],
  'networkpolicy.yaml': ['NetworkPolicy'],
  'daemonset.yaml': ['DaemonSet'],
  'statefulset-config.yaml': ['ConfigMap'],
  'statefulset.yaml': ['Service', 'StatefulSet'],
  'kustomization.yaml': ['Kustomization'],
};

test('every deploy/*.yaml parses and has the kinds it should', () => {
  const files = readdirSync(DEPLOY).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml')).sort();
  expect(files).toEqual(Object.keys(EXPECTED_KINDS).sort());
  for (const file of files) {
    expect({ file, kinds: load(file).map((m) => m.kind) }).toEqual({ file, kinds: EXPECTED_KINDS[file] });
    for (const manifest of load(file)) {
      expect(typeof manifest.apiVersion).toBe('string');
      if (manifest.kind !== 'Kustomization') expect(manifest.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    }
  }
});

test('kustomization.yaml lists files that exist, the scale-out ones among its comments', () => {
  const kustomization = one('kustomization.yaml', 'Kustomization');
  for (const resource of kustomization.resources as string[]) expect(existsSync(join(DEPLOY, resource))).toBe(true);
  expect(kustomization.resources).toEqual(['namespace.yaml', 'rbac.yaml', 'configmap.yaml', 'web-config.yaml', 'networkpolicy.yaml', 'daemonset.yaml']);
  const text = readFileSync(join(DEPLOY, 'kustomization.yaml'), 'utf8');
  expect(text).toMatch(/^\s*# - statefulset\.yaml$/m);
  expect(text).toMatch(/^\s*# - statefulset-config\.yaml$/m);
});

describe('RBAC', () => {
  const role = one('rbac.yaml', 'ClusterRole');
  const grants = (resource: string, verb: string) =>
    (role.rules as Manifest[]).some((r) => (r.apiGroups ?? []).includes('') && (r.resources ?? []).includes(resource) && r.verbs.includes(verb));

  test('the ClusterRole can get nodes/metrics, nodes/proxy, nodes/stats and nodes, and nothing more', () => {
    for (const resource of ['nodes/metrics', 'nodes/proxy', 'nodes/stats', 'nodes']) expect(grants(resource, 'get')).toBe(true);
    for (const rule of role.rules as Manifest[]) expect(rule.verbs).toEqual(['get']);
    expect((role.rules as Manifest[]).some((r) => (r.nonResourceURLs ?? []).includes('/metrics'))).toBe(true);
  });

  test('the binding gives that role to the ServiceAccount both workloads run as', () => {
    const account = one('rbac.yaml', 'ServiceAccount');
    const binding = one('rbac.yaml', 'ClusterRoleBinding');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata.name });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: account.metadata.name, namespace: account.metadata.namespace }]);
    expect(one('daemonset.yaml', 'DaemonSet').spec.template.spec.serviceAccountName).toBe(account.metadata.name);
    expect(one('statefulset.yaml', 'StatefulSet').spec.template.spec.serviceAccountName).toBe(account.metadata.name);
  });
});

describe('DaemonSet', () => {
  const daemonSet = one('daemonset.yaml', 'DaemonSet');
  const pod = daemonSet.spec.template.spec;
  const container = pod.containers[0];
  const args = flags(container);

  test('runs the collector with the flags of the node-local setup', () => {
    expect(args.get('')).toBe('run');
    expect(args.get('config.file')).toBe('/etc/scrapewire/scrapewire.yml');
    expect(args.get('web.listen-address')).toBe(':9090');
    expect(args.get('web.config.file')).toBe('/etc/scrapewire-web/web.yml');
    expect(args.get('storage.path')).toBe('/var/lib/scrapewire');
    expect(args.get('node-ip')).toBe('$(NODE_IP)');
    expect(args.get('kube-state-url')).toBe('http://kube-state-metrics.kube-system.svc:8080/metrics');
    expect(args.get('enabled-plugins')).toBe('.+');
  });

  test('NODE_IP and NODE_NAME come from the downward API', () => {
    expect(envFieldRef(container, 'NODE_IP')).toBe('status.hostIP');
    expect(envFieldRef(container, 'NODE_NAME')).toBe('spec.nodeName');
  });

  test('the selector matches the pod template', () => {
    expect(daemonSet.spec.template.metadata.labels).toMatchObject(daemonSet.spec.selector.matchLabels);
  });

  test('probes hit /-/healthy and /-/ready on the port the server listens on', () => {
    const port = container.ports.find((p: Manifest) => p.name === container.livenessProbe.httpGet.port);
    expect(port.containerPort).toBe(Number(args.get('web.listen-address')!.split(':').pop()));
    expect(container.livenessProbe.httpGet.path).toBe('/-/healthy');
    expect(container.readinessProbe.httpGet.path).toBe('/-/ready');
    expect(container.readinessProbe.httpGet.port).toBe(port.name);
  });

  test('requests and limits for cpu and memory', () => {
    for (const kind of ['requests', 'limits']) {
      expect(container.resources[kind].cpu).toBeDefined();
      expect(container.resources[kind].memory).toBeDefined();
    }
  });

  test('runs as non-root with a read-only root filesystem, writing only to its storage volume', () => {
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).not.toBe(0);
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(container.securityContext.allowPrivilegeEscalation).toBe(false);
    const { mount, volume } = mountFor(pod, container, args.get('storage.path')!);
    expect(mount.readOnly).toBeFalsy();
    expect(volume?.emptyDir ?? volume?.hostPath).toBeDefined();
  });

  test('the config file is the key of the ConfigMap mounted at its directory', () => {
    const { mount, volume } = mountFor(pod, container, args.get('config.file')!);
    const configMap = one('configmap.yaml', 'ConfigMap');
    expect(volume?.configMap?.name).toBe(configMap.metadata.name);
    expect(Object.keys(configMap.data)).toContain(args.get('config.file')!.slice(mount.mountPath.length + 1));
  });
});

describe('web security of the node agent', () => {
  const daemonSet = one('daemonset.yaml', 'DaemonSet');
  const pod = daemonSet.spec.template.spec;
  const container = pod.containers[0];
  const args = flags(container);

  test('no lifecycle, debug or sink endpoints on a port the pod network reaches', () => {
    const all = container.args as string[];
    for (const flag of ['--web.enable-lifecycle', '--web.enable-debug', '--web.enable-sink']) {
      expect(all.some((arg) => arg === flag || arg.startsWith(`${flag}=`))).toBe(false);
    }
  });

  test('--web.config.file is a key of the web config Secret, mounted read-only at its directory', () => {
    const file = args.get('web.config.file')!;
    const { mount, volume } = mountFor(pod, container, file);
    const secret = one('web-config.yaml', 'Secret');
    expect(mount.readOnly).toBe(true);
    expect(volume?.secret?.secretName).toBe(secret.metadata.name);
    // Owner and group only; the pod's fsGroup makes the files readable by the non-root user.
    expect(volume?.secret?.defaultMode).toBe(0o440);
    expect(pod.securityContext.fsGroup).toBe(pod.securityContext.runAsGroup);
    expect(Object.keys(secret.stringData)).toContain(file.slice(mount.mountPath.length + 1));
  });

  test('its web.yml passes the web config validation and sets response headers', () => {
    const secret = one('web-config.yaml', 'Secret');
    const config = parseWebConfig(secret.stringData['web.yml'], '/etc/scrapewire-web/web.yml');
    expect(config.headers).toEqual({ 'X-Content-Type-Options': 'nosniff', 'X-Frame-Options': 'deny' });
    // Plain HTTP as shipped: the probes use httpGet without credentials or a scheme.
    expect(config.tls).toBeUndefined();
    expect(config.basicAuthUsers.size).toBe(0);
    expect(container.livenessProbe.httpGet.scheme ?? 'HTTP').toBe('HTTP');
  });

  test('the NetworkPolicy selects the agent pods and lets only the monitoring namespace reach the web port', () => {
    const policy = one('networkpolicy.yaml', 'NetworkPolicy');
    expect(daemonSet.spec.template.metadata.labels).toMatchObject(policy.spec.podSelector.matchLabels);
    expect(policy.spec.policyTypes).toEqual(['Ingress']);
    expect(policy.spec.ingress).toHaveLength(1);
    const [rule] = policy.spec.ingress as Manifest[];
    // An empty or absent `from` would admit every source.
    expect(rule.from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': daemonSet.metadata.namespace } } }]);
    const port = container.ports.find((p: Manifest) => p.name === rule.ports[0].port || p.containerPort === rule.ports[0].port);
    expect(rule.ports).toHaveLength(1);
    expect(port?.containerPort).toBe(Number(args.get('web.listen-address')!.split(':').pop()));
    expect(rule.ports[0].protocol).toBe('TCP');
  });
});

describe('the node-local ConfigMap', () => {
  const configMap = one('configmap.yaml', 'ConfigMap');
  const text: string = configMap.data['scrapewire.yml'];

  test('its scrapewire.yml passes parseConfig', () => {
    const config = parseConfig(text, '/etc/scrapewire/scrapewire.yml');
    expect(config.warnings).toEqual([]);
    expect(config.sources.map((s) => [s.name, s.kind])).toEqual([
      ['kubelet', 'kubelet'], ['cadvisor', 'cadvisor'], ['kube-state-metrics', 'kube-state-metrics'], ['pods', 'pods'],
    ]);
    expect(config.scrape_configs.map((j) => j.source)).toEqual(['kubelet', 'cadvisor', 'kube-state-metrics', 'pods']);
    expect(config.plugins.enabled).toBe('.+');
    expect(config.remote_write).toHaveLength(1);
  });

  test('the kubelet sources use https://$(NODE_IP):10250 with the service-account token and CA', () => {
    const config = parseConfig(text, '/etc/scrapewire/scrapewire.yml');
    const byName = new Map(config.sources.map((s) => [s.name, s]));
    const paths: Record<string, string> = { kubelet: '/metrics', cadvisor: '/metrics/cadvisor', pods: '/pods' };
    for (const [name, path] of Object.entries(paths)) {
      const source = byName.get(name)!;
      expect(source.url).toBe(`https://$(NODE_IP):10250${path}`);
      expect(source.authorization).toEqual({ type: 'Bearer', credentials_file: '/var/run/secrets/kubernetes.io/serviceaccount/token' });
      expect(source.tls_config.ca_file).toBe('/var/run/secrets/kubernetes.io/serviceaccount/ca.crt');
    }
    expect(byName.get('kube-state-metrics')!.url).toBe('http://kube-state-metrics.kube-system.svc:8080/metrics');
  });

  test('with the node IP substituted, as run does with --node-ip, the URLs point at the node', () => {
    const config = parseConfig(text.replaceAll('$(NODE_IP)', '10.1.2.3'), '/etc/scrapewire/scrapewire.yml');
    const kubelet = config.sources.filter((s) => s.kind !== 'kube-state-metrics');
    expect(kubelet.map((s) => new URL(s.url!).host)).toEqual(['10.1.2.3:10250', '10.1.2.3:10250', '10.1.2.3:10250']);
  });
});

describe('scale-out StatefulSet', () => {
  const statefulSet = one('statefulset.yaml', 'StatefulSet');
  const service = one('statefulset.yaml', 'Service');
  const pod = statefulSet.spec.template.spec;
  const container = pod.containers[0];
  const args = flags(container);

  test('--cluster.members-count equals replicas and the member number comes from the pod name', () => {
    const replicas: number = statefulSet.spec.replicas;
    expect(replicas).toBeGreaterThan(1);
    expect(args.get('')).toBe('run');
    expect(args.get('cluster.members-count')).toBe(String(replicas));
    expect(args.get('cluster.member-num')).toBe('$(POD_NAME)');
    expect(envFieldRef(container, 'POD_NAME')).toBe('metadata.name');
    // The names the StatefulSet gives its pods map to 0..N-1.
    const names = Array.from({ length: replicas }, (_, i) => `${statefulSet.metadata.name}-${i}`);
    expect(names.map(memberNumFrom)).toEqual(Array.from({ length: replicas }, (_, i) => i));
  });

  test('its governing Service is headless and selects its pods', () => {
    expect(statefulSet.spec.serviceName).toBe(service.metadata.name);
    expect(service.spec.clusterIP).toBe('None');
    expect(statefulSet.spec.template.metadata.labels).toMatchObject(service.spec.selector);
    expect(statefulSet.spec.template.metadata.labels).toMatchObject(statefulSet.spec.selector.matchLabels);
  });

  test('the DaemonSet and the StatefulSet select different pods', () => {
    const daemonSetLabels = one('daemonset.yaml', 'DaemonSet').spec.template.metadata.labels;
    const matches = Object.entries(statefulSet.spec.selector.matchLabels).every(([k, v]) => daemonSetLabels[k] === v);
    expect(matches).toBe(false);
  });

  test('storage and config are mounted where the flags say', () => {
    const storage = (container.volumeMounts as Manifest[]).find((m) => m.mountPath === args.get('storage.path'));
    expect(statefulSet.spec.volumeClaimTemplates.map((t: Manifest) => t.metadata.name)).toContain(storage?.name);
    const { volume } = mountFor(pod, container, args.get('config.file')!);
    expect(volume?.configMap?.name).toBe(one('statefulset-config.yaml', 'ConfigMap').metadata.name);
    expect(container.livenessProbe.httpGet.path).toBe('/-/healthy');
    expect(container.readinessProbe.httpGet.path).toBe('/-/ready');
  });

  test('its scrapewire.yml passes parseConfig and writes to a VictoriaMetrics cluster vminsert', () => {
    const configMap = one('statefulset-config.yaml', 'ConfigMap');
    const config = parseConfig(configMap.data['scrapewire.yml'], '/etc/scrapewire/scrapewire.yml');
    expect(config.warnings).toEqual([]);
    expect(config.remote_write).toHaveLength(1);
    expect(config.remote_write[0].url).toMatch(/^http:\/\/vminsert[^/]*:8480\/insert\/\d+\/prometheus\/api\/v1\/write$/);
    // The file_sd file it names is a key of the same ConfigMap, so it is mounted beside the config.
    const files = config.scrape_configs.flatMap((j) => j.file_sd_configs.flatMap((f) => f.files));
    expect(files).toEqual(['/etc/scrapewire/targets.yaml']);
    const groups = parseAllDocuments(configMap.data['targets.yaml']);
    expect(Array.isArray(groups) && groups[0].errors).toEqual([]);
  });
});

test('the Dockerfile builds the binary on node:20-bookworm-slim and ships only it, as a non-root user', () => {
  const text = readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8');
  const stages = text.split(/^FROM /m).slice(1);
  expect(stages).toHaveLength(2);
  expect(stages[0]).toMatch(/^node:20-bookworm-slim AS build/);
  expect(stages[0]).toMatch(/^RUN npm ci\b/m);
  expect(stages[0]).toMatch(/^RUN npm run build:binary$/m);
  expect(stages[1].match(/^COPY .*$/gm)).toEqual(['COPY --from=build /src/dist/sea/scrapewire /usr/local/bin/scrapewire']);
  expect(stages[1]).toMatch(/^USER (?!0\b|root\b)\S+$/m);
  expect(stages[1]).toMatch(/^ENTRYPOINT \["\/usr\/local\/bin\/scrapewire"\]$/m);
});
