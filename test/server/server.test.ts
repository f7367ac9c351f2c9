import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { Counter, Registry } from 'prom-client';
import { ScrapewireError } from '../../src/errors';
import { createSelfMetricsRegistry, startServer, type CollectorControl, type RunningServer, type ServerOptions } from '../../src/server';
import type { Logger } from '../../src/server/types';
import { FakeTargets, target } from './fake-targets';

class FakeControl implements CollectorControl {
  isReady = true;
  reloads = 0;
  quits = 0;
  reloadError: Error | undefined;

  quit(): void {
    this.quits++;
  }

  ready(): boolean {
    return this.isReady;
  }

  async reload(): Promise<void> {
    this.reloads++;
    if (this.reloadError) throw this.reloadError;
  }
}

class RecordingLogger implements Logger {
  records: Array<{ level: string; obj: object; msg?: string }> = [];
  debug = (obj: object, msg?: string) => void this.records.push({ level: 'debug', obj, msg });
  info = (obj: object, msg?: string) => void this.records.push({ level: 'info', obj, msg });
  warn = (obj: object, msg?: string) => void this.records.push({ level: 'warn', obj, msg });
  error = (obj: object, msg?: string) => void this.records.push({ level: 'error', obj, msg });
}

interface Harness {
  server: RunningServer;
  targets: FakeTargets;
  control: FakeControl;
  logger: RecordingLogger;
  url(path: string): string;
}

async function start(
  enableDebug: boolean,
  registry: Registry = createSelfMetricsRegistry({ version: '1.2.3' }),
  more: Partial<ServerOptions> = { enableLifecycle: true },
): Promise<Harness> {
  const targets = new FakeTargets([target()]);
  const control = new FakeControl();
  const logger = new RecordingLogger();
  const server = await startServer({ listenAddress: '127.0.0.1:0', registry, targets, control, enableDebug, logger, ...more });
  return { server, targets, control, logger, url: (path) => `http://${server.address}${path}` };
}

describe('startServer', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await start(false);
  });
  afterAll(() => h.server.close());

  test('binds to the given address and reports the real port', () => {
    expect(h.server.address).toBe(`127.0.0.1:${h.server.port}`);
    expect(h.server.port).toBeGreaterThan(0);
    expect(h.logger.records.some((r) => r.msg === 'HTTP server listening')).toBe(true);
  });

  test('/metrics exposes the given registry in the text format', async () => {
    const registry = createSelfMetricsRegistry({ version: '1.2.3' });
    new Counter({ name: 'scrapewire_test_total', help: 'test', registers: [registry] }).inc(7);
    const own = await start(false, registry);
    try {
      const res = await fetch(own.url('/metrics'));
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(registry.contentType);
      const text = await res.text();
      expect(text).toContain('scrapewire_test_total 7');
      expect(text).toContain('scrapewire_build_info{version="1.2.3"} 1');
      expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    } finally {
      await own.server.close();
    }
  });

  test('/-/healthy', async () => {
    const res = await fetch(h.url('/-/healthy'));
    expect(res.status).toBe(200);
    expect((await res.text()).trim()).toBe('scrapewire is Healthy.');
  });

  test('/-/ready follows control.ready()', async () => {
    h.control.isReady = false;
    const notReady = await fetch(h.url('/-/ready'));
    expect(notReady.status).toBe(503);
    await notReady.text();
    h.control.isReady = true;
    const ready = await fetch(h.url('/-/ready'));
    expect(ready.status).toBe(200);
    expect((await ready.text()).trim()).toBe('scrapewire is Ready.');
  });

  test('HEAD works where GET does', async () => {
    const res = await fetch(h.url('/-/healthy'), { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });

  test('/-/reload calls control.reload() on POST (and PUT) only', async () => {
    const before = h.control.reloads;
    const get = await fetch(h.url('/-/reload'));
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST, PUT');
    await get.text();
    expect(h.control.reloads).toBe(before);

    const post = await fetch(h.url('/-/reload'), { method: 'POST' });
    expect(post.status).toBe(200);
    await post.text();
    expect(h.control.reloads).toBe(before + 1);
  });

  test('/-/reload answers 500 with the error text when the config is bad', async () => {
    h.control.reloadError = new ScrapewireError('ERR_CONFIG', 'scrape_configs[0].job_name: must not be empty');
    try {
      const res = await fetch(h.url('/-/reload'), { method: 'POST' });
      expect(res.status).toBe(500);
      expect(await res.text()).toContain('scrape_configs[0].job_name: must not be empty');
      expect(h.logger.records.some((r) => r.level === 'error' && r.msg === 'configuration reload failed')).toBe(true);
    } finally {
      h.control.reloadError = undefined;
    }
  });

  test('concurrent reloads run one after another and each gets its own answer', async () => {
    let running = 0;
    let overlapped = false;
    const before = h.control.reloads;
    const original = h.control.reload.bind(h.control);
    h.control.reload = async () => {
      running++;
      if (running > 1) overlapped = true;
      await new Promise((resolve) => setImmediate(resolve));
      running--;
      return original();
    };
    try {
      const answers = await Promise.all([1, 2, 3].map(() => fetch(h.url('/-/reload'), { method: 'POST' })));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
      await Promise.all(answers.map((a) => a.text()));
      expect(h.control.reloads).toBe(before + 3);
      expect(overlapped).toBe(false);
    } finally {
      h.control.reload = original;
    }
  });

  test('/api/v1/targets has Prometheus’s shape', async () => {
    h.targets.list = [target({ health: 'down', lastError: 'connection refused' })];
    const res = await fetch(h.url('/api/v1/targets'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const body = await res.json();
    expect(body).toEqual({
      status: 'success',
      data: {
        activeTargets: [
          {
            discoveredLabels: { __address__: '10.0.0.1:9100', __metrics_path__: '/metrics', __scheme__: 'http', job: 'node' },
            labels: { instance: '10.0.0.1:9100', job: 'node' },
            scrapePool: 'node',
            scrapeUrl: 'http://10.0.0.1:9100/metrics',
            globalUrl: 'http://10.0.0.1:9100/metrics',
            lastError: 'connection refused',
            lastScrape: '2026-05-25T18:00:01.123Z',
            lastScrapeDuration: 0.0043,
            health: 'down',
            scrapeInterval: '1s',
            scrapeTimeout: '1s',
            seriesCount: 812,
          },
        ],
        droppedTargets: [],
      },
    });
    const dropped = await (await fetch(h.url('/api/v1/targets?state=dropped'))).json();
    expect(dropped.data.activeTargets).toEqual([]);
  });

  test('/targets is a self-contained page with the targets, escaped, under a strict CSP', async () => {
    h.targets.list = [target({ health: 'down', lastError: 'bad token <script>alert(1)</script>' })];
    const res = await fetch(h.url('/targets'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await res.text();
    expect(html).toContain('bad token &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('<span class="health health-down">down</span>');
    expect(html).not.toMatch(/<(link|img|iframe)\b|src=|https?:\/\/(?!10\.0\.0\.1)/);
  });

  test('/ redirects to /targets', async () => {
    const res = await fetch(h.url('/'), { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/targets');
  });

  test('unknown paths are 404', async () => {
    for (const path of ['/nope', '/targets/', '/api/v1/query', '/metrics/extra']) {
      const res = await fetch(h.url(path));
      expect([path, res.status]).toEqual([path, 404]);
      await res.text();
    }
  });

  test('debug endpoints are 404 without enableDebug', async () => {
    for (const path of ['/debug/heap', '/debug/profile?seconds=1']) {
      const res = await fetch(h.url(path));
      expect([path, res.status]).toEqual([path, 404]);
      await res.text();
    }
  });

  test('a handler that throws answers 500 and logs, without ending the server', async () => {
    h.targets.targets = () => {
      throw new Error('provider broke');
    };
    try {
      const res = await fetch(h.url('/api/v1/targets'));
      expect(res.status).toBe(500);
      expect(await res.text()).not.toContain('provider broke');
      expect(h.logger.records.some((r) => r.level === 'error' && r.msg === 'HTTP handler failed')).toBe(true);
    } finally {
      h.targets.targets = FakeTargets.prototype.targets;
    }
    expect((await fetch(h.url('/-/healthy'))).status).toBe(200);
  });
});

describe('startServer with enableDebug', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await start(true);
  });
  afterAll(() => h.server.close());

  test.each(['0', '301', '1.5', 'abc', '-1'])('/debug/profile?seconds=%s is 400', async (seconds) => {
    const res = await fetch(h.url(`/debug/profile?seconds=${seconds}`));
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('seconds must be an integer from 1 to 300');
  });

  test('close() ends a running profile instead of waiting for it', async () => {
    const own = await start(true);
    const pending = fetch(own.url('/debug/profile?seconds=300')).then(
      (res) => res.status,
      () => 'connection closed',
    );
    while (!own.logger.records.some((r) => r.msg === 'recording a CPU profile')) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await own.server.close();
    expect(await pending).toBe('connection closed');
  });
});

describe('debug endpoints in a separate small process', () => {
  let child: ChildProcess;
  let base: string;
  let dir = '';
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'scrapewire-server-'));
    const script = path.join(dir, 'child-server.js');
    buildSync({ entryPoints: [path.join(__dirname, 'child-server.ts')], bundle: true, platform: 'node', target: 'node20', outfile: script, logLevel: 'error' });
    child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
    base = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /LISTENING (\S+)\n/.exec(out);
        if (match) resolve(`http://${match[1]}`);
      });
      child.once('exit', (code) => reject(new Error(`child server exited with ${code} before listening`)));
    });
  });
  afterAll(() => {
    child?.kill();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });
  const h = { url: (p: string) => `${base}${p}` };

  test('/debug/heap streams a V8 heap snapshot as a download', async () => {
    const res = await fetch(h.url('/debug/heap'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="scrapewire-heap-.*\.heapsnapshot"$/);
    const reader = res.body!.getReader();
    let head = '';
    const decoder = new TextDecoder();
    while (head.length < 32) {
      const { value, done } = await reader.read();
      if (done) break;
      head += decoder.decode(value, { stream: true });
    }
    await reader.cancel();
    expect(head.startsWith('{"snapshot"')).toBe(true);
  });

  test('/debug/profile?seconds=1 returns a .cpuprofile', async () => {
    const res = await fetch(h.url('/debug/profile?seconds=1'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/\.cpuprofile"$/);
    const profile = await res.json();
    expect(Array.isArray(profile.nodes)).toBe(true);
    expect(profile.nodes.length).toBeGreaterThan(0);
    expect(profile.nodes[0].callFrame.functionName).toBe('(root)');
    expect(profile.endTime).toBeGreaterThan(profile.startTime);
  });

});

describe('startServer errors', () => {
  test('an address in use is a usage error naming the address', async () => {
    const first = await start(false);
    try {
      const attempt = startServer({
        listenAddress: first.server.address,
        registry: new Registry(),
        targets: new FakeTargets(),
        control: new FakeControl(),
        enableDebug: false,
      });
      await expect(attempt).rejects.toThrow(`cannot listen on ${first.server.address}: EADDRINUSE`);
    } finally {
      await first.server.close();
    }
  });

  test('a malformed address is rejected before listening', async () => {
    const attempt = startServer({
      listenAddress: 'localhost',
      registry: new Registry(),
      targets: new FakeTargets(),
      control: new FakeControl(),
      enableDebug: false,
    });
    await expect(attempt).rejects.toMatchObject({ code: 'ERR_USAGE' });
  });
});

describe('lifecycle endpoints', () => {
  test('without enableLifecycle /-/reload and /-/quit answer 403 and do nothing', async () => {
    const h = await start(false, createSelfMetricsRegistry(), {});
    try {
      for (const path of ['/-/reload', '/-/quit']) {
        const res = await fetch(h.url(path), { method: 'POST' });
        expect([path, res.status, await res.text()]).toEqual([path, 403, 'Lifecycle API is not enabled.\n']);
      }
      expect(h.control.reloads).toBe(0);
      expect(h.control.quits).toBe(0);
    } finally {
      await h.server.close();
    }
  });

  test('with enableLifecycle POST /-/quit answers, then asks the collector to stop', async () => {
    const h = await start(false);
    try {
      const res = await fetch(h.url('/-/quit'), { method: 'PUT' });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('Requesting termination... Goodbye!\n');
      for (let i = 0; i < 100 && h.control.quits === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(h.control.quits).toBe(1);
      expect((await fetch(h.url('/-/quit'))).status).toBe(405);
    } finally {
      await h.server.close();
    }
  });
});

/** Sends raw bytes on a new connection; resolves with everything the server wrote before closing. */
function raw(port: number, bytes: string | Buffer, endAfterMs = 200): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let out = '';
    socket.on('data', (chunk: Buffer) => (out += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(out));
    socket.write(bytes);
    setTimeout(() => socket.end(), endAfterMs);
  });
}

const statusOf = (answer: string): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);

describe('malformed and hostile requests', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await start(false, createSelfMetricsRegistry(), { limits: { headersTimeoutMs: 1000, maxConnections: 8 } });
  });
  afterAll(() => h.server.close());

  test.each([
    ['a path that new URL() takes for a host', 'GET //[x/ HTTP/1.1\r\nHost: a\r\n\r\n', 404],
    ['an unclosed IPv6 host', 'GET http://[::1/ HTTP/1.1\r\nHost: a\r\n\r\n', 400],
    ['a NUL in the host', 'GET http://a%00b/ HTTP/1.1\r\nHost: a\r\n\r\n', 400],
    ['an asterisk target', 'GET * HTTP/1.1\r\nHost: a\r\n\r\n', 400],
    ['an unknown method', 'BREW /-/healthy HTTP/1.1\r\nHost: a\r\n\r\n', 400],
    ['no Host header', 'GET /-/healthy HTTP/1.1\r\n\r\n', 400],
    ['an unknown HTTP version', 'GET /-/healthy HTTP/9.9\r\nHost: a\r\n\r\n', 400],
    ['a 20 kB header', `GET /-/healthy HTTP/1.1\r\nHost: a\r\nX-Flood: ${'x'.repeat(20_000)}\r\n\r\n`, 431],
    ['5,000 headers', `GET /-/healthy HTTP/1.1\r\nHost: a\r\n${'X-A: b\r\n'.repeat(5000)}\r\n`, 431],
    ['Content-Length with chunked', 'GET /-/healthy HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n', 400],
    ['a bad chunk size (answered before the body is read)', 'POST /-/reload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 403],
    ['a negative Content-Length', 'GET /-/healthy HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n', 400],
    ['bytes above 0x7f in the target', 'GET /\xff\xfe HTTP/1.1\r\nHost: a\r\n\r\n', 400],
    ['CONNECT', 'CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n', 405],
    ['an Upgrade request', 'GET /-/healthy HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n', 200],
  ])('%s: the status in the table, and the server goes on', async (_name, request, status) => {
    expect(statusOf(await raw(h.server.port, Buffer.from(request, 'latin1')))).toBe(status);
    expect((await fetch(h.url('/-/healthy'))).status).toBe(200);
  });

  test('a client that sends its head too slowly gets 408 and is disconnected', async () => {
    const socket = connect(h.server.port, '127.0.0.1');
    let out = '';
    socket.on('data', (chunk: Buffer) => (out += chunk.toString()));
    socket.on('error', () => undefined);
    socket.write('GET /-/healthy HTTP/1.1\r\n');
    const drip = setInterval(() => socket.writable && socket.write('X-Slow: 1\r\n'), 200);
    await new Promise((resolve) => socket.on('close', resolve));
    clearInterval(drip);
    expect(statusOf(out)).toBe(408);
  });

  test('connections beyond maxConnections are closed at once and counted; the others are served', async () => {
    const idle = Array.from({ length: 8 }, () => connect(h.server.port, '127.0.0.1').on('error', () => undefined));
    await Promise.all(idle.map((socket) => new Promise((resolve) => socket.once('connect', resolve))));
    try {
      const extra = await raw(h.server.port, 'GET /-/healthy HTTP/1.1\r\nHost: a\r\n\r\n', 2000);
      expect(extra).toBe('');
      expect(await h.server.port).toBeGreaterThan(0);
    } finally {
      for (const socket of idle) socket.destroy();
    }
    let healthy = 0;
    for (let i = 0; i < 50 && healthy !== 200; i++) {
      healthy = await fetch(h.url('/-/healthy')).then((r) => r.status, () => 0);
    }
    expect(healthy).toBe(200);
    const metrics = await (await fetch(h.url('/metrics'))).text();
    expect(metrics).toMatch(/^scrapewire_http_connections_dropped_total [1-9]/m);
    expect(metrics).toMatch(/^scrapewire_http_client_errors_total\{reason="malformed"\} [1-9]/m);
  });

  test('a handler that fails after its answer began ends that connection only', async () => {
    const registry = createSelfMetricsRegistry();
    const server = await startServer({
      listenAddress: '127.0.0.1:0',
      registry,
      targets: new FakeTargets(),
      control: new FakeControl(),
      enableDebug: false,
      routes: [
        {
          path: '/half',
          methods: ['GET'],
          handle: async (_req, res) => {
            res.writeHead(200);
            res.write('partial');
            throw new Error('handler broke mid-answer');
          },
        },
        { path: '/sync', methods: ['GET'], handle: () => { throw new Error('handler broke at once'); } },
      ],
    });
    try {
      await expect(fetch(`http://${server.address}/half`).then((r) => r.text())).rejects.toThrow();
      const sync = await fetch(`http://${server.address}/sync`);
      expect(sync.status).toBe(500);
      expect((await fetch(`http://${server.address}/-/healthy`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
