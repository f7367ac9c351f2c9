/**
 * Created timestamps of a protobuf page (Counter, Summary and Histogram created_timestamp) go out
 * in remote write 2.0 as Sample.start_timestamp and Histogram.start_timestamp, for every series
 * of the Metric, as the reference reads them (seconds * 1000 + trunc(nanos / 1e6)); decoded with
 * the official 2.0 proto. Gauges and metrics without one carry none.
 */
import { RW2 } from '../../src/remote-write-protocol';
import { Core } from '../../src/core';
import { SCRAPE_TS } from '../helpers/core-harness';
import { remoteWriteTypes } from '../helpers/remote-write-proto';
import { encodePage } from '../support/client-model';
import { CLASSIC_FAMILIES, NATIVE_FAMILIES } from '../support/protobuf-pages';
import { parseProtobufReference } from '../support/protobuf-reference';

/* eslint-disable @typescript-eslint/no-explicit-any */
function sent(requests: Uint8Array[]): Array<{ labels: string; start: number; histogram: boolean }> {
  const { V2Request } = remoteWriteTypes();
  const out: Array<{ labels: string; start: number; histogram: boolean }> = [];
  for (const request of requests) {
    const decoded: any = V2Request.toObject(V2Request.decode(request), { longs: Number, defaults: true, arrays: true });
    for (const ts of decoded.timeseries) {
      const refs: number[] = ts.labels_refs;
      const labels: Array<[string, string]> = [];
      for (let i = 0; i < refs.length; i += 2) labels.push([decoded.symbols[refs[i]], decoded.symbols[refs[i + 1]]]);
      for (const s of ts.samples) if (s.start_timestamp !== 0) out.push({ labels: JSON.stringify(labels), start: s.start_timestamp, histogram: false });
      for (const h of ts.histograms) if (h.start_timestamp !== 0) out.push({ labels: JSON.stringify(labels), start: h.start_timestamp, histogram: true });
    }
  }
  return out;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

test.each([false, true])('created timestamps become 2.0 start timestamps (native histograms %s)', async (native) => {
  const page = encodePage([...CLASSIC_FAMILIES, ...NATIVE_FAMILIES]);
  const reference = parseProtobufReference(page, { scrapeNativeHistograms: native });
  const core = Core.create({ scrapeNativeHistograms: native });
  await core.scrape([page], { format: 'protobuf', timestampMs: SCRAPE_TS });
  const requests: Uint8Array[] = [];
  core.encode(RW2, {}, (request) => requests.push(request.slice()));
  const expected = [
    ...reference.startTimestamps.map((s) => ({ labels: JSON.stringify(s.labels.filter(([, v]) => v !== '')), start: s.startTimestampMs, histogram: false })),
    ...reference.histograms.filter((h) => h.startTimestampMs !== undefined)
      .map((h) => ({ labels: JSON.stringify(h.labels), start: h.startTimestampMs!, histogram: true })),
  ];
  expect(expected.length).toBeGreaterThan(native ? 10 : 9);
  const key = (e: { labels: string }) => e.labels;
  expect(sent(requests).sort((a, b) => key(a).localeCompare(key(b)))).toEqual(expected.sort((a, b) => key(a).localeCompare(key(b))));
  expect(expected.every((e) => e.start === 1_700_000_000_123)).toBe(true);
});
