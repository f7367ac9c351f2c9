/**
 * The smallest agent: only the core and the remote writer, no collector. It fetches a metrics
 * page every second with Node's fetch, parses it into the core (which adds the target's labels
 * to every new series), encodes remote-write requests and hands them to the writer, which
 * batches, retries and keeps them on disk while the receiver is down.
 *
 *   npm run build && node dist/examples/core-agent.js http://127.0.0.1:9100/metrics http://127.0.0.1:8428/api/v1/write 5
 *
 * Arguments: the page, the remote-write URL, how many scrapes (default 5).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Core, RW1 } from 'scrapewire/core';
import { createRemoteWriter } from 'scrapewire/remote';

async function main(): Promise<void> {
  const [pageUrl, remoteWriteUrl, count = '5'] = process.argv.slice(2);
  if (remoteWriteUrl === undefined) throw new Error('usage: core-agent <metrics URL> <remote-write URL> [scrapes]');

  const writer = createRemoteWriter({
    endpoints: [{ url: remoteWriteUrl, queue_config: { batch_send_deadline: '1s' } }],
    storageDir: mkdtempSync(join(tmpdir(), 'core-agent-')),
  });
  writer.on('dropped', (event) => console.error(`dropped ${event.samples} samples: ${event.reason}`));

  const core = Core.create();
  const instance = new URL(pageUrl).host;
  // What a scrape job adds to every series; the core merges them in once per new series.
  core.setTargetLabels([['instance', instance], ['job', 'core-agent']]);

  let samples = 0;
  for (let i = 0; i < Number(count); i++) {
    const startedAt = Date.now();
    const response = await fetch(pageUrl);
    if (!response.ok || response.body === null) throw new Error(`${pageUrl}: HTTP ${response.status}`);
    // The body streams into the core chunk by chunk; a resolver (here: keep every series) lets
    // the core merge the target labels into new series.
    const summary = await core.scrape(response.body, { format: 'text', timestampMs: startedAt }, () => undefined);
    samples += summary.samplesPostRelabel;
    // Each request is a view into the core's memory, valid during the call: write() copies it.
    core.encodeRequests(RW1, { maxSamplesPerRequest: 2000 }, (request) => {
      writer.write({ ...request, shardKey: instance, newestTimestampMs: startedAt });
    });
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, startedAt + 1000 - Date.now())));
  }
  // Deliver what is queued (or leave it on disk for the next run after 10 s).
  await writer.flush({ signal: AbortSignal.timeout(10_000) }).catch(() => undefined);
  const sent = (await writer.registry.getSingleMetric('scrapewire_remote_write_samples_sent_total')?.get())?.values.reduce((sum, v) => sum + v.value, 0);
  await writer.close(10_000);
  console.log(`core-agent: ${count} scrapes, ${samples} samples, ${sent} samples acknowledged by the receiver`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
