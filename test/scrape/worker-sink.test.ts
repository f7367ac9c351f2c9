/**
 * The worker's sink (src/scrape/workers/worker-sink.ts): every request's bytes arrive intact and
 * in order, one message per turn of the event loop however large the turn's requests are (as many
 * buffers as they need), outcomes after the requests written before them, and buffers given back are reused.
 */
import { RW1 } from '../../src/remote-write-protocol';
import { BUFFER_BYTES, WorkerSink } from '../../src/scrape/workers/worker-sink';
import type { WireOutcome, WireRequest } from '../../src/scrape/workers/protocol';

interface Posted {
  buffers: ArrayBuffer[];
  requests: WireRequest[];
  outcomes: WireOutcome[];
}

function sink(posted: Posted[]): WorkerSink {
  return new WorkerSink({ protocols: [RW1], nativeHistograms: false, exemplars: false, post: (buffers, requests, outcomes) => posted.push({ buffers, requests, outcomes }) });
}

function body(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + seed) & 0xff;
  return bytes;
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('WorkerSink', () => {
  it('sends a turn\'s requests in one message, in as many buffers as they need, bytes intact and in order', async () => {
    const posted: Posted[] = [];
    const worker = sink(posted);
    const sizes = [100, BUFFER_BYTES - 200, 3 * BUFFER_BYTES, 10];
    sizes.forEach((size, i) => worker.write({ protocol: RW1, body: body(size, i), samples: i + 1, newestTimestampMs: 1000 + i, shardKey: `t${i % 2}` }));
    worker.outcome({ key: 'k', timestampMs: 1, durationMs: 2, samplesWritten: 10, health: 'up', seriesCount: 3 });
    expect(posted).toHaveLength(0);
    await turn();
    expect(posted).toHaveLength(1);
    const [{ buffers, requests, outcomes }] = posted;
    expect(requests.map((r) => [r.length, r.samples, r.newestTimestampMs, r.shardKey])).toEqual(sizes.map((size, i) => [size, i + 1, 1000 + i, `t${i % 2}`]));
    // 100 and BUFFER_BYTES - 200 share a buffer; the large one has its own; 10 goes in a new one.
    expect(requests.map((r) => r.buffer)).toEqual([0, 0, 1, 2]);
    expect(buffers.map((b) => b.byteLength)).toEqual([BUFFER_BYTES, 3 * BUFFER_BYTES, BUFFER_BYTES]);
    requests.forEach((r, i) => expect(Buffer.from(new Uint8Array(buffers[r.buffer], r.offset, r.length)).equals(Buffer.from(body(sizes[i], i)))).toBe(true));
    expect(outcomes.map((o) => o.key)).toEqual(['k']);
  });

  it('sends outcomes alone when nothing was written, and reuses a buffer given back', async () => {
    const posted: Posted[] = [];
    const worker = sink(posted);
    worker.outcome({ key: 'a', timestampMs: 1, durationMs: 2, samplesWritten: 0, health: 'down', seriesCount: 0 });
    await turn();
    expect(posted).toEqual([{ buffers: [], requests: [], outcomes: [expect.objectContaining({ key: 'a' })] }]);

    worker.write({ protocol: RW1, body: body(10, 1), samples: 1, newestTimestampMs: 1, shardKey: 's' });
    await turn();
    const [first] = posted[1].buffers;
    worker.giveBack([first]);
    worker.write({ protocol: RW1, body: body(20, 2), samples: 1, newestTimestampMs: 1, shardKey: 's' });
    await turn();
    expect(posted[2].buffers).toEqual([first]);
    expect(posted[2].buffers[0]).toBe(first);
    expect(Buffer.from(new Uint8Array(first, 0, 20)).equals(Buffer.from(body(20, 2)))).toBe(true);
  });
});
