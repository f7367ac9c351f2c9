/**
 * Runs the collector as a DaemonSet pod's container sees the world, so a shipped configuration
 * can run unedited:
 *
 * - its own mount namespace (unshare, as root) with a tmpfs over /run holding the
 *   service-account token, CA and namespace at /var/run/secrets/kubernetes.io/serviceaccount/
 *   (/var/run is /run), as the kubelet mounts them into a pod; nothing leaks to the host;
 * - an /etc/hosts of its own (bind-mounted), mapping the names the configuration uses (the
 *   remote-write receiver's host) to loopback addresses, as cluster DNS would;
 * - NODE_EXTRA_CA_CERTS for the test CA, as a cluster's CA bundle would be trusted;
 * - NODE_IP and NODE_NAME in its environment, as the downward API sets them.
 *
 * `RemoteWriteGateway` stands where the configuration's receiver is: an HTTP(S) server on a
 * loopback address (HTTPS with a certificate for the receiver's host name), handing every
 * request on to a real VictoriaMetrics unchanged, whatever its path.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { join } from 'node:path';
import { request } from 'undici';
import type { TestPki } from '../../scrape/support/certificates';
import { CLI } from './collector-process';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

const ENTER_POD = [
  'set -e',
  'mount -t tmpfs -o size=1m,mode=755 tmpfs /run',
  'mkdir -p /run/secrets/kubernetes.io/serviceaccount',
  'cp "$SCRAPEWIRE_TEST_SA"/token "$SCRAPEWIRE_TEST_SA"/ca.crt "$SCRAPEWIRE_TEST_SA"/namespace /run/secrets/kubernetes.io/serviceaccount/',
  'mount --bind "$SCRAPEWIRE_TEST_HOSTS" /etc/hosts',
  'exec "$0" "$@"',
].join('\n');

export interface PodWorld {
  /** Staged service-account files (token, ca.crt, namespace), copied into the pod's /run. */
  serviceAccount: { token: string; caCert: Buffer; namespace: string };
  /** Host name -> loopback address, the pod's /etc/hosts. */
  hosts: Record<string, string>;
  /** PEM bundle added to Node's trusted CAs. */
  extraCaFile: string;
  /** NODE_IP, NODE_NAME and anything else the pod's env holds. */
  env: Record<string, string>;
}

/** The command (for CollectorProcess `command`) and environment of a collector in its "pod". */
export function inPod(dir: string, world: PodWorld): { command: string[]; env: NodeJS.ProcessEnv } {
  const sa = join(dir, 'serviceaccount');
  mkdirSync(sa, { recursive: true });
  writeFileSync(join(sa, 'token'), world.serviceAccount.token);
  writeFileSync(join(sa, 'ca.crt'), world.serviceAccount.caCert);
  writeFileSync(join(sa, 'namespace'), world.serviceAccount.namespace);
  const hosts = join(dir, 'hosts');
  writeFileSync(hosts, ['127.0.0.1 localhost', ...Object.entries(world.hosts).map(([name, ip]) => `${ip} ${name}`), ''].join('\n'));
  return {
    command: ['/usr/bin/unshare', '--mount', '--propagation', 'private', '/bin/sh', '-c', ENTER_POD, process.execPath, CLI],
    env: {
      ...process.env,
      ...world.env,
      NODE_EXTRA_CA_CERTS: world.extraCaFile,
      SCRAPEWIRE_TEST_SA: sa,
      SCRAPEWIRE_TEST_HOSTS: hosts,
    },
  };
}

export class RemoteWriteGateway {
  requests = 0;
  private constructor(private readonly server: http.Server) {}

  /**
   * Listens on `ip`:`port` (default 443), with the PKI's server certificate unless `pki` is
   * undefined (plain HTTP), and forwards every request to `target`.
   */
  static async start(pki: TestPki | undefined, ip: string, target: string, port = 443): Promise<RemoteWriteGateway> {
    let gateway!: RemoteWriteGateway;
    const handler: http.RequestListener = (req, res) => {
      gateway.requests++;
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const headers: Record<string, string> = {};
        for (const name of ['content-type', 'content-encoding', 'x-prometheus-remote-write-version', 'user-agent']) {
          const value = req.headers[name];
          if (typeof value === 'string') headers[name] = value;
        }
        request(target, { method: 'POST', headers, body: Buffer.concat(chunks) }).then(async (answer) => {
          res.writeHead(answer.statusCode, { 'content-type': 'text/plain' });
          res.end(await answer.body.text());
        }, (err: Error) => {
          res.writeHead(502);
          res.end(err.message);
        });
      });
    };
    const server = pki === undefined ? http.createServer(handler)
      : https.createServer({ cert: pki.read(pki.serverCertFile), key: pki.read(pki.serverKeyFile) }, handler);
    gateway = new RemoteWriteGateway(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, ip, () => resolve());
    });
    return gateway;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
