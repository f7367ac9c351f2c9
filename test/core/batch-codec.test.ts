/**
 * The batch codec (src/core/batch-codec.ts, assembly/batch.ts): several targets' requests as one,
 * decoded with the official .proto files. 1.0: the concatenation is the requests' series in
 * order. 2.0: one symbol table, "" first and each string once, and every series, exemplar and
 * metadata resolving to the same strings as in its own request.
 */
import { BatchCodec } from '../../src/core/batch-codec';
import { Core } from '../../src/core/core';
import { RW1, RW2, type RemoteWriteProtocol } from '../../src/remote-write-protocol';
import { snappyUncompress } from '../../src/remote/snappy';
import { decodeRw1, decodeRw2, encodeRw2, rw2Labels } from '../helpers/remote-write-proto';
import { Rng } from '../../bench/payload/prng';

/* eslint-disable @typescript-eslint/no-explicit-any */

const PAGE_A = [
  '# TYPE req counter',
  '# HELP req Requests "served".',
  'req_total{code="200",pod="a"} 10 # {trace_id="abc"} 1 1700000000.5',
  'req_total{code="500",pod="a"} 2',
  '# TYPE lat_seconds histogram',
  '# UNIT lat_seconds seconds',
  '# HELP lat_seconds Latency.',
  'lat_seconds_bucket{le="0.1",pod="a"} 1',
  'lat_seconds_bucket{le="+Inf",pod="a"} 2',
  'lat_seconds_count{pod="a"} 2',
  'lat_seconds_sum{pod="a"} 0.3',
  '# EOF',
  '',
].join('\n');

const PAGE_B = [
  '# TYPE req counter',
  '# HELP req Requests served by b.',
  'req_total{code="200",pod="b"} 7 # {span_id="s1",trace_id="xyz"} 3 1700000001',
  '# TYPE temp gauge',
  'temp{pod="b",room="kitchen"} 21.5',
  '# EOF',
  '',
].join('\n');

async function requestsOf(page: string, protocol: RemoteWriteProtocol, timestampMs: number, max = 0): Promise<Uint8Array[]> {
  const core = Core.create();
  await core.scrape([Buffer.from(page)], { format: 'openmetrics', timestampMs });
  const requests: Uint8Array[] = [];
  core.encodeRequests(protocol, { maxSamplesPerRequest: max }, (request) => requests.push(request.body.slice()));
  return requests;
}

/** A 2.0 request's series with every ref resolved to its string. */
function resolvedRw2(request: any): unknown[] {
  const symbols: string[] = request.symbols;
  return request.timeseries.map((ts: any) => ({
    labels: rw2Labels(symbols, ts.labels_refs),
    samples: ts.samples,
    exemplars: ts.exemplars.map((e: any) => ({ labels: rw2Labels(symbols, e.labels_refs), value: e.value, timestamp: e.timestamp })),
    metadata: ts.metadata && { type: ts.metadata.type, help: symbols[ts.metadata.help_ref], unit: symbols[ts.metadata.unit_ref] },
  }));
}

describe('BatchCodec', () => {
  const codec = new BatchCodec();

  it('1.0: the requests back to back, compressed once, decode as one request with every series in order', async () => {
    const parts = [...await requestsOf(PAGE_A, RW1, 1000, 3), ...await requestsOf(PAGE_B, RW1, 2000)];
    expect(parts.length).toBeGreaterThan(2);
    const merged = decodeRw1(snappyUncompress(codec.encode(RW1, parts)));
    expect(merged.timeseries).toEqual(parts.flatMap((part) => decodeRw1(part).timeseries));
  });

  it('2.0: one de-duplicated symbol table; series, exemplars and metadata resolve to the same strings', async () => {
    const parts = [...await requestsOf(PAGE_A, RW2, 1000, 3), ...await requestsOf(PAGE_B, RW2, 2000)];
    const merged = decodeRw2(snappyUncompress(codec.encode(RW2, parts)));
    const symbols: string[] = merged.symbols;
    expect(symbols[0]).toBe('');
    expect(new Set(symbols).size).toBe(symbols.length);
    expect(resolvedRw2(merged)).toEqual(parts.flatMap((part) => resolvedRw2(decodeRw2(part))));
    // Both pages' strings, shared ones once: "req_total" and "code" are in both.
    expect(symbols.filter((s) => s === 'req_total')).toHaveLength(1);
    expect(symbols).toEqual(expect.arrayContaining(['Requests "served".', 'Requests served by b.', 'seconds', 'kitchen', 'xyz']));
  });

  it('2.0: a single request comes out equivalent, and an empty batch is an empty request', async () => {
    const [part] = await requestsOf(PAGE_B, RW2, 3000);
    expect(resolvedRw2(decodeRw2(snappyUncompress(codec.encode(RW2, [part]))))).toEqual(resolvedRw2(decodeRw2(part)));
    expect(decodeRw2(snappyUncompress(codec.encode(RW2, []))).symbols).toEqual(['']);
  });

  it('2.0: merges requests written by another encoder, their symbols after their series', () => {
    const random = new Rng(7);
    const parts: Uint8Array[] = [];
    const expected: unknown[] = [];
    for (let p = 0; p < 20; p++) {
      const symbols = [''];
      const ref = (s: string): number => (symbols.includes(s) ? symbols.indexOf(s) : symbols.push(s) - 1);
      const timeseries = Array.from({ length: 1 + random.int(30) }, (_, i) => ({
        labels_refs: [ref('__name__'), ref(`m${random.int(50)}`), ref('i'), ref(String(i)), ref('part'), ref(String(p))],
        samples: [{ value: random.int(1000), timestamp: 1_700_000_000_000 + i }],
      }));
      expected.push(...resolvedRw2(decodeRw2(encodeRw2({ symbols, timeseries }))));
      // Protobuf fields may come in any order: series first, then the table they refer to.
      parts.push(Buffer.concat([encodeRw2({ symbols: [], timeseries }), encodeRw2({ symbols, timeseries: [] })]));
    }
    const merged = decodeRw2(snappyUncompress(codec.encode(RW2, parts)));
    expect(new Set(merged.symbols).size).toBe(merged.symbols.length);
    expect(resolvedRw2(merged)).toEqual(expected);
  });

  it('refuses a 2.0 part whose series refer to a symbol it does not have (ERR_REMOTE_WRITE), and works on', async () => {
    const bad = encodeRw2({ symbols: ['', 'a'], timeseries: [{ labels_refs: [1, 5], samples: [{ value: 1, timestamp: 1 }] }] });
    expect(() => codec.encode(RW2, [bad])).toThrow(expect.objectContaining({ code: 'ERR_REMOTE_WRITE' }));
    expect(() => codec.encode(RW2, [bad.subarray(0, bad.length - 3)])).toThrow(expect.objectContaining({ code: 'ERR_REMOTE_WRITE' }));
    const [part] = await requestsOf(PAGE_B, RW2, 3000);
    expect(resolvedRw2(decodeRw2(snappyUncompress(codec.encode(RW2, [part]))))).toEqual(resolvedRw2(decodeRw2(part)));
  });
});
