/**
 * deploy/: every manifest parses, has the kinds it should, and the pieces that must agree do
 * (flags and mounts, ConfigMap names and keys, RBAC subjects, replicas and members-count); the
 * embedded scrapewire configurations pass the project's own validation.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { memberNumFrom } from '../src/cluster/sharding';
import { validateForRun } from '../src/cli/check';
import { parseConfig } from '../src/config/load';
import { parseWebConfig } from '../src/server/web-config';
import { REPO_ROOT } from './helpers/paths';
import { unknownFieldsOf, validateManifests, type KubernetesManifest } from './deploy/kubernetes-schemas';

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
  'rbac.yaml': ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding'],
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

describe('every manifest against the Kubernetes API schemas (kubernetes-models)', () => {
  const manifests = readdirSync(DEPLOY).filter((f) => f.endsWith('.yaml')).sort()
    .flatMap((file) => load(file).filter((m) => m.kind !== 'Kustomization').map((m) => ({ file, manifest: m as KubernetesManifest })));
  const named = (i: number) => `${manifests[i].file}: ${manifests[i].manifest.kind} ${String((manifests[i].manifest.metadata as Manifest)?.name)}`;

  test('the validators accept each one', () => {
    expect(manifests.length).toBe(14);
    const errors = validateManifests(manifests.map((m) => m.manifest));
    expect(errors.map((list, i) => [named(i), list])).toEqual(manifests.map((_m, i) => [named(i), []]));
  });

  test('no manifest has a field the API does not have', () => {
    const problems = unknownFieldsOf(manifests.map((m) => m.manifest));
    expect(problems.map((list, i) => [named(i), list])).toEqual(manifests.map((_m, i) => [named(i), []]));
  });

  test('a broken DaemonSet is caught: a misspelt field, a port that is no number, a missing selector', () => {
    const daemonSet = structuredClone(one('daemonset.yaml', 'DaemonSet')) as KubernetesManifest & Manifest;
    const typo = structuredClone(daemonSet);
    typo.spec.template.spec.serviceAcountName = typo.spec.template.spec.serviceAccountName;
    const port = structuredClone(daemonSet);
    port.spec.template.spec.containers[0].ports[0].containerPort = 'http';
    const noSelector = structuredClone(daemonSet);
    delete noSelector.spec.selector;
    const [typoFields, portFields] = unknownFieldsOf([typo, port]);
    expect(typoFields.join()).toContain("'\"serviceAcountName\"' does not exist in type 'IPodSpec'");
    expect(portFields.join()).toContain("Type 'string' is not assignable to type 'number'");
    const [, portErrors, selectorErrors] = validateManifests([typo, port, noSelector]);
    expect(portErrors.join()).toContain('containerPort must be integer');
    expect(selectorErrors.join()).toContain("must have required property 'selector'".replace(/'/g, ''));
  });
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
  const all = load('rbac.yaml');
  const byName = (kind: string, name: string) => all.find((m) => m.kind === kind && m.metadata.name === name)!;
  const nodeRole = byName('ClusterRole', 'scrapewire-node');
  const clusterRole = byName('ClusterRole', 'scrapewire-cluster');
  const rulesOf = (role: Manifest) => (role.rules as Manifest[]).flatMap((rule) =>
    [...(rule.resources ?? []).map((r: string) => `${(rule.apiGroups as string[]).join(',')}/${r}`), ...(rule.nonResourceURLs ?? [])]
      .flatMap((what: string) => (rule.verbs as string[]).map((verb) => `${verb} ${what}`)));

  test('the node agent may get its kubelet\'s metrics and pod list, and nothing else: no nodes/proxy', () => {
    expect(rulesOf(nodeRole).sort()).toEqual(['get /nodes/metrics', 'get /nodes/pods']);
  });

  test('the scale-out group may list and watch what endpoint discovery reads, and get the API server\'s /metrics', () => {
    expect(rulesOf(clusterRole).sort()).toEqual([
      'get /metrics', 'list /endpoints', 'list /pods', 'list /services', 'list discovery.k8s.io/endpointslices',
      'watch /endpoints', 'watch /pods', 'watch /services', 'watch discovery.k8s.io/endpointslices',
    ]);
  });

  test('no role grants nodes/proxy, a wildcard, or a verb that writes', () => {
    for (const role of all.filter((m) => m.kind === 'ClusterRole')) {
      for (const rule of role.rules as Manifest[]) {
        expect(rule.resources ?? []).not.toContain('nodes/proxy');
        for (const field of ['apiGroups', 'resources', 'verbs', 'nonResourceURLs']) expect(rule[field] ?? []).not.toContain('*');
        for (const verb of rule.verbs as string[]) expect(['get', 'list', 'watch']).toContain(verb);
      }
    }
  });

  test('each workload runs as its own ServiceAccount, bound to its own role', () => {
    const pairs: Array<[string, string, Manifest]> = [
      ['daemonset.yaml', 'DaemonSet', nodeRole],
      ['statefulset.yaml', 'StatefulSet', clusterRole],
    ];
    for (const [file, kind, role] of pairs) {
      const accountName = one(file, kind).spec.template.spec.serviceAccountName;
      const account = byName('ServiceAccount', accountName);
      const bindings = all.filter((m) => m.kind === 'ClusterRoleBinding'
        && (m.subjects as Manifest[]).some((s) => s.kind === 'ServiceAccount' && s.name === accountName));
      expect(bindings).toHaveLength(1);
      expect(bindings[0].roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata.name });
      expect(bindings[0].subjects).toEqual([{ kind: 'ServiceAccount', name: accountName, namespace: account.metadata.namespace }]);
    }
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
    expect([...args.keys()].sort()).toEqual(['', 'config.file', 'storage.path', 'web.config.file', 'web.listen-address']);
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
  const env = { NODE_IP: '10.1.2.3', NODE_NAME: 'node-a' };
  const SA = '/var/run/secrets/kubernetes.io/serviceaccount';

  test('its scrapewire.yml passes the validation run does, with the node from the environment', () => {
    const config = parseConfig(text, '/etc/scrapewire/scrapewire.yml', { env });
    validateForRun(config);
    expect(config.warnings).toEqual([]);
    expect(config.scrape_configs.map((j) => j.job_name)).toEqual(['kubelet', 'cadvisor', 'kubelet-probes', 'kubernetes-pods', 'kube-state-metrics']);
    expect(config.plugins.enabled).toBe('.+');
    expect(config.remote_write).toHaveLength(1);
  });

  test('without NODE_IP it does not load, naming the variable', () => {
    expect(() => parseConfig(text, '/etc/scrapewire/scrapewire.yml', { env: { NODE_NAME: 'node-a' } })).toThrow(/NODE_IP/);
  });

  test('the kubelet jobs scrape https://${NODE_IP}:10250 with the service-account token and CA, labelled with the node', () => {
    const config = parseConfig(text, '/etc/scrapewire/scrapewire.yml', { env });
    const paths: Record<string, string> = { kubelet: '/metrics', cadvisor: '/metrics/cadvisor', 'kubelet-probes': '/metrics/probes' };
    for (const [name, path] of Object.entries(paths)) {
      const job = config.scrape_configs.find((j) => j.job_name === name)!;
      expect(job).toMatchObject({ scheme: 'https', metrics_path: path });
      expect(job.static_configs).toEqual([{ targets: ['10.1.2.3:10250'], labels: { instance: 'node-a', node: 'node-a' } }]);
      expect(job.authorization).toEqual({ type: 'Bearer', credentials_file: `${SA}/token` });
      expect(job.tls_config.ca_file).toBe(`${SA}/ca.crt`);
    }
  });

  test('pods and kube-state-metrics come from this node\'s kubelet (/pods), with the same credentials', () => {
    const config = parseConfig(text, '/etc/scrapewire/scrapewire.yml', { env });
    for (const name of ['kubernetes-pods', 'kube-state-metrics']) {
      const job = config.scrape_configs.find((j) => j.job_name === name)!;
      expect(job.kubelet_sd_configs).toHaveLength(1);
      expect(job.kubelet_sd_configs![0]).toMatchObject({ url: 'https://10.1.2.3:10250', authorization: { credentials_file: `${SA}/token` } });
      expect(job.kubelet_sd_configs![0].tls_config.ca_file).toBe(`${SA}/ca.crt`);
      expect(job.kubernetes_sd_configs).toEqual([]);
    }
    expect(config.scrape_configs.find((j) => j.job_name === 'kube-state-metrics')!.honor_labels).toBe(true);
  });

  test('the fallback deploy/README.md gives for Kubernetes before 1.33 loads: pods through the API server, this node only', () => {
    const readme = readFileSync(join(DEPLOY, 'README.md'), 'utf8');
    const snippet = /\*\*Kubernetes before 1\.33\.\*\*[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme)![1];
    // Edited in configmap.yaml as the README says, then read as Kubernetes mounts it.
    const file = readFileSync(join(DEPLOY, 'configmap.yaml'), 'utf8');
    const kubeletSd = /^ {8}kubelet_sd_configs:\n(?: {10}.*\n)+/gm;
    expect(file.match(kubeletSd)).toHaveLength(2);
    const edited = (parseAllDocuments(file.replace(kubeletSd, snippet)) as unknown as Array<{ toJS(): Manifest }>)[0].toJS();
    const config = parseConfig(edited.data['scrapewire.yml'], '/etc/scrapewire/scrapewire.yml', { env });
    validateForRun(config);
    for (const name of ['kubernetes-pods', 'kube-state-metrics']) {
      const job = config.scrape_configs.find((j) => j.job_name === name)!;
      expect(job.kubelet_sd_configs).toEqual([]);
      expect(job.kubernetes_sd_configs!.map((sd) => [sd.role, sd.api_server, sd.selectors])).toEqual([['pod', undefined, [{ role: 'pod', field: 'spec.nodeName=node-a' }]]]);
    }
  });

  test('every job has the limits, inherited from global or its own', () => {
    const config = parseConfig(text, '/etc/scrapewire/scrapewire.yml', { env });
    for (const job of config.scrape_configs) {
      for (const limit of ['sample_limit', 'label_limit', 'label_name_length_limit', 'label_value_length_limit', 'body_size_limit'] as const) {
        expect({ job: job.job_name, limit, positive: job[limit] > 0 }).toEqual({ job: job.job_name, limit, positive: true });
      }
    }
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

  test('its scrapewire.yml passes the validation run does, discovers in-cluster and writes to a VictoriaMetrics cluster vminsert', () => {
    const configMap = one('statefulset-config.yaml', 'ConfigMap');
    const config = parseConfig(configMap.data['scrapewire.yml'], '/etc/scrapewire/scrapewire.yml', { env: {} });
    validateForRun(config);
    expect(config.warnings).toEqual([]);
    expect(config.scrape_configs.map((j) => j.job_name)).toEqual(['apiserver', 'coredns', 'kubernetes-service-endpoints']);
    for (const job of config.scrape_configs) {
      // In-cluster: no api_server, no kubeconfig.
      expect(job.kubernetes_sd_configs!.map((sd) => [sd.api_server, sd.kubeconfig_file])).toEqual([[undefined, undefined]]);
    }
    expect(config.remote_write).toHaveLength(1);
    expect(config.remote_write[0].url).toMatch(/^http:\/\/vminsert[^/]*:8480\/insert\/\d+\/prometheus\/api\/v1\/write$/);
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

test('the image runs the binary with the node flags and environment npm start passes (NODE_OPTIONS: a single executable takes no others)', () => {
  const text = readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8');
  const runtime = text.split(/^FROM /m)[2];
  const nodeOptions = /^ENV NODE_OPTIONS="([^"]*)"$/m.exec(runtime)?.[1];
  const start = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start;
  const parts = /^((?:[A-Z_]+=\S+ )*)node((?: --\S+)*) dist\/bundle\/scrapewire\.cjs run$/.exec(start);
  expect(parts).not.toBeNull();
  expect(nodeOptions).toBe(parts![2].trim());
  // The environment npm start sets (GLIBC_TUNABLES: malloc gives memory back), set by the image too.
  const startEnv = Object.fromEntries(parts![1].trim().split(/\s+/).filter((w) => w !== '').map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]));
  const imageEnv = Object.fromEntries([...runtime.matchAll(/^ENV ([A-Z_]+)="([^"]*)"$/gm)].filter((m) => m[1] !== 'NODE_OPTIONS').map((m) => [m[1], m[2]]));
  expect(imageEnv).toEqual(startEnv);
});
