/**
 * Disk queue records: CRC framing, torn tails, budget, deletion of acknowledged segments, and
 * segment format versions (unknown ones kept aside, headerless ones from before versions read).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Registry } from 'prom-client';
import { DiskStore } from '../../src/remote/disk-store';
import { crc32, crc32Js } from '../../src/remote/crc32';
import { SEGMENT_HEADER_BYTES, SEGMENT_MAGIC, SEGMENT_VERSION, UNKNOWN_VERSION_DIR } from '../../src/remote/segment-file';
import type { QueuedRequest } from '../../src/remote/queued-request';
import { RemoteWriter, RW1 } from '../../src/remote';
import { endpoints, metricValue, numberedScrape } from './producer';

let dir: string;
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-disk-')); });
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function request(seq: number, size = 100): QueuedRequest {
  return { seq, keys: Uint32Array.of(seq % 3, 7), samples: seq, newestTimestampMs: 1_700_000_000_000 + seq, protocol: RW1, body: new Uint8Array(size).fill(seq & 0xff) };
}

function segments(d: string): string[] {
  return fs.readdirSync(d).filter((f) => f.endsWith('.seg')).sort();
}

describe('crc32', () => {
  it('matches the known check value and the native implementation', () => {
    const check = Buffer.from('123456789');
    expect(crc32Js(check)).toBe(0xcbf43926);
    expect(crc32(check)).toBe(0xcbf43926);
    const random = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) & 0xff));
    expect(crc32(random)).toBe(crc32Js(random));
  });
});

describe('DiskStore', () => {
  it('reads back what it wrote, and after a reopen recovers it in seq order', () => {
    const store = new DiskStore({ dir, budgetBytes: 1 << 20, onSegmentDropped: () => {} });
    store.recover();
    const refs = [3, 1, 2].map((seq) => store.append(request(seq))!);
    expect(store.read(refs[0])).toEqual(request(3));
    store.close();
    const again = new DiskStore({ dir, budgetBytes: 1 << 20, onSegmentDropped: () => {} });
    const result = again.recover();
    expect(result.tornRecords).toBe(0);
    expect(result.records.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(again.read(result.records[0].ref)).toEqual(request(1));
  });

  it.each([
    ['a half-written record', (file: string) => { const data = fs.readFileSync(file); fs.writeFileSync(file, data.subarray(0, data.length - 40)); }],
    ['a flipped byte in the last record', (file: string) => { const data = fs.readFileSync(file); data[data.length - 5] ^= 0xff; fs.writeFileSync(file, data); }],
    ['a header with no payload', (file: string) => { fs.appendFileSync(file, Buffer.from([0x10, 0, 0, 0, 1, 2])); }],
  ])('truncates %s and never returns it', (_name, damage) => {
    const store = new DiskStore({ dir, budgetBytes: 1 << 20, onSegmentDropped: () => {} });
    store.recover();
    for (let seq = 1; seq <= 3; seq++) store.append(request(seq));
    store.close();
    const file = path.join(dir, segments(dir)[0]);
    const recordBytes = (fs.statSync(file).size - SEGMENT_HEADER_BYTES) / 3;
    damage(file);
    const again = new DiskStore({ dir, budgetBytes: 1 << 20, onSegmentDropped: () => {} });
    const result = again.recover();
    expect(result.tornRecords).toBe(1);
    const seqs = result.records.map((r) => r.seq);
    // The header-only case keeps all three; the other two lose the damaged third.
    expect(seqs).toEqual(seqs.length === 3 ? [1, 2, 3] : [1, 2]);
    expect(fs.statSync(file).size).toBe(SEGMENT_HEADER_BYTES + seqs.length * recordBytes);
    for (const r of result.records) expect(again.read(r.ref)).toEqual(request(r.seq));
  });

  it('drops the oldest segments past the budget and deletes acknowledged ones', () => {
    const dropped: number[] = [];
    // ~150 bytes per record, 1 KiB segments, 3 KiB budget.
    const store = new DiskStore({ dir, budgetBytes: 3 * 1024, segmentBytes: 1024, onSegmentDropped: (s) => dropped.push(s) });
    store.recover();
    const refs = Array.from({ length: 40 }, (_, i) => store.append(request(i + 1))!);
    expect(refs.every((r) => r !== undefined)).toBe(true);
    expect(dropped.length).toBeGreaterThan(0);
    expect(dropped).toEqual([...dropped].sort((a, b) => a - b));
    expect(store.bytes).toBeLessThanOrEqual(3 * 1024);
    expect(store.read(refs[0])).toBeUndefined(); // its segment is gone
    expect(store.read(refs[39])).toEqual(request(40));
    for (const ref of refs) store.release(ref);
    expect(segments(dir)).toEqual([]);
    expect(store.bytes).toBe(0);
  });

  it('refuses a record larger than the whole budget', () => {
    const store = new DiskStore({ dir, budgetBytes: 500, onSegmentDropped: () => {} });
    store.recover();
    expect(store.append(request(1, 1000))).toBeUndefined();
    expect(store.bytes).toBe(0);
  });
});

describe('queue accounting of disk and memory budgets', () => {
  it('counts disk_full drops of the oldest data and queue_full when memory and disk are full', async () => {
    const registry = new Registry();
    const w = new RemoteWriter({
      registry,
      storageDir: dir,
      segmentBytes: 2048,
      // Nothing listens on port 9: every request is queued; memory holds little, disk a few segments.
      // One request per batch: each 5-sample request is queued (or dropped) on its own.
      endpoints: endpoints({ url: 'http://127.0.0.1:9/w', name: 'b', memory_budget: 1, disk_budget: 8 * 1024, queue_config: { min_backoff: '1s', max_backoff: '1s', max_samples_per_send: 5 } }),
    });
    const results = Array.from({ length: 200 }, (_, i) => numberedScrape('m', i * 5, 5, 1_700_000_000_000).writeTo(w)[0]);
    expect(results.every((r) => r === 'disk')).toBe(true);
    const diskFull = await metricValue(registry, 'scrapewire_remote_write_requests_dropped_total', { endpoint: 'b', reason: 'disk_full' });
    expect(diskFull).toBeGreaterThan(0);
    const pending = w.stats().b.pendingRequests;
    expect(pending + diskFull).toBe(200);
    expect(await metricValue(registry, 'scrapewire_remote_write_samples_dropped_total', { endpoint: 'b', reason: 'disk_full' })).toBe(diskFull * 5);
    expect(w.stats().b.diskBytes).toBeLessThanOrEqual(8 * 1024);
    await w.close(0);

    const noDisk = new RemoteWriter({ registry: new Registry(), endpoints: endpoints({ url: 'http://127.0.0.1:9/w', name: 'c', memory_budget: 1, queue_config: { min_backoff: '1s', max_backoff: '1s', max_samples_per_send: 5 } }) });
    expect(numberedScrape('m', 0, 5, 1_700_000_000_000).writeTo(noDisk)).toEqual(['dropped']);
    await noDisk.close(0);
  });
});

describe('segment format versions', () => {
  function writeThree(): string {
    const store = new DiskStore({ dir, budgetBytes: 1 << 20, onSegmentDropped: () => {} });
    store.recover();
    for (let seq = 1; seq <= 3; seq++) store.append(request(seq));
    store.close();
    return path.join(dir, segments(dir)[0]);
  }

  it('starts every segment with the magic and this build\'s version', () => {
    const data = fs.readFileSync(writeThree());
    expect(data.subarray(0, 4)).toEqual(SEGMENT_MAGIC);
    expect(data.readUInt32LE(4)).toBe(SEGMENT_VERSION);
  });

  it('moves a segment of another version aside byte for byte, reports it, and reads the others', () => {
    const file = writeThree();
    const future = Buffer.from(fs.readFileSync(file));
    future.writeUInt32LE(SEGMENT_VERSION + 1, 4);
    // The same records under a newer version number: this build must not read, truncate or delete them.
    const futureFile = path.join(dir, '00000007.seg');
    fs.writeFileSync(futureFile, future);
    const store = new DiskStore({ dir, budgetBytes: 1 << 20, onSegmentDropped: () => {} });
    const result = store.recover();
    expect(result.setAside).toEqual([{ file: futureFile, movedTo: path.join(dir, UNKNOWN_VERSION_DIR, '00000007.seg'), version: SEGMENT_VERSION + 1 }]);
    expect(fs.readFileSync(path.join(dir, UNKNOWN_VERSION_DIR, '00000007.seg'))).toEqual(future);
    expect(fs.existsSync(futureFile)).toBe(false);
    expect(result.tornRecords).toBe(0);
    expect(result.records.map((r) => r.seq)).toEqual([1, 2, 3]);
    // New segments are numbered past the one set aside, so it can be moved back without a clash.
    const ref = store.append(request(4))!;
    expect(ref.segment).toBe(8);
    store.close();
    // A second start finds nothing more to set aside, and the first one is still there.
    const again = new DiskStore({ dir, budgetBytes: 1 << 20, onSegmentDropped: () => {} });
    expect(again.recover().setAside).toEqual([]);
    expect(fs.readFileSync(path.join(dir, UNKNOWN_VERSION_DIR, '00000007.seg'))).toEqual(future);
  });

  it('never overwrites a segment already set aside', () => {
    fs.mkdirSync(path.join(dir, UNKNOWN_VERSION_DIR));
    fs.writeFileSync(path.join(dir, UNKNOWN_VERSION_DIR, '00000001.seg'), 'earlier');
    const header = Buffer.alloc(SEGMENT_HEADER_BYTES);
    SEGMENT_MAGIC.copy(header);
    header.writeUInt32LE(99, 4);
    fs.writeFileSync(path.join(dir, '00000001.seg'), Buffer.concat([header, Buffer.from('later')]));
    const result = new DiskStore({ dir, budgetBytes: 1 << 20, onSegmentDropped: () => {} }).recover();
    expect(result.setAside[0].movedTo).toBe(path.join(dir, UNKNOWN_VERSION_DIR, '00000001.seg.1'));
    expect(fs.readFileSync(path.join(dir, UNKNOWN_VERSION_DIR, '00000001.seg'), 'utf8')).toBe('earlier');
  });

  it('reads a segment written before segments had a header (an upgrade keeps its queue)', () => {
    const file = writeThree();
    const legacy = fs.readFileSync(file).subarray(SEGMENT_HEADER_BYTES);
    fs.writeFileSync(file, legacy);
    const store = new DiskStore({ dir, budgetBytes: 1 << 20, onSegmentDropped: () => {} });
    const result = store.recover();
    expect(result.tornRecords).toBe(0);
    expect(result.setAside).toEqual([]);
    expect(result.records.map((r) => r.seq)).toEqual([1, 2, 3]);
    for (const r of result.records) expect(store.read(r.ref)).toEqual(request(r.seq));
  });

  it('deletes a segment cut inside its header (created, then the process died)', () => {
    fs.writeFileSync(path.join(dir, '00000003.seg'), SEGMENT_MAGIC.subarray(0, 3));
    const result = new DiskStore({ dir, budgetBytes: 1 << 20, onSegmentDropped: () => {} }).recover();
    expect(result.records).toEqual([]);
    expect(result.setAside).toEqual([]);
    expect(segments(dir)).toEqual([]);
  });
});
