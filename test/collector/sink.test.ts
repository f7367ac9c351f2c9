/**
 * The built-in sink behind a real web server on loopback: what it keeps and shows, and each of
 * its limits (body size, the size a snappy header claims, requests at once, series kept).
 */
import { connect } from 'node:net';
import { Registry } from 'prom-client';
import { RemoteWriteSink, snappyDeclaredLength, type SinkLimits } from '../../src/collector/sink';
import { snappyCompress } from '../../src/remote/snappy';
import { startServer, type RunningServer } from '../../src/server';
import { encodeRw1, encodeRw2 } from '../helpers/remote-write-proto';

interface Harness {
  server: RunningServer;
  sink: RemoteWriteSink;
  registry: Registry;
  post(body: Uint8Array, headers?: Record<string, string>): Promise<{ status: number; text: string; headers: Headers }>;
  page(): Promise<string>;
}

async function start(limits: Partial<SinkLimits> = {}): Promise<Harness> {
  const registry = new Registry();
  const sink = new RemoteWriteSink(registry, limits);
  const server = await startServer({
    listenAddress: '127.0.0.1:0',
    registry,
    targets: { targets: () => [] },
    control: { ready: () => true, reload: async () => {} },
    enableDebug: false,
    routes: [
      { path: '/api/v1/write', methods: ['POST'], handle: (req, res) => sink.handleWrite(req, res) },
      { path: '/sink', methods: ['GET'], handle: (req, res) => sink.handlePage(req, res) },
    ],
  });
  const base = `http://${server.address}`;
  return {
    server,
    sink,
    registry,
    post: async (body, headers = {}) => {
      const res = await fetch(`${base}/api/v1/write`, { method: 'POST', body: new Uint8Array(body), headers: { 'content-encoding': 'snappy', ...headers } });
      return { status: res.status, text: await res.text(), headers: res.headers };
    },
    page: async () => (await fetch(`${base}/sink`)).text(),
  };
}

const series = (name: string, value = 1, timestamp = 1000) => ({ labels: [{ name: '__name__', value: name }, { name: 'job', value: 'demo' }], samples: [{ value, timestamp }] });
const rw1 = (...names: string[]): Uint8Array => snappyCompress(encodeRw1({ timeseries: names.map((n, i) => series(n, i)) }));

test('snappyDeclaredLength reads the varint header', () => {
  expect(snappyDeclaredLength(new Uint8Array([0x00]))).toBe(0);
  expect(snappyDeclaredLength(new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x0f]))).toBe(0xf0000000);
  expect(snappyDeclaredLength(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f]))).toBe(0xffffffff);
  expect(snappyDeclaredLength(new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]))).toBeUndefined();
  expect(snappyDeclaredLength(new Uint8Array([]))).toBeUndefined();
});

describe('RemoteWriteSink', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await start({ maxBodyBytes: 64 * 1024, maxDecompressedBytes: 256 * 1024, maxSeries: 5 });
  });
  afterAll(() => h.server.close());

  test('1.0 and 2.0 requests show on /sink with their latest value', async () => {
    expect((await h.post(rw1('a_metric'))).status).toBe(204);
    const v2 = snappyCompress(encodeRw2({ symbols: ['', '__name__', 'b_metric', 'job', 'demo'], timeseries: [{ labels_refs: [1, 2, 3, 4], samples: [{ value: 5, timestamp: 7 }] }] }));
    const answer = await h.post(v2, { 'content-type': 'application/x-protobuf;proto=io.prometheus.write.v2.Request' });
    expect(answer.status).toBe(204);
    expect(answer.headers.get('x-prometheus-remote-write-samples-written')).toBe('1');
    const page = await h.page();
    expect(page).toContain('{__name__="a_metric",job="demo"} 0 1000');
    expect(page).toContain('{__name__="b_metric",job="demo"} 5 7');
  });

  test('a snappy header claiming 1 GiB is refused before anything is decompressed', async () => {
    const bomb = new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x04, 0x00, 0x00]);
    const answer = await h.post(bomb);
    expect(answer.status).toBe(413);
    expect(answer.text).toBe(`the request decompresses to ${2 ** 30} bytes, over the sink's limit of ${256 * 1024}\n`);
  });

  test('a body over the limit is refused, announced or chunked', async () => {
    const big = new Uint8Array(100 * 1024);
    expect((await h.post(big)).status).toBe(413);
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 10; i++) controller.enqueue(new Uint8Array(10 * 1024));
        controller.close();
      },
    });
    const res = await fetch(`http://${h.server.address}/api/v1/write`, { method: 'POST', body: chunked, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(413);
    expect(await res.text()).toContain("over the sink's limit of 65536 bytes");
  });

  test('bytes that are not a request are 400', async () => {
    expect(await h.post(snappyCompress(new Uint8Array([0x0a, 0xff, 0xff, 0x03])))).toMatchObject({ status: 400, text: expect.stringContaining('runs past the end') });
    expect((await h.post(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))).status).toBe(400);
  });

  test('beyond maxSeries the least recently written series are evicted and counted', async () => {
    expect((await h.post(rw1('s1', 's2', 's3', 's4', 's5', 's6', 's7')))).toMatchObject({ status: 204 });
    const kept = (await h.page()).split('\n').filter((line) => line.startsWith('{'));
    expect(kept).toHaveLength(5);
    expect(kept.map((line) => /__name__="(\w+)"/.exec(line)![1]).sort()).toEqual(['s3', 's4', 's5', 's6', 's7']);
    expect(await h.registry.getSingleMetricAsString('scrapewire_sink_series_evicted_total')).toMatch(/ 4$/m);
    expect(await h.registry.getSingleMetricAsString('scrapewire_sink_series')).toMatch(/ 5$/m);
  });
});

test('requests beyond maxConcurrentRequests get 429 with Retry-After', async () => {
  const h = await start({ maxConcurrentRequests: 1 });
  // A client that announces a body and sends only part of it holds the one slot.
  const slow = connect(h.server.port, '127.0.0.1');
  slow.on('error', () => undefined);
  slow.write('POST /api/v1/write HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nabc');
  try {
    let answer = await h.post(rw1('x'));
    for (let i = 0; i < 50 && answer.status !== 429; i++) answer = await h.post(rw1('x'));
    expect(answer.status).toBe(429);
    expect(answer.headers.get('retry-after')).toBe('1');
    slow.destroy();
    let after = answer.status;
    for (let i = 0; i < 50 && after !== 204; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      after = (await h.post(rw1('x'))).status;
    }
    expect(after).toBe(204);
  } finally {
    slow.destroy();
    await h.server.close();
  }
});
