/**
 * The remote writer used alone (scrapewire/remote): built from plain endpoint options validated
 * by the configuration's validator, fed requests from a Core, reporting what it does as typed
 * events (sent, failed, retried, dropped, queue), and AbortSignals on its long calls. The
 * receiver is a loopback server told to fail, refuse or accept.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Core } from '../../src/core/core';
import { RW1 } from '../../src/remote-write-protocol';
import { createRemoteWriter, type DeliveryEvents } from '../../src/remote';
import { startHttpServer, type LoopbackServer } from '../scrape/support/loopback-server';
import { decodeRw1 } from '../helpers/remote-write-proto';
import { snappyUncompress } from '../../src/remote/snappy';

let receiver: LoopbackServer;
/** What the receiver answers next: 204, 503 (retry) or 400 (drop). */
let answer = 204;
const received: string[] = [];
let dir: string;

beforeAll(async () => {
  receiver = await startHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (answer === 204) {
        for (const series of decodeRw1(snappyUncompress(Buffer.concat(chunks))).timeseries) {
          received.push(series.labels.map((l: { name: string; value: string }) => `${l.name}=${l.value}`).join(','));
        }
      }
      res.writeHead(answer).end();
    });
  });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-writer-'));
});

afterAll(async () => {
  await receiver.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** One request of `n` series from a core, handed to `write`. */
function requestOf(series: string[], write: (request: Parameters<ReturnType<typeof createRemoteWriter>['write']>[0]) => void): void {
  const core = Core.create();
  core.begin({ format: 'text', timestampMs: Date.now(), honorTimestamps: true });
  core.feed(Buffer.from(series.map((s) => `${s} 1\n`).join('')));
  core.finish(() => undefined);
  core.encodeRequests(RW1, {}, (request) => write({ ...request, shardKey: 'test', newestTimestampMs: Date.now() }));
}

test('plain options are validated by the configuration\'s validator, naming the field', () => {
  expect(() => createRemoteWriter({ endpoints: [{ url: 'ftp://example/write' }] })).toThrow(
    '<remote writer options>:2: remote_write[0].url: invalid url "ftp://example/write": must be an absolute http or https URL');
  expect(() => createRemoteWriter({ endpoints: [{ url: 'http://127.0.0.1:1/w', queue_config: { min_backoff: 'soon' } }] })).toThrow(
    /remote_write\[0\]\.queue_config\.min_backoff: .*"soon"/);
  // Strings are literal: no ${NAME} from the environment.
  const writer = createRemoteWriter({ endpoints: [{ url: 'http://127.0.0.1:1/w', headers: { 'x-tenant': '${HOME}' } }] });
  expect(writer.queues.map((q) => q.name)).toHaveLength(1);
  return writer.close(0);
});

test('events: sent, failed and retried while the receiver fails, dropped on a 400, the queue\'s state; flush and close take a signal', async () => {
  const writer = createRemoteWriter({
    endpoints: [{ url: `${receiver.origin}/api/v1/write`, name: 'vm', queue_config: { min_backoff: '20ms', max_backoff: '40ms', batch_send_deadline: '10ms' } }],
    storageDir: dir,
  });
  const events: Array<[keyof DeliveryEvents, DeliveryEvents[keyof DeliveryEvents]]> = [];
  for (const name of ['sent', 'failed', 'retried', 'dropped', 'queue'] as const) writer.on(name, (event) => events.push([name, event]));
  // A listener that throws breaks nothing.
  writer.on('sent', () => { throw new Error('listener bug'); });
  try {
    answer = 503;
    requestOf(['a{n="1"}', 'a{n="2"}'], (request) => writer.write(request));
    // While the receiver fails, flush waits; its signal ends the wait without losing anything.
    const stopWaiting = new AbortController();
    const flushing = writer.flush({ signal: stopWaiting.signal });
    await waitUntil(() => events.some(([name]) => name === 'retried'));
    stopWaiting.abort(new Error('enough'));
    await expect(flushing).rejects.toThrow('enough');
    expect(writer.stats().vm.pendingSamples).toBe(2);
    await waitUntil(() => events.some(([name, event]) => name === 'queue' && (event as { state: string }).state === 'failing'));

    answer = 204;
    await writer.flush();
    expect(received.sort()).toEqual(['__name__=a,n=1', '__name__=a,n=2']);
    const sent = events.filter(([name]) => name === 'sent').map(([, event]) => event);
    expect(sent).toEqual([expect.objectContaining({ endpoint: 'vm', samples: 2, attempts: expect.any(Number) })]);
    expect((sent[0] as { attempts: number }).attempts).toBeGreaterThan(1);
    expect(events.find(([name]) => name === 'failed')?.[1]).toEqual({ endpoint: 'vm', samples: 2, reason: 'http_503', status: 503, retrying: true });
    expect(events.find(([name]) => name === 'retried')?.[1]).toEqual({ endpoint: 'vm', samples: 2, attempt: 2 });

    answer = 400;
    requestOf(['b'], (request) => writer.write(request));
    await writer.flush();
    expect(events.filter(([name]) => name === 'dropped').map(([, event]) => event)).toEqual([{ endpoint: 'vm', reason: 'http_400', samples: 1, requests: 1 }]);
    expect(events.filter(([name]) => name === 'failed').pop()?.[1]).toMatchObject({ reason: 'http_400', retrying: false });
  } finally {
    answer = 204;
    // An aborted signal ends close()'s delivery wait at once; the writer still closes.
    await writer.close(60_000, { signal: AbortSignal.abort() });
  }
  expect(events.filter(([name]) => name === 'queue').pop()?.[1]).toMatchObject({ endpoint: 'vm', state: 'closed', pendingRequests: 0 });
});

async function waitUntil(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
