/**
 * Child process for sender-lanes.test.ts (bundled with esbuild by the test, run with plain node):
 * 16 shards sending at once to a loopback receiver that answers each request after 150 ms.
 * Prints one JSON line: the most requests the receiver held at once, the samples sent, and every
 * warning the process emitted.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { RemoteWriter } from '../../src/remote';
import { endpoints, TestScrape } from './producer';

async function main(): Promise<void> {
  const warnings: string[] = [];
  process.on('warning', (warning) => warnings.push(`${warning.name}: ${warning.message}`));
  let inFlight = 0;
  let maxConcurrent = 0;
  const server = http.createServer((req, res) => {
    inFlight++;
    maxConcurrent = Math.max(maxConcurrent, inFlight);
    req.resume();
    req.on('end', () => setTimeout(() => {
      inFlight--;
      res.statusCode = 204;
      res.end();
    }, 150));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/write`;
  const registry = new Registry();
  const writer = new RemoteWriter({
    registry,
    endpoints: endpoints({ url, name: 'wide', queue_config: { min_shards: 16, max_shards: 16, max_samples_per_send: 1, batch_send_deadline: '5ms' } }),
  });
  for (let t = 0; t < 40; t++) {
    new TestScrape([{ labels: { __name__: 'm', target: String(t) }, samples: [{ value: t, timestamp: 1_700_000_000_000 }] }], `job/${t}`).writeTo(writer);
  }
  await writer.whenIdle();
  await writer.close(0);
  server.close();
  const sent = (await registry.getSingleMetric('scrapewire_remote_write_samples_sent_total')!.get()).values.reduce((a, v) => a + v.value, 0);
  // A warning is emitted on the next tick of the listener that caused it.
  await new Promise((resolve) => setImmediate(resolve));
  process.stdout.write(`${JSON.stringify({ maxConcurrent, sent, warnings })}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
