/**
 * A kubelet stand-in on 127.0.0.1 for kubelet_sd: HTTPS with a certificate from the test PKI
 * (openssl), `GET /pods` answering the PodList it holds (pods as the API stand-in builds them,
 * so kubelet_sd and kubernetes_sd role pod see the same objects), and a 401 for any request
 * without the accepted bearer token, as the kubelet's webhook authentication answers.
 */
import { startHttpsServer, type LoopbackServer } from '../scrape/support/loopback-server';
import type { TestPki } from '../scrape/support/certificates';
import type { Json } from './kube-apiserver/objects';

export class KubeletStandIn {
  /** The pods /pods lists; replace between polls. */
  pods: Json[] = [];
  acceptedToken = 'kubelet-token';
  private constructor(readonly server: LoopbackServer) {}

  static async start(pki: TestPki): Promise<KubeletStandIn> {
    let standIn!: KubeletStandIn;
    const server = await startHttpsServer({ cert: pki.read(pki.serverCertFile), key: pki.read(pki.serverKeyFile) }, (req, res) => {
      if (req.headers.authorization !== `Bearer ${standIn.acceptedToken}`) {
        res.writeHead(401, { 'content-type': 'text/plain' });
        res.end('Unauthorized');
        return;
      }
      if ((req.url ?? '').split('?')[0] !== '/pods') {
        res.writeHead(404);
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      // The kubelet prints a PodList whose items carry kind and apiVersion, like this.
      res.end(JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items: standIn.pods }));
    });
    standIn = new KubeletStandIn(server);
    return standIn;
  }

  get origin(): string {
    return this.server.origin;
  }

  /** Requests for /pods so far. */
  get polls(): number {
    return this.server.requests.filter((r) => r.url.startsWith('/pods')).length;
  }

  close(): Promise<void> {
    return this.server.close();
  }
}
