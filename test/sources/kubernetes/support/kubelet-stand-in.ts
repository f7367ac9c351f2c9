/**
 * A kubelet stand-in on 127.0.0.1: HTTPS with a certificate made by the openssl CLI, serving
 * /pods (a PodList), /metrics/cadvisor (the real cAdvisor fixture of nri-kubernetes, 1.35) and
 * /metrics, and refusing any request whose bearer token is not the accepted one (401), as the
 * kubelet's authenticating webhook does.
 *
 * The agent side lives under `rootPath`: the service-account directory with the CA and a token
 * file, replaced the way Kubernetes rotates it (a new file renamed over the old one).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { FIXTURES_DIR } from '../../../helpers/paths';
import { createTestPki, type TestPki } from '../../../scrape/support/certificates';
import { startHttpsServer, type LoopbackServer } from '../../../scrape/support/loopback-server';
import type { NodeSettings } from '../../../../src/sources/kubernetes/node-settings';

export const CADVISOR_FIXTURE = join(FIXTURES_DIR, 'exposition/nri-kubernetes/internal/testutil/data/1_35/kubelet/metrics/cadvisor');
export const KUBELET_METRICS = '# TYPE kubelet_running_pods gauge\nkubelet_running_pods 11\n';
const SA_DIR = 'var/run/secrets/kubernetes.io/serviceaccount';

export interface KubeletStandIn {
  server: LoopbackServer;
  pki: TestPki;
  rootPath: string;
  /** Node settings pointing at the stand-in, credentials under rootPath. */
  node: NodeSettings;
  /** The PodList served at /pods; replace or mutate between polls. */
  podList: { kind: string; apiVersion: string; items: unknown[] };
  /** The token the server accepts. */
  acceptedToken: string;
  /** Authorization headers seen, in order. */
  authorizations(): string[];
  /** Rotates the agent's token file (a new inode, as a symlink swap gives). */
  writeToken(token: string): void;
  close(): Promise<void>;
}

export async function startKubeletStandIn(): Promise<KubeletStandIn> {
  const pki = createTestPki();
  const rootPath = mkdtempSync(join(tmpdir(), 'scrapewire-node-'));
  mkdirSync(join(rootPath, SA_DIR), { recursive: true });
  writeFileSync(join(rootPath, SA_DIR, 'ca.crt'), pki.read(pki.caFile));
  const tokenPath = join(rootPath, SA_DIR, 'token');
  const writeToken = (token: string) => {
    const next = `${tokenPath}.next`;
    writeFileSync(next, `${token}\n`);
    renameSync(next, tokenPath);
  };
  writeToken('token-1');
  const cadvisor = readFileSync(CADVISOR_FIXTURE);

  const standIn = {
    pki,
    rootPath,
    podList: { kind: 'PodList', apiVersion: 'v1', items: [] as unknown[] },
    acceptedToken: 'token-1',
    writeToken,
  } as Partial<KubeletStandIn> as KubeletStandIn;

  const server = await startHttpsServer(
    { cert: pki.read(pki.serverCertFile), key: pki.read(pki.serverKeyFile) },
    (req, res) => {
      if (req.headers.authorization !== `Bearer ${standIn.acceptedToken}`) {
        res.writeHead(401, { 'content-type': 'text/plain' });
        res.end('Unauthorized');
        return;
      }
      const path = (req.url ?? '').split('?')[0];
      if (path === '/pods') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(standIn.podList));
      } else if (path === '/metrics/cadvisor') {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
        res.end(cadvisor);
      } else if (path === '/metrics') {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
        res.end(KUBELET_METRICS);
      } else {
        res.writeHead(404);
        res.end();
      }
    },
  );
  standIn.server = server;
  standIn.node = { nodeIp: '127.0.0.1', kubeletPort: Number(new URL(server.origin).port), rootPath, nodeName: 'datagen-1-35' };
  standIn.authorizations = () => server.requests.map((r) => String(r.headers.authorization));
  standIn.close = async () => {
    await server.close();
    pki.remove();
    rmSync(rootPath, { recursive: true, force: true });
  };
  return standIn;
}

/** A v1 Pod as the kubelet lists it, with only the fields discovery reads (plus some noise). */
export function pod(options: {
  namespace?: string;
  name: string;
  phase?: string;
  podIP?: string;
  annotations?: Record<string, string>;
  containers?: { name: string; ports?: { containerPort: number; protocol?: string; name?: string }[] }[];
}): unknown {
  return {
    metadata: { name: options.name, namespace: options.namespace ?? 'default', uid: `uid-${options.name}`, annotations: options.annotations ?? {} },
    spec: {
      nodeName: 'datagen-1-35',
      containers: (options.containers ?? [{ name: 'app' }]).map((c) => ({ image: 'example/app:1', ...c })),
      initContainers: [{ name: 'init', ports: [{ containerPort: 7777 }] }],
    },
    status: { phase: options.phase ?? 'Running', podIP: options.podIP ?? '10.244.0.10', hostIP: '127.0.0.1' },
  };
}
