/**
 * The built-in sink under its largest request: 180,000 new one-label series (6.5 MiB
 * decompressed, 1.3 MB snappy), three times, into a sink capped at 50,000 series. What matters
 * on a port anyone can reach is how long the event loop is held (scrapes wait meanwhile) and how
 * much heap a request builds, so those are reported next to the time per request.
 *
 *   npm run build && npm run bench -- sink
 *
 * Rows:
 *   - protobufjs decode + toObject (baseline): what the sink did before issue 10, one object per
 *     series, label and sample, all in one synchronous step
 *   - RemoteWriteSink.handleWrite: protobufjs's Reader, one series at a time, 4,096 per slice
 *     with a yield between, eviction in one pass
 * Runs in a fresh process (the runner starts it with --expose-gc).
 */
import { PassThrough } from 'node:stream';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Registry } from 'prom-client';
import { RemoteWriteSink } from '../src/collector/sink';
import { snappyCompress, snappyUncompress } from '../src/remote/snappy';
import { encodeRw1, remoteWriteTypes } from '../test/helpers/remote-write-proto';

const SERIES = 180_000;
const ROUNDS = 3;

interface Row {
  name: string;
  meanMs: number;
  longestGapMs: number;
  heapGrowthMiB: number;
}

/** Runs `task` ROUNDS times while a 1 ms interval timer records the longest gap between its ticks. */
async function measure(name: string, task: (round: number) => Promise<void>): Promise<Row> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  let peakHeap = heapBefore;
  let longestGapMs = 0;
  let last = performance.now();
  const ticker = setInterval(() => {
    const now = performance.now();
    longestGapMs = Math.max(longestGapMs, now - last);
    last = now;
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }, 1);
  const times: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now();
    await task(round);
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    times.push(performance.now() - start);
    await new Promise((resolve) => setImmediate(resolve));
  }
  clearInterval(ticker);
  return { name, meanMs: times.reduce((a, b) => a + b, 0) / times.length, longestGapMs, heapGrowthMiB: (peakHeap - heapBefore) / 2 ** 20 };
}

async function main(): Promise<void> {
  const bodies = [0, 1, 2].map((round) => Buffer.from(snappyCompress(encodeRw1({
    timeseries: Array.from({ length: SERIES }, (_, i) => ({ labels: [{ name: '__name__', value: `bench_${round}_${i}` }], samples: [{ value: i, timestamp: 1 }] })),
  }))));
  console.log(`request: ${SERIES} series, ${(snappyUncompress(bodies[0]).length / 2 ** 20).toFixed(1)} MiB decompressed, ${(bodies[0].length / 1e6).toFixed(1)} MB snappy`);

  const { WriteRequest } = remoteWriteTypes();
  const kept = new Map<string, number>();
  const baseline = await measure('protobufjs decode + toObject (baseline)', async (round) => {
    const message = WriteRequest.toObject(WriteRequest.decode(snappyUncompress(bodies[round])), { longs: Number, defaults: true, arrays: true }) as {
      timeseries: Array<{ labels: Array<{ name: string; value: string }>; samples: Array<{ value: number }> }>;
    };
    for (const ts of message.timeseries) kept.set(ts.labels.map((l) => `${l.name}=${JSON.stringify(l.value)}`).join(','), ts.samples[0]?.value ?? 0);
    kept.clear();
  });

  const sink = new RemoteWriteSink(new Registry());
  let status = 0;
  const current = await measure('RemoteWriteSink.handleWrite (sliced)', async (round) => {
    const req = Object.assign(new PassThrough(), { headers: {} }) as unknown as IncomingMessage;
    (req as unknown as PassThrough).end(bodies[round]);
    const res = {
      destroyed: false,
      writeHead(code: number) {
        status = code;
        return this;
      },
      end() {
        return this;
      },
    } as unknown as ServerResponse;
    await sink.handleWrite(req, res);
    if (status !== 204) throw new Error(`sink answered ${status}`);
  });

  console.table([baseline, current].map((row) => ({
    task: row.name,
    'mean ms/request': row.meanMs.toFixed(0),
    'longest event-loop gap ms': row.longestGapMs.toFixed(0),
    'heap growth MiB': row.heapGrowthMiB.toFixed(0),
  })));
  console.log(`sink after ${ROUNDS} requests: ${JSON.stringify(sink.stats())}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
