/**
 * Real HTTP servers standing in for the pods of a test cluster: one per `ip:port` on 127.x.y.z
 * (Linux routes all of 127.0.0.0/8 to loopback), each answering /metrics with a gauge naming
 * its address and counting the scrapes it served.
 */
import http from 'node:http';

export interface PodServers {
  /** Scrapes served, by `ip:port`. */
  scrapes: Map<string, number>;
  close(): Promise<void>;
}

export async function startPodServers(endpoints: ReadonlyArray<{ ip: string; port: number }>): Promise<PodServers> {
  const scrapes = new Map<string, number>();
  const servers: http.Server[] = [];
  for (const { ip, port } of endpoints) {
    const address = `${ip}:${port}`;
    const server = http.createServer((req, res) => {
      scrapes.set(address, (scrapes.get(address) ?? 0) + 1);
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(`# TYPE pod_up gauge\npod_up{address="${address}"} 1\n`);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, ip, () => resolve());
    });
    servers.push(server);
  }
  return {
    scrapes,
    close: async () => {
      await Promise.all(servers.map((server) => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); })));
    },
  };
}
