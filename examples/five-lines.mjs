// The README's five-line example, run as it is by test/examples.test.ts: an Express service
// whose prom-client metrics go to a remote-write receiver through scrapewire, whose pages are
// mounted on the service's own port. (ES module: top-level await.)
//   npm run build && REMOTE_WRITE_URL=http://127.0.0.1:8428/api/v1/write PORT=8080 node examples/five-lines.mjs
// readme:begin
import express from 'express';
import { collectDefaultMetrics, register } from 'prom-client';
import { Collector } from 'scrapewire';

collectDefaultMetrics();
const app = express();
const scrapewire = await Collector.start({
  listen: false,                                // no second port: mounted on the app below
  storagePath: 'data/scrapewire',               // disk queue, for when the receiver is down
  config: { remote_write: [{ url: process.env.REMOTE_WRITE_URL }] },
  localTargets: [{ job: 'shop', source: register }],   // the app's own metrics, no HTTP
});
app.use('/scrapewire', scrapewire.handler());   // /scrapewire/targets, /scrapewire/metrics...
app.listen(process.env.PORT ?? 8080);
// readme:end
