// An ES module service using the installed package: named imports from every entry point, the
// same objects as require() gives (one copy of each class), and a whole collector scraping an
// application of this process and delivering to a real receiver.
// Usage: node library.mjs <receiver base URL>
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import * as root from 'scrapewire';
import * as core from 'scrapewire/core';
import * as remote from 'scrapewire/remote';
import * as collector from 'scrapewire/collector';
import { Collector, Core, ScrapewireError, parseConfig } from 'scrapewire';
import { Counter, Registry } from 'prom-client';

const require = createRequire(import.meta.url);
const namespaces = { scrapewire: root, 'scrapewire/core': core, 'scrapewire/remote': remote, 'scrapewire/collector': collector };
const exportNames = {};
for (const [specifier, namespace] of Object.entries(namespaces)) {
  const required = require(specifier);
  assert.deepEqual(Object.keys(namespace).sort(), Object.keys(required).filter((k) => k !== '__esModule').sort(), specifier);
  for (const name of Object.keys(namespace)) assert.equal(namespace[name], required[name], `${specifier}: ${name}`);
  exportNames[specifier] = Object.keys(namespace).length;
}
assert.equal(core.Core, Core);
assert.equal(collector.ScrapewireError, ScrapewireError);

const [receiver] = process.argv.slice(2);
const app = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
  res.end('# TYPE consumer_jobs_total counter\nconsumer_jobs_total{queue="mail"} 12\n');
});
await new Promise((resolve) => app.listen(0, '127.0.0.1', resolve));
const config = parseConfig(`
global:
  scrape_interval: 1s
  external_labels:
    consumer: esm
scrape_configs:
  - job_name: package-test
    static_configs:
      - targets: ['127.0.0.1:${app.address().port}']
remote_write:
  - url: ${receiver}/api/v1/write
`, 'agent.yml');
const agent = await Collector.start({ config, listenAddress: '127.0.0.1:0' });

// A service's own prom-client registry shipped by a collector with no port of its own, its pages
// mounted on the service's node:http server.
const serviceMetrics = new Registry();
new Counter({ name: 'consumer_orders_total', help: 'Orders.', registers: [serviceMetrics] }).inc(7);
const embedded = await Collector.start({
  listen: false,
  config: { global: { scrape_interval: '1s', external_labels: { consumer: 'esm-embedded' } }, remote_write: [{ url: `${receiver}/api/v1/write` }] },
  localTargets: [{ job: 'service', source: serviceMetrics }],
});
const scrapes = [];
embedded.on('scrape', (event) => scrapes.push(event.up));
const service = createServer(embedded.handler({ prefix: '/scrapewire' }));
await new Promise((resolve) => service.listen(0, '127.0.0.1', resolve));

// Until the receiver has the application's series (VictoriaMetrics' export API).
let found = [];
const deadline = Date.now() + 60_000;
while (found.length === 0 && Date.now() < deadline) {
  await new Promise((resolve) => setTimeout(resolve, 500));
  await (await fetch(`${receiver}/internal/force_flush`)).text();
  const text = await (await fetch(`${receiver}/api/v1/export?match[]=${encodeURIComponent('consumer_jobs_total{consumer="esm"}')}`)).text();
  found = text.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line).metric);
}
let embeddedFound = [];
while (embeddedFound.length === 0 && Date.now() < deadline) {
  await new Promise((resolve) => setTimeout(resolve, 500));
  await (await fetch(`${receiver}/internal/force_flush`)).text();
  const text = await (await fetch(`${receiver}/api/v1/export?match[]=${encodeURIComponent('consumer_orders_total{consumer="esm-embedded"}')}`)).text();
  embeddedFound = text.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line).metric);
}
const ownMetrics = await (await fetch(`http://${agent.address}/metrics`)).text();
const mounted = await (await fetch(`http://127.0.0.1:${service.address().port}/scrapewire/api/v1/targets`)).json();
await agent.stop();
await embedded.stop();
service.close();
app.close();
console.log(JSON.stringify({
  exportNames, found, agentServesMetrics: ownMetrics.includes('scrapewire_build_info'),
  embeddedFound, mountedTargets: mounted.data.activeTargets.map((t) => t.scrapeUrl), scrapesUp: scrapes.includes(true),
}));
