/**
 * The disk queue's write path and what its fsync policy costs: DiskStore.append of records the
 * size of real queued requests, under three policies:
 *   - no fsync        write(2) only (what SIGKILL-safety needs: the page cache outlives the process)
 *   - fsync ≤ 1 s     the default: fdatasync at most 1 s after a write, at rotation and close
 *   - fsync each      fdatasync after every record (fsyncIntervalMs: 0)
 * Record sizes: 300 B (one small target's scrape), 16 KiB (about 2,000 samples of kubelet-like
 * series, snappy-compressed) and 256 KiB (a large page's request). One operation appends 64
 * records to a fresh store (created and emptied outside the timed window).
 *
 *   npm run build && node --expose-gc dist/bench/disk-queue.bench.js     (npm run bench -- disk-queue)
 *
 * BENCH_DIR picks the file system (default: the OS temp dir); BENCH_TIME_MS the time per task
 * (default 2000). Reported: records/s and MB/s (10^6 bytes) from tinybench's mean.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DiskStore, type DiskRef } from '../src/remote/disk-store';
import { shardKeyHash, type QueuedRequest } from '../src/remote/queued-request';
import { RW1 } from '../src/remote-write-protocol';

const RECORDS_PER_OP = 64;
const SIZES = [300, 16 * 1024, 256 * 1024];
const POLICIES: Array<{ name: string; fsyncIntervalMs: number }> = [
  { name: 'no fsync', fsyncIntervalMs: Infinity },
  { name: 'fsync <= 1 s (default)', fsyncIntervalMs: 1000 },
  { name: 'fsync each record', fsyncIntervalMs: 0 },
];

function record(seq: number, size: number): QueuedRequest {
  // Incompressible-looking bytes, as snappy output is.
  const body = new Uint8Array(size);
  for (let i = 0; i < size; i++) body[i] = (i * 2654435761 + seq) >>> 24;
  return { seq, keys: Uint32Array.of(shardKeyHash(`job\u0000http://10.0.0.${seq % 250}:8080/metrics`)), samples: Math.max(1, Math.round(size / 8)), newestTimestampMs: 1_700_000_000_000 + seq, protocol: RW1, body };
}

function fileSystemOf(dir: string): string {
  const mounts = fs.readFileSync('/proc/mounts', 'utf8').split('\n').map((line) => line.split(' ')).filter((f) => f.length > 2);
  let best = { point: '', fs: 'unknown', dev: '' };
  const real = fs.realpathSync(dir);
  for (const [dev, point, type] of mounts) {
    if ((real === point || real.startsWith(point.endsWith('/') ? point : `${point}/`)) && point.length >= best.point.length) best = { point, fs: type, dev };
  }
  return `${best.dev} (${best.fs}) mounted on ${best.point}`;
}

async function main(): Promise<void> {
  const { Bench } = await import('tinybench');
  const root = fs.mkdtempSync(path.join(process.env.BENCH_DIR ?? os.tmpdir(), 'sw-disk-bench-'));
  const time = Number(process.env.BENCH_TIME_MS ?? 2000);
  console.log(`disk queue: ${RECORDS_PER_OP} records per op; directory ${root} on ${fileSystemOf(root)} (node ${process.version})`);
  const rows: string[] = ['| record | policy | records/s | MB/s | ms per op (mean) | ops |', '|---:|---|---:|---:|---:|---:|'];
  try {
    for (const size of SIZES) {
      const records = Array.from({ length: RECORDS_PER_OP }, (_, i) => record(i + 1, size));
      for (const policy of POLICIES) {
        let store: DiskStore | undefined;
        let refs: DiskRef[] = [];
        let run = 0;
        const bench = new Bench({ time, warmupTime: 200, iterations: 5 });
        bench.add(`${size} B, ${policy.name}`, () => {
          for (const r of records) refs.push(store!.append(r)!);
        }, {
          beforeEach: () => {
            store = new DiskStore({ dir: path.join(root, `run-${run++}`), budgetBytes: 1 << 30, fsyncIntervalMs: policy.fsyncIntervalMs, onSegmentDropped: () => {} });
            store.recover();
            refs = [];
          },
          afterEach: () => {
            for (const ref of refs) store!.release(ref);
            store!.close();
          },
        });
        (globalThis as { gc?: () => void }).gc?.();
        await bench.run();
        const task = bench.tasks[0];
        const result = task.result as { state: string; latency?: { mean: number; samplesCount?: number }; error?: unknown };
        if (result.state !== 'completed' || !result.latency) {
          rows.push(`| ${size} | ${policy.name} | failed: ${String(result.error ?? result.state)} | | | |`);
          continue;
        }
        const seconds = result.latency.mean / 1000;
        const recordsPerSecond = RECORDS_PER_OP / seconds;
        const megabytesPerSecond = (RECORDS_PER_OP * size) / seconds / 1e6;
        rows.push(`| ${size} B | ${policy.name} | ${Math.round(recordsPerSecond).toLocaleString('en-US')} | ${megabytesPerSecond.toFixed(1)} | ${result.latency.mean.toFixed(2)} | ${result.latency.samplesCount ?? '?'} |`);
      }
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  console.log(rows.join('\n'));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
