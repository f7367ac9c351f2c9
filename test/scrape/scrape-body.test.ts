/**
 * ScrapeBody's gzip paths, fed from a stream that stands in for undici's response body. A large
 * body: the whole page comes out, the wire bytes are counted without a 'data' listener on the
 * source (one beside the reader made undici and Node's stream machinery fight over pausing the
 * socket: a 200 MB page in 8 KiB chunks took 48 s of CPU instead of 2), and gunzip takes up to
 * 1 MiB of compressed input before it pushes back (zlib's 16 KiB made undici re-read the socket's
 * whole backlog on every resume: src/scrape/scrape-body.ts). A small body (64 KiB compressed at
 * most) is inflated in one call, within the same limits.
 */
import { PassThrough, Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { ScrapeBody } from '../../src/scrape/scrape-body';
import { ScrapeDeadline } from '../../src/scrape/scrape-deadline';
import { ScrapewireError } from '../../src/errors';

test('a gzip body in 8 KiB chunks, read slowly: whole, counted, and no \'data\' listener on the source', async () => {
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
  expect(maxDataListeners).toBe(0);
  // It did push back (memory is bounded), but only past ~1 MiB of compressed input, not 16 KiB.
  expect(pushedBack).toBeGreaterThan(0);
  expect(bufferedAtFirstPushBack).toBeGreaterThan(512 * 1024);
});

function bodyOf(chunks: Buffer[], limitBytes = 0): ScrapeBody {
  const source = new PassThrough();
  const deadline = new ScrapeDeadline('http://127.0.0.1:1/m', 60_000);
  const body = new ScrapeBody({ source, encoding: 'gzip', limitBytes, deadline, target: 'http://127.0.0.1:1/m', onSettled: () => undefined });
  void (async () => {
    for (const chunk of chunks) {
      if (!source.write(chunk)) await new Promise((resolve) => source.once('drain', resolve));
    }
    source.end();
  })();
  return body;
}

async function readAll(body: ScrapeBody): Promise<{ chunks: number[]; data: Buffer; error?: unknown }> {
  const parts: Buffer[] = [];
  const chunks: number[] = [];
  try {
    for await (const chunk of body) {
      chunks.push(chunk.length);
      parts.push(Buffer.from(chunk));
    }
  } catch (error) {
    return { chunks, data: Buffer.concat(parts), error };
  }
  return { chunks, data: Buffer.concat(parts) };
}

test('a small gzip body in three chunks: inflated whole, in chunks of 64 KiB at most, wire bytes counted', async () => {
  const plain = Buffer.from(Array.from({ length: 5000 }, (_, i) => `http_requests_total{code="200",path="/p/${i}"} ${i}`).join('\n') + '\n');
  const zipped = gzipSync(plain);
  expect(zipped.length).toBeLessThan(64 * 1024);
  const third = Math.ceil(zipped.length / 3);
  const body = bodyOf([zipped.subarray(0, third), zipped.subarray(third, 2 * third), zipped.subarray(2 * third)]);
  const { chunks, data, error } = await readAll(body);
  expect(error).toBeUndefined();
  expect(data.equals(plain)).toBe(true);
  expect(Math.max(...chunks)).toBeLessThanOrEqual(64 * 1024);
  expect(body.bytesRead).toBe(plain.length);
  expect(body.wireBytesRead).toBe(zipped.length);
});

test('a small gzip bomb (under 64 KiB compressed, 60 MB inflated) goes through the stream: cut at the body limit, or streamed in 64 KiB chunks without one', async () => {
  const zipped = gzipSync(Buffer.alloc(60e6), { level: 9 });
  expect(zipped.length).toBeLessThan(64 * 1024);
  const limited = bodyOf([zipped], 10e6);
  const cut = await readAll(limited);
  expect((cut.error as ScrapewireError).code).toBe('ERR_BODY_SIZE_LIMIT');
  expect(cut.data.length).toBeLessThanOrEqual(10e6);
  expect(limited.bytesRead).toBeLessThanOrEqual(10e6 + 64 * 1024);

  const unlimited = await readAll(bodyOf([zipped]));
  expect(unlimited.error).toBeUndefined();
  expect(unlimited.data.length).toBe(60e6);
  expect(Math.max(...unlimited.chunks)).toBeLessThanOrEqual(64 * 1024);
});

test('a small gzip body past the body limit fails at the chunk that crosses it; a corrupt one fails naming the target', async () => {
  const plain = Buffer.from('x 1\n'.repeat(100_000));
  const over = await readAll(bodyOf([gzipSync(plain)], 100_000));
  expect((over.error as ScrapewireError).code).toBe('ERR_BODY_SIZE_LIMIT');
  expect(over.data.length).toBeLessThanOrEqual(100_000);

  const zipped = gzipSync(Buffer.from('x 1\n'.repeat(1000)));
  const corrupt = Buffer.from(zipped);
  corrupt[20] ^= 0xff;
  corrupt[21] ^= 0xff;
  const broken = await readAll(bodyOf([corrupt]));
  expect(broken.error).toBeInstanceOf(ScrapewireError);
  expect((broken.error as ScrapewireError).message).toMatch(/^http:\/\/127\.0\.0\.1:1\/m: reading body failed/);
  const truncated = await readAll(bodyOf([zipped.subarray(0, zipped.length - 10)]));
  expect((truncated.error as ScrapewireError).message).toMatch(/reading body failed/);
});

/** A source whose whole body and end are already pushed (a small page read with its headers), noting whether it was iterated. */
function endedSource(chunks: Buffer[]): { source: Readable; iterated: () => boolean } {
  const source = new Readable({ read() {} });
  for (const chunk of chunks) source.push(chunk);
  source.push(null);
  let iterated = false;
  const iterate = source[Symbol.asyncIterator].bind(source);
  source[Symbol.asyncIterator] = () => {
    iterated = true;
    return iterate();
  };
  return { source, iterated: () => iterated };
}

function endedBody(chunks: Buffer[], encoding: 'gzip' | 'identity', limitBytes = 0): { body: ScrapeBody; iterated: () => boolean } {
  const { source, iterated } = endedSource(chunks);
  const deadline = new ScrapeDeadline('http://127.0.0.1:1/m', 60_000);
  return { body: new ScrapeBody({ source, encoding, limitBytes, deadline, target: 'http://127.0.0.1:1/m' }), iterated };
}

test('a body already whole in the stream is read without iterating it: gzip inflated, plain as is, bytes counted', async () => {
  const plain = Buffer.from(Array.from({ length: 3000 }, (_, i) => `up{instance="${i}"} 1`).join('\n') + '\n');
  const zipped = gzipSync(plain);
  const half = Math.ceil(zipped.length / 2);
  const gz = endedBody([zipped.subarray(0, half), zipped.subarray(half)], 'gzip');
  const read = await readAll(gz.body);
  expect(read.error).toBeUndefined();
  expect(read.data.equals(plain)).toBe(true);
  expect(gz.body.bytesRead).toBe(plain.length);
  expect(gz.body.wireBytesRead).toBe(zipped.length);
  expect(gz.iterated()).toBe(false);

  // A plain body of 150 KB comes out in chunks of 64 KiB at most.
  const big = Buffer.concat([plain, plain, plain, plain, plain, plain].slice(0, Math.ceil(150e3 / plain.length)));
  const id = endedBody([big.subarray(0, 1000), big.subarray(1000)], 'identity');
  const plainRead = await readAll(id.body);
  expect(plainRead.data.equals(big)).toBe(true);
  expect(Math.max(...plainRead.chunks)).toBeLessThanOrEqual(64 * 1024);
  expect(id.body.bytesRead).toBe(big.length);
  expect(id.body.wireBytesRead).toBe(big.length);
  expect(id.iterated()).toBe(false);
});

test('a whole body keeps the limits: body_size_limit, a bomb through the stream, an empty or corrupt gzip body fails', async () => {
  const plain = Buffer.from('x 1\n'.repeat(100_000));
  const over = await readAll(endedBody([plain], 'identity', 100_000).body);
  expect((over.error as ScrapewireError).code).toBe('ERR_BODY_SIZE_LIMIT');
  expect(over.data.length).toBeLessThanOrEqual(100_000);
  const overGzip = await readAll(endedBody([gzipSync(plain)], 'gzip', 100_000).body);
  expect((overGzip.error as ScrapewireError).code).toBe('ERR_BODY_SIZE_LIMIT');

  // 60 MB of zeros in under 64 KiB: one call refuses it, the gunzip stream cuts it at the limit.
  const bomb = endedBody([gzipSync(Buffer.alloc(60e6), { level: 9 })], 'gzip', 10e6);
  const cut = await readAll(bomb.body);
  expect((cut.error as ScrapewireError).code).toBe('ERR_BODY_SIZE_LIMIT');
  expect(bomb.body.bytesRead).toBeLessThanOrEqual(10e6 + 64 * 1024);
  expect(bomb.iterated()).toBe(true);

  const empty = await readAll(endedBody([], 'gzip').body);
  expect((empty.error as ScrapewireError).message).toMatch(/reading body failed/);
  const zipped = gzipSync(Buffer.from('x 1\n'.repeat(1000)));
  const truncated = await readAll(endedBody([zipped.subarray(0, zipped.length - 10)], 'gzip').body);
  expect((truncated.error as ScrapewireError).message).toMatch(/^http:\/\/127\.0\.0\.1:1\/m: reading body failed/);
  // An empty plain body is an empty page.
  const nothing = await readAll(endedBody([], 'identity').body);
  expect(nothing.error).toBeUndefined();
  expect(nothing.data.length).toBe(0);
});
