/**
 * A plugin: series of its own derived from the targets' scrapes, without a request or a parse of
 * its own. Here, two worker pools of this process (in-process targets: functions returning
 * exposition text) report their queues' depth and capacity; the plugin `queue-saturation` turns
 * each pool's page into one ratio, which is delivered with the pools' own series.
 *
 *   npm run build && node dist/examples/plugin.js http://127.0.0.1:8428/api/v1/write
 *
 * Runs for 3 seconds, then stops and prints what the plugin computed.
 */
import { Collector, type Plugin } from 'scrapewire';

/** A worker pool of the service, with queues that fill and drain. */
class WorkerPool {
  readonly depths: Record<string, number>;

  constructor(readonly name: string, queues: Record<string, number>, readonly capacity: number) {
    this.depths = { ...queues };
  }

  /** The pool's metrics page, as its prom-client registry would render it. */
  exposition(): string {
    const lines = ['# TYPE worker_queue_depth gauge'];
    for (const [queue, depth] of Object.entries(this.depths)) lines.push(`worker_queue_depth{queue="${queue}"} ${depth}`);
    lines.push('# TYPE worker_queue_capacity gauge', `worker_queue_capacity ${this.capacity}`);
    return `${lines.join('\n')}\n`;
  }
}

/**
 * queue_saturation_ratio{pool}: the pool's queued jobs over its capacity. A plugin names the jobs
 * it reads; collect() runs after each fetch of their targets and reads the scrape in place.
 */
const queueSaturation: Plugin = {
  name: 'queue-saturation',
  jobs: ['workers'],
  collect(snapshot, emit) {
    emit.family('queue_saturation_ratio', 'gauge', 'Jobs queued in a worker pool over its capacity.');
    for (const target of snapshot.targets) {
      let depth = 0;
      let capacity = 0;
      target.forEachSeries('worker_queue_depth', (_series, value) => { depth += value; });
      target.forEachSeries('worker_queue_capacity', (_series, value) => { capacity = value; });
      if (capacity > 0) emit.sample('queue_saturation_ratio', { pool: target.labels.instance }, depth / capacity);
    }
  },
};

async function main(): Promise<void> {
  const [remoteWriteUrl] = process.argv.slice(2);
  if (remoteWriteUrl === undefined) throw new Error('usage: plugin <remote-write URL>');
  const pools = [new WorkerPool('images', { resize: 30, upload: 10 }, 200), new WorkerPool('mail', { send: 5 }, 100)];

  const collector = await Collector.start({
    listen: false,
    config: {
      global: { scrape_interval: '1s', scrape_timeout: '1s' },
      scrape_configs: [{ job_name: 'workers' }],
      remote_write: [{ url: remoteWriteUrl, queue_config: { batch_send_deadline: '500ms' } }],
      // Plugins registered in code are enabled by name, as the built-in ones.
      plugins: { enabled: 'queue-saturation' },
    },
    localTargets: pools.map((pool) => ({ job: 'workers', name: pool.name, source: () => pool.exposition() })),
    plugins: [queueSaturation],
  });
  let rounds = 0;
  collector.on('scrape', (event) => { if (event.up) rounds++; });
  await new Promise((resolve) => setTimeout(resolve, 3000));
  await collector.stop(5000);
  const ratios = pools.map((pool) => `${pool.name} ${(Object.values(pool.depths).reduce((a, b) => a + b, 0) / pool.capacity).toFixed(2)}`);
  console.log(`plugin: ${rounds} scrapes of the pools; queue_saturation_ratio ${ratios.join(', ')}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
