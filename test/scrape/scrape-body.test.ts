/**
 * ScrapeBody's gzip path, fed from a stream that stands in for undici's response body: the whole
 * page comes out, the wire bytes are counted without a 'data' listener of our own on the source
 * (beside the pipe's, one made undici and Node's pipe fight over pausing the socket: a 200 MB page
 * in 8 KiB chunks took 48 s of CPU instead of 2), and gunzip takes up to 1 MiB of compressed input
 * before it pushes back (zlib's 16 KiB made undici re-read the socket's whole backlog on every
 * resume: src/scrape/scrape-body.ts).
 */
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { ScrapeBody } from '../../src/scrape/scrape-body';
import { ScrapeDeadline } from '../../src/scrape/scrape-deadline';

test('a gzip body in 8 KiB chunks, read slowly: whole, counted, and the source has only the pipe listening', async () => {
  const lines: string[] = [];
  for (let i = 0; i < 100_000; i++) lines.push(`container_cpu_usage_seconds_total{id="/pod/${i}",cpu="total"} ${i * 1.5}`);
  const plain = Buffer.from(`${lines.join('\n')}\n`);
  const zipped = gzipSync(plain, { level: 1 });
  const source = new PassThrough();
  const deadline = new ScrapeDeadline('http://127.0.0.1:1/m', 60_000);
  const body = new ScrapeBody({ source, encoding: 'gzip', limitBytes: 0, deadline, target: 'http://127.0.0.1:1/m', onSettled: () => undefined });

  let maxDataListeners = 0;
  let pushedBack = 0;
  let written = 0;
  const writer = (async () => {
    for (let offset = 0; offset < zipped.length; offset += 8192) {
      maxDataListeners = Math.max(maxDataListeners, source.listenerCount('data'));
      if (!source.write(zipped.subarray(offset, offset + 8192))) {
        pushedBack++;
        await new Promise((resolve) => source.once('drain', resolve));
      }
      written += Math.min(8192, zipped.length - offset);
    }
    source.end();
  })();

  const out: Buffer[] = [];
  let bufferedAtFirstPushBack = -1;
  for await (const chunk of body) {
    out.push(Buffer.from(chunk));
    // A slow reader: the writer runs ahead until the stream pushes back.
    await new Promise((resolve) => setImmediate(resolve));
    if (pushedBack > 0 && bufferedAtFirstPushBack < 0) bufferedAtFirstPushBack = written - body.wireBytesRead;
  }
  await writer;
  expect(Buffer.concat(out).equals(plain)).toBe(true);
  expect(body.bytesRead).toBe(plain.length);
  expect(body.wireBytesRead).toBe(zipped.length);
  expect(maxDataListeners).toBe(1);
  // It did push back (memory is bounded), but only past ~1 MiB of compressed input, not 16 KiB.
  expect(pushedBack).toBeGreaterThan(0);
  expect(bufferedAtFirstPushBack).toBeGreaterThan(512 * 1024);
});
