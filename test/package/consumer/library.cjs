// A CommonJS service using the installed package: the four entry points are one library (same
// objects), the core parses and encodes, the remote writer delivers to a real receiver, and a
// bad configuration is a typed error. Usage: node library.cjs <remote-write URL>
'use strict';
const assert = require('node:assert/strict');
const { Registry } = require('prom-client');
const scrapewire = require('scrapewire');
const { Core, ScrapewireError, RW1 } = require('scrapewire/core');
const { RemoteWriter, createRemoteWriter } = require('scrapewire/remote');
const { Collector, ConfigError, parseConfig } = require('scrapewire/collector');

async function main() {
  const [writeUrl] = process.argv.slice(2);
  assert.equal(scrapewire.Core, Core);
  assert.equal(scrapewire.Collector, Collector);
  assert.equal(scrapewire.ScrapewireError, ScrapewireError);
  assert.equal(require('scrapewire/collector').ScrapewireError, ScrapewireError);

  const core = Core.create();
  core.setTargetLabels([['job', 'package-test'], ['consumer', 'cjs']]);
  const text = '# TYPE consumer_jobs_total counter\nconsumer_jobs_total{queue="mail"} 12\nconsumer_jobs_total{queue="sms"} 3\n';
  // With a resolver (here: keep every series): without one, scrape() never merges the target
  // labels (Core.finish resolves new series only when given a resolver).
  const summary = await core.scrape([Buffer.from(text)], { format: 'text', timestampMs: Date.now() }, () => undefined);

  const registry = new Registry();
  // The remote writer from plain endpoint options, validated as a configuration's remote_write.
  const writer = createRemoteWriter({ registry, endpoints: [{ url: writeUrl, name: 'receiver' }] });
  assert.ok(writer instanceof RemoteWriter);
  let sentEvents = 0;
  writer.on('sent', (event) => { sentEvents += event.samples; });
  let requests = 0;
  core.encodeRequests(RW1, {}, (request) => {
    requests++;
    writer.write({ ...request, shardKey: 'consumer', newestTimestampMs: Date.now() });
  });
  await writer.flush({ signal: AbortSignal.timeout(60_000) });
  await writer.close(5000);
  const sent = (await registry.getSingleMetric('scrapewire_remote_write_samples_sent_total')?.get())?.values ?? [];
  assert.equal(sentEvents, 2);

  let configError;
  try {
    parseConfig('scrape_configs:\n  - job_name: app\n    scrape_interval: fast\n', 'bad.yml');
  } catch (err) {
    configError = err;
  }
  assert.ok(configError instanceof ConfigError);
  assert.ok(configError instanceof ScrapewireError);

  let parseError;
  try {
    await Core.create().scrape([Buffer.from('ok 1\nbad{ 2\n')], { format: 'text', timestampMs: 0 });
  } catch (err) {
    parseError = err;
  }
  assert.ok(parseError instanceof ScrapewireError);

  console.log(JSON.stringify({
    samples: summary.samples,
    requests,
    sent: sent.reduce((total, v) => total + v.value, 0),
    configError: { code: configError.code, message: configError.message },
    parseError: { code: parseError.code, line: parseError.line, column: parseError.column },
  }));
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
