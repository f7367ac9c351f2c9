/**
 * A kubelet stand-in for one node, speaking what a node agent reads from a real one, over HTTPS
 * with a certificate from the test PKI and a bearer token checked on every request (401
 * otherwise, as the kubelet's webhook authentication answers):
 *
 * - `/pods`: the PodList of the pods on the node (objects as the API stand-in builds them:
 *   test/support/kube-apiserver/objects.ts);
 * - `/metrics`: the kubelet's own metrics (`kubelet_running_pods`, `kubelet_node_name`);
 * - `/metrics/cadvisor`: the real cAdvisor page of nri-kubernetes's 1.35 fixture;
 * - `/metrics/probes`: `prober_probe_total` per container of each running pod.
 *
 * It listens on any loopback address and port (a node's `IP:10250` can be `127.0.10.1:10250`,
 * so several nodes run side by side). Every request is recorded with its path and token.
 */
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { FIXTURES_DIR } from '../../helpers/paths';
import type { Json } from '../../support/kube-apiserver/objects';
import { createTestPki, type TestPki } from '../../scrape/support/certificates';

export const CADVISOR_FIXTURE = join(FIXTURES_DIR, 'exposition/nri-kubernetes/internal/testutil/data/1_35/kubelet/metrics/cadvisor');

export interface NodeKubeletOptions {
  nodeName: string;
  /** Default 127.0.0.1. */
  ip?: string;
  /** Default 0: a free port. */
  port?: number;
  /** Default: a PKI of its own whose server certificate is valid for `ip`. */
  pki?: TestPki;
  /** The service-account token it accepts. Default 'token-1'. */
  token?: string;
}

export interface SeenKubeletRequest {
  path: string;
  authorization?: string;
}

export class NodeKubelet {
  /** The pods on this node, as /pods lists them; replace between polls. */
  pods: Json[] = [];
  acceptedToken: string;
  readonly requests: SeenKubeletRequest[] = [];
  private readonly cadvisor = readFileSync(CADVISOR_FIXTURE);

  private constructor(private readonly server: https.Server, readonly pki: TestPki, private readonly ownPki: boolean, readonly nodeName: string, token: string) {
    this.acceptedToken = token;
  }

  static async start(options: NodeKubeletOptions): Promise<NodeKubelet> {
    const ip = options.ip ?? '127.0.0.1';
    const pki = options.pki ?? createTestPki({ serverIps: [ip] });
    let kubelet!: NodeKubelet;
    const server = https.createServer({ cert: pki.read(pki.serverCertFile), key: pki.read(pki.serverKeyFile) }, (req, res) => kubelet.handle(req.url ?? '', req.headers.authorization, res));
    kubelet = new NodeKubelet(server, pki, options.pki === undefined, options.nodeName, options.token ?? 'token-1');
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, ip, () => resolve());
    });
    return kubelet;
  }

  /** `IP:port`, as a node's kubelet endpoint. */
  get address(): string {
    const { address, port } = this.server.address() as AddressInfo;
    return `${address}:${port}`;
  }

  get origin(): string {
    return `https://${this.address}`;
  }

  /** Requests for a path so far. */
  count(path: string): number {
    return this.requests.filter((r) => r.path === path).length;
  }

  /** Writes a service-account directory (token, ca.crt, namespace) the way Kubernetes mounts one. */
  writeServiceAccount(dir: string, namespace = 'monitoring'): void {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'token'), this.acceptedToken);
    writeFileSync(join(dir, 'ca.crt'), this.pki.read(this.pki.caFile));
    writeFileSync(join(dir, 'namespace'), namespace);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (this.ownPki) this.pki.remove();
  }

  private handle(url: string, authorization: string | undefined, res: import('node:http').ServerResponse): void {
    const path = url.split('?')[0];
    this.requests.push({ path, authorization });
    if (authorization !== `Bearer ${this.acceptedToken}`) {
      res.writeHead(401, { 'content-type': 'text/plain' });
      res.end('Unauthorized');
      return;
    }
    const text = (body: string | Buffer) => {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(body);
    };
    const running = this.pods.filter((pod) => (pod.status as Json | undefined)?.phase === 'Running');
    switch (path) {
      case '/pods':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items: this.pods }));
        return;
      case '/metrics':
        text([
          '# HELP kubelet_running_pods Number of pods that have a running pod sandbox',
          '# TYPE kubelet_running_pods gauge',
          `kubelet_running_pods ${running.length}`,
          '# HELP kubelet_node_name The node\'s name. The count is always 1.',
          '# TYPE kubelet_node_name gauge',
          `kubelet_node_name{node="${this.nodeName}"} 1`,
          '',
        ].join('\n'));
        return;
      case '/metrics/cadvisor':
        text(this.cadvisor);
        return;
      case '/metrics/probes': {
        const lines = ['# HELP prober_probe_total Cumulative number of a liveness, readiness or startup probe for a container by result.', '# TYPE prober_probe_total counter'];
        for (const pod of running) {
          const metadata = pod.metadata as Json;
          for (const container of ((pod.spec as Json).containers as Json[])) {
            lines.push(`prober_probe_total{container="${String(container.name)}",namespace="${String(metadata.namespace)}",pod="${String(metadata.name)}",pod_uid="${String(metadata.uid)}",probe_type="Readiness",result="successful"} 42`);
          }
        }
        text(`${lines.join('\n')}\n`);
        return;
      }
      default:
        res.writeHead(404);
        res.end();
    }
  }
}
