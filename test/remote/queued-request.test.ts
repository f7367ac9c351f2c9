/**
 * Queue records (src/remote/queued-request.ts): format 2 round trips; format 1, written by earlier
 * builds into version-1 segments, is still read, so an upgrade resumes its queue.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DiskStore } from '../../src/remote/disk-store';
import { crc32 } from '../../src/remote/crc32';
import { decodeQueuedRequest, encodeQueuedRequest, shardKeyHash, type QueuedRequest } from '../../src/remote/queued-request';
import { SEGMENT_MAGIC } from '../../src/remote/segment-file';
import { RW1, RW2 } from '../../src/remote-write-protocol';

/** A record as builds before format 2 wrote it (the layout in queued-request.ts's header). */
function format1(seq: number, shardKey: string, rw1?: Uint8Array, rw2?: Uint8Array): Buffer {
  const key = Buffer.from(shardKey);
  const head = Buffer.alloc(1 + 1 + 8 + 4 + 8 + 2);
  let o = head.writeUInt8(1, 0);
  o = head.writeUInt8((rw1 ? 1 : 0) | (rw2 ? 2 : 0), o);
  o = head.writeDoubleLE(seq, o);
  o = head.writeUInt32LE(10 * seq, o);
  o = head.writeDoubleLE(1_700_000_000_000 + seq, o);
  head.writeUInt16LE(key.length, o);
  const bodies = [rw1, rw2].filter((b): b is Uint8Array => b !== undefined).flatMap((b) => {
    const length = Buffer.alloc(4);
    length.writeUInt32LE(b.length);
    return [length, Buffer.from(b)];
  });
  return Buffer.concat([head, key, ...bodies]);
}

test('format 2 round trips, keys and protocol included', () => {
  const request: QueuedRequest = { seq: 42, keys: Uint32Array.of(1, 0xffffffff, 7), samples: 2000, newestTimestampMs: 1_700_000_000_123, protocol: RW2, body: Uint8Array.of(1, 2, 3) };
  expect(decodeQueuedRequest(encodeQueuedRequest(request))).toEqual(request);
  expect(() => decodeQueuedRequest(encodeQueuedRequest(request).subarray(0, 30))).toThrow(expect.objectContaining({ code: 'ERR_REMOTE_WRITE' }));
});

test('format 1 is read: its shard key becomes the ordering key, its 2.0 body wins when both are there', () => {
  const one = Uint8Array.of(0x0a, 0x00);
  const two = Uint8Array.of(0x22, 0x00);
  expect(decodeQueuedRequest(format1(3, 'job/a', one))).toEqual({
    seq: 3, keys: Uint32Array.of(shardKeyHash('job/a')), samples: 30, newestTimestampMs: 1_700_000_000_003, protocol: RW1, body: one,
  });
  expect(decodeQueuedRequest(format1(4, 'job/a', one, two))).toMatchObject({ protocol: RW2, body: two });
  expect(decodeQueuedRequest(format1(5, '', undefined, two))).toMatchObject({ protocol: RW2, body: two, keys: Uint32Array.of(shardKeyHash('')) });
});

test('a version-1 segment of format-1 records is recovered and read back', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-format1-'));
  try {
    const header = Buffer.alloc(8);
    SEGMENT_MAGIC.copy(header);
    header.writeUInt32LE(1, 4);
    const records = [1, 2].map((seq) => {
      const payload = format1(seq, `t${seq}`, Uint8Array.of(0x0a, seq));
      const frame = Buffer.alloc(8);
      frame.writeUInt32LE(payload.length, 0);
      frame.writeUInt32LE(crc32(payload), 4);
      return Buffer.concat([frame, payload]);
    });
    fs.writeFileSync(path.join(dir, '00000001.seg'), Buffer.concat([header, ...records]));
    const store = new DiskStore({ dir, budgetBytes: 1 << 20, onSegmentDropped: () => {} });
    const result = store.recover();
    expect(result.setAside).toEqual([]);
    expect(result.records.map((r) => [r.seq, r.protocol, r.keys[0]])).toEqual([[1, RW1, shardKeyHash('t1')], [2, RW1, shardKeyHash('t2')]]);
    expect(store.read(result.records[1].ref)?.body).toEqual(Uint8Array.of(0x0a, 2));
    store.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
