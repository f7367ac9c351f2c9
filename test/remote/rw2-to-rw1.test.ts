/**
 * The 2.0 -> 1.0 fallback's conversion (src/remote/rw2-to-rw1.ts), checked against the core's own
 * 1.0 encoding of the same scrape and decoded with the official .proto files.
 */
import { Core } from '../../src/core/core';
import { RW1, RW2, type RemoteWriteProtocol } from '../../src/remote-write-protocol';
import { rw2ToRw1 } from '../../src/remote/rw2-to-rw1';
import { decodeRw1, encodeRw2 } from '../helpers/remote-write-proto';

const PAGE = [
  '# TYPE req counter',
  '# HELP req Requests.',
  'req_total{code="200",pod="a"} 10 # {trace_id="abc"} 1 1700000000.5',
  'req_total{code="500",pod="a"} 2',
  '# TYPE temp_celsius gauge',
  '# UNIT temp_celsius celsius',
  'temp_celsius{room="kitchen"} 21.5',
  '# EOF',
  '',
].join('\n');

async function encoded(protocol: RemoteWriteProtocol): Promise<Uint8Array> {
  const core = Core.create();
  await core.scrape([Buffer.from(PAGE)], { format: 'openmetrics', timestampMs: 1_700_000_001_000 });
  const requests: Uint8Array[] = [];
  core.encodeRequests(protocol, {}, (request) => requests.push(request.body.slice()));
  expect(requests).toHaveLength(1);
  return requests[0];
}

test('a converted 2.0 request has the labels and samples of the 1.0 encoding, and the exemplars', async () => {
  const converted = decodeRw1(rw2ToRw1(await encoded(RW2)));
  const direct = decodeRw1(await encoded(RW1));
  const withoutExemplars = (request: { timeseries: Array<{ labels: unknown; samples: unknown }> }) =>
    request.timeseries.map((ts) => ({ labels: ts.labels, samples: ts.samples }));
  expect(withoutExemplars(converted)).toEqual(withoutExemplars(direct));
  expect(converted.timeseries[0].exemplars).toEqual([
    { labels: [{ name: 'trace_id', value: 'abc' }], value: 1, timestamp: 1_700_000_000_500 },
  ]);
  expect(converted.metadata).toEqual([]);
});

test('a ref outside the symbol table is refused with ERR_REMOTE_WRITE', () => {
  const bad = encodeRw2({ symbols: ['', 'a'], timeseries: [{ labels_refs: [1, 9], samples: [{ value: 1, timestamp: 1 }] }] });
  expect(() => rw2ToRw1(bad)).toThrow(expect.objectContaining({ code: 'ERR_REMOTE_WRITE' }));
  expect(() => rw2ToRw1(Uint8Array.of(0x2a, 0x10, 0x01))).toThrow(expect.objectContaining({ code: 'ERR_REMOTE_WRITE' }));
});
