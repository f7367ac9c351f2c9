/**
 * The receiver the delivery benchmark sends to: a node process of its own on 127.0.0.1 that
 * counts requests and bytes and answers 204, and reports its own CPU (to show it was not the
 * bottleneck).
 */
import { spawn } from 'node:child_process';

const SINK = `
const http = require('node:http');
let requests = 0, bytes = 0;
const server = http.createServer((req, res) => {
  if (req.method === 'GET') {
    const cpu = process.cpuUsage();
    res.end(JSON.stringify({ requests, bytes, cpuMs: (cpu.user + cpu.system) / 1000 }));
    return;
  }
  requests++;
  req.on('data', (c) => { bytes += c.length; });
  req.on('end', () => { res.statusCode = 204; res.end(); });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

export interface SinkStats {
  requests: number;
  bytes: number;
  cpuMs: number;
}

export interface Sink {
  url: string;
  stats(): Promise<SinkStats>;
  stop(): void;
}

export async function startSink(): Promise<Sink> {
  const child = spawn(process.execPath, ['-e', SINK], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
  const base = `http://127.0.0.1:${port}`;
  return {
    url: `${base}/api/v1/write`,
    stats: async () => (await (await fetch(`${base}/stats`)).json()) as SinkStats,
    stop: () => child.kill(),
  };
}
