/**
 * The disk queue on a real full disk (a tmpfs mounted by the test): a write cut short by ENOSPC
 * is truncated back so the segment stays valid, and the queue keeps what the disk refuses in
 * memory within its budget, drops the rest counted as disk_error, never throws into the
 * producer, and writes out what it kept once the disk has room again.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Registry } from 'prom-client';
import { RemoteWriter, RW1 } from '../../src/remote';
import { DiskStore } from '../../src/remote/disk-store';
import { DISK_RETRY_MS } from '../../src/remote/disk-failures';
import { DiskQueueError, SEGMENT_HEADER_BYTES } from '../../src/remote/segment-file';
import type { QueuedRequest } from '../../src/remote/queued-request';
import { fillDisk, mountTmpfs, tmpfsSupport, type Tmpfs } from '../hostile/support/disk-tmpfs';
import { ScriptedReceiver } from './scripted-receiver';
import { captureLogger, endpoints, metricValue, numberedScrape } from './producer';

const unsupported = tmpfsSupport();
const describeOnTmpfs = unsupported === undefined ? describe : describe.skip;
if (unsupported !== undefined) console.warn(`test/remote/disk-full.test.ts skipped: ${unsupported}`);

function request(seq: number, size: number): QueuedRequest {
  return { seq, keys: Uint32Array.of(1), samples: 1, newestTimestampMs: 1_700_000_000_000 + seq, protocol: RW1, body: new Uint8Array(size).fill(seq & 0xff) };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describeOnTmpfs(`a full disk${unsupported === undefined ? '' : ` (skipped: ${unsupported})`}`, () => {
  let tmpfs: Tmpfs;
  beforeEach(() => { tmpfs = mountTmpfs(1024 * 1024); });
  afterEach(() => tmpfs.unmount());

  it('truncates a record cut short by ENOSPC; the records after it stay readable', () => {
    const dir = path.join(tmpfs.dir, 'queue');
    const store = new DiskStore({ dir, budgetBytes: 1 << 30, onSegmentDropped: () => {} });
    store.recover();
    const refs = [1, 2, 3].map((seq) => store.append(request(seq, 1000))!);
    const segment = path.join(dir, fs.readdirSync(dir).find((f) => f.endsWith('.seg'))!);
    const sizeBefore = fs.statSync(segment).size;
    const filler = fillDisk(tmpfs.dir, 8192);

    let error: unknown;
    try {
      store.append(request(4, 64 * 1024));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DiskQueueError);
    const diskError = error as DiskQueueError;
    expect(diskError.errno).toBe('ENOSPC');
    expect(diskError.operation).toBe('write');
    // Part of the record did reach the file (a real torn write) and was taken back out.
    expect(diskError.bytesWritten).toBeGreaterThan(0);
    expect(diskError.bytesWritten).toBeLessThan(64 * 1024);
    expect(fs.statSync(segment).size).toBe(sizeBefore);

    fs.rmSync(filler);
    const later = [5, 6].map((seq) => store.append(request(seq, 1000))!);
    expect(later[0]).toEqual({ segment: refs[0].segment, offset: sizeBefore, length: refs[0].length });
    store.close();

    const again = new DiskStore({ dir, budgetBytes: 1 << 30, onSegmentDropped: () => {} });
    const result = again.recover();
    expect(result.tornRecords).toBe(0);
    expect(result.records.map((r) => r.seq)).toEqual([1, 2, 3, 5, 6]);
    for (const r of result.records) expect(again.read(r.ref)).toEqual(request(r.seq, 1000));
    expect(fs.statSync(segment).size).toBe(SEGMENT_HEADER_BYTES + 5 * refs[0].length);
  });

  it('keeps what the disk refuses in memory, drops the rest as disk_error, and spills it once the disk has room', async () => {
    const receiver = await new ScriptedReceiver(() => ({ status: 503 })).start();
    const registry = new Registry();
    const { logger, lines } = captureLogger();
    const writer = new RemoteWriter({
      registry, logger, storageDir: tmpfs.dir,
      endpoints: endpoints({ url: receiver.url, name: 'full', memory_budget: '3KiB', queue_config: { min_backoff: '50ms', max_backoff: '100ms', max_shards: 1, max_samples_per_send: 20 } }),
    });
    try {
      let written = 0;
      const write = (i: number): string => {
        written += 20;
        return numberedScrape('m', i * 20, 20, 1_700_000_000_000).writeTo(writer)[0];
      };
      expect(write(0)).toBe('memory');
      // The first send fails: the queue degrades and spills to disk.
      for (let i = 0; i < 100 && writer.stats().full.diskBytes === 0; i++) await sleep(20);
      expect(writer.stats().full.diskBytes).toBeGreaterThan(0);
      expect(write(1)).toBe('disk');

      const filler = fillDisk(tmpfs.dir);
      const results: string[] = [];
      for (let i = 2; i < 60; i++) results.push(write(i)); // never throws
      // What still fits in the segment's last page goes to disk; then memory until its budget; then drops.
      const codes = results.map((r) => ({ disk: 'D', memory: 'M', dropped: 'X' })[r] ?? '?').join('');
      expect(codes).toMatch(/^D*M+X+$/);
      const droppedRequests = results.filter((r) => r === 'dropped').length;
      expect(await metricValue(registry, 'scrapewire_remote_write_samples_dropped_total', { endpoint: 'full', reason: 'disk_error' })).toBe(droppedRequests * 20);
      expect(await metricValue(registry, 'scrapewire_remote_write_samples_dropped_total', { endpoint: 'full' })).toBe(droppedRequests * 20);
      expect(await metricValue(registry, 'scrapewire_remote_write_disk_errors_total', { endpoint: 'full', operation: 'write' })).toBeGreaterThan(0);
      const kept = writer.stats().full.unpersistedRequests;
      expect(kept).toBe(results.filter((r) => r === 'memory').length);
      expect(writer.stats().full.memoryBytes).toBeLessThanOrEqual(3 * 1024);
      // Logged, once for the failing spell and once (rate-limited) for the drops.
      const errors = lines.filter((l) => l.level === 'error').map((l) => l.msg ?? '');
      expect(errors.filter((m) => m.includes('a write failed'))).toHaveLength(1);
      expect(errors.filter((m) => m.includes('disk_error'))).not.toHaveLength(0);

      // Room again: after the retry pause the next request goes to disk, and the ones kept in memory follow it.
      fs.rmSync(filler);
      await sleep(DISK_RETRY_MS + 100);
      expect(write(60)).toBe('disk');
      expect(writer.stats().full.unpersistedRequests).toBe(0);
      expect(lines.some((l) => l.level === 'info' && (l.msg ?? '').includes('accepts writes again'))).toBe(true);

      // The receiver comes back: everything not counted as dropped is delivered.
      receiver.setScript(() => ({ status: 204 }));
      await writer.whenIdle();
      expect(await metricValue(registry, 'scrapewire_remote_write_samples_sent_total', { endpoint: 'full' })).toBe(written - droppedRequests * 20);
    } finally {
      await writer.close(0);
      await receiver.stop();
    }
  });
});
