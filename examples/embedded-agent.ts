/**
 * Embedding scrapewire in a Node agent: the parser/encoder alone, then a whole agent built from
 * a config object with a plugin of its own. Runs by itself on loopback and stops after a few
 * seconds: `npm run build && node dist/examples/embedded-agent.js`.
 * (In your project, import from 'scrapewire' instead of '../src'.)
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Collector, Core, RW2, enableGcPacing, gcPacingStats, parseConfig, type Plugin } from '../src';

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

async function main(): Promise<void> {
  // 1. The core alone: exposition text in, remote-write requests out.
  const core = Core.create();
  const summary = await core.scrape(
    [Buffer.from('# TYPE jobs_total counter\njobs_total{queue="mail"} 12\njobs_total{queue="sms"} 3\n')],
    { format: 'text', timestampMs: Date.now() },
  );
  core.encode(RW2, { compress: true }, (request, samples) => {
    console.log(`core: ${summary.samples} samples parsed, a ${request.length}-byte snappy rw2 request with ${samples} samples`);
  });

  // 2. A whole agent: an application to scrape, a receiver to deliver to, and a plugin.
  let served = 0;
  const app = createServer((_req, res) => {
    served++;
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(`# TYPE queue_depth gauge\nqueue_depth{queue="mail"} ${10 + served}\nqueue_depth{queue="sms"} ${served}\n`);
  });
  let received = 0;
  const receiver = createServer((req, res) => {
    received++;
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  const appAddress = await listen(app);
  const receiverAddress = await listen(receiver);

  const config = parseConfig(
    `global: {scrape_interval: 1s, scrape_timeout: 1s}
scrape_configs:
  - job_name: app
    static_configs: [{targets: ["${appAddress}"]}]
plugins:
  enabled: total-depth
remote_write:
  - url: http://${receiverAddress}/api/v1/write
`,
    'embedded.yml',
  );
  // A plugin reads the scrapes of the jobs it names (no second request, no re-parsing) and emits
  // series of its own, which go through the same encoder and remote-write queue.
  const totalDepth: Plugin = {
    name: 'total-depth',
    jobs: ['app'],
    collect(snapshot, emit) {
      let total = 0;
      snapshot.target('app')?.forEachSeries('queue_depth', (_series, value) => { total += value; });
      emit.family('queue_depth_total', 'gauge', 'Sum of queue_depth over all queues.');
      emit.sample('queue_depth_total', {}, total);
    },
  };
  // What `scrapewire run` does by default: a minor GC per 4 MiB of scraped body, so a large page's
  // socket buffers are freed as it streams. Process-wide, hence the agent's decision.
  enableGcPacing({ everyBytes: 4 << 20 });
  const agent = await Collector.start({ config, listenAddress: '127.0.0.1:0', plugins: [totalDepth] });
  console.log(`agent: running, its targets page is http://${agent.address}/targets`);
  await new Promise((resolve) => setTimeout(resolve, 3500));
  const targets = agent.targetStatuses();
  await agent.stop(5000);
  app.close();
  receiver.close();
  console.log(`agent: ${targets.map((t) => `${t.job} ${t.health}`).join(', ')}; app scraped ${served} times; ${received} remote-write requests delivered; ${gcPacingStats().collections} paced GCs`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
