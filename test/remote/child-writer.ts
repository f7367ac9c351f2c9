/**
 * Child process for the SIGKILL test (bundled with esbuild by the test, run with plain node).
 *   node child.js accept <url> <storageDir> <requests> <samplesPerRequest> <baseTs>
 *     enqueues the requests, waits until none is held in memory only, prints
 *     `ACCEPTED <requests> <unpersisted>` and then idles until killed.
 *   node child.js drain <url> <storageDir>
 *     resumes from the disk queue, waits until it is empty, prints `DRAINED <samplesSent>`, exits.
 */
import { Registry } from 'prom-client';
import { RemoteWriter } from '../../src/remote';
import { endpoints, numberedScrape } from './producer';

async function main(): Promise<void> {
  const [mode, url, storageDir, requests, perRequest, baseTs] = process.argv.slice(2);
  const registry = new Registry();
  const writer = new RemoteWriter({ registry, storageDir, endpoints: endpoints({ url, name: 'kill', queue_config: { min_backoff: '50ms', max_backoff: '200ms' } }) });
  if (mode === 'accept') {
    const n = Number(requests);
    const per = Number(perRequest);
    for (let i = 0; i < n; i++) {
      const where = numberedScrape('sw_sigkill_total', i * per, per, Number(baseTs)).writeTo(writer)[0];
      if (where === 'dropped') throw new Error(`request ${i} dropped`);
    }
    while (writer.stats().kill.unpersistedRequests > 0) await new Promise((r) => setTimeout(r, 20));
    process.stdout.write(`ACCEPTED ${n} ${writer.stats().kill.unpersistedRequests}\n`);
    setInterval(() => {}, 1000);
    return;
  }
  await writer.whenIdle();
  const sent = (await registry.getSingleMetric('scrapewire_remote_write_samples_sent_total')!.get()).values.reduce((a, v) => a + v.value, 0);
  await writer.close(1000);
  process.stdout.write(`DRAINED ${sent}\n`);
}

main().catch((error) => {
  process.stderr.write(`${String(error?.stack ?? error)}\n`);
  process.exit(1);
});
