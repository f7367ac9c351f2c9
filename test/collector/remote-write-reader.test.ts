/**
 * The sink's protobuf walker against requests encoded by protobufjs from the official .proto
 * files (test/helpers/remote-write-proto.ts): same labels, sample counts and last samples; and a
 * typed error, not a crash, for bytes that are not a request.
 */
import { readWriteRequest, type ReadSeries } from '../../src/collector/remote-write-reader';
import { encodeRw1, encodeRw2 } from '../helpers/remote-write-proto';

function readAll(bytes: Uint8Array, version2: boolean): ReadSeries[] {
  const out: ReadSeries[] = [];
  readWriteRequest(bytes, version2, (series) => out.push(series));
  return out;
}

test('1.0: labels, samples and the last sample of each series; metadata skipped', () => {
  const bytes = encodeRw1({
    timeseries: [
      { labels: [{ name: '__name__', value: 'up' }, { name: 'job', value: 'a "b"\n' }], samples: [{ value: 1, timestamp: 1000 }, { value: 0, timestamp: 2000 }] },
      { labels: [{ name: '__name__', value: 'empty' }], samples: [] },
      { labels: [{ name: '__name__', value: 'neg' }], samples: [{ value: -1.5, timestamp: -5 }] },
    ],
    metadata: [{ type: 1, metric_family_name: 'up', help: 'h', unit: '' }],
  });
  expect(readAll(bytes, false)).toEqual([
    { labels: [['__name__', 'up'], ['job', 'a "b"\n']], samples: 2, lastValue: 0, lastTimestamp: 2000 },
    { labels: [['__name__', 'empty']], samples: 0, lastValue: Number.NaN, lastTimestamp: 0 },
    { labels: [['__name__', 'neg']], samples: 1, lastValue: -1.5, lastTimestamp: -5 },
  ]);
});

test('2.0: labels through the symbol table, even when symbols come after the series', () => {
  const series = [{ labels_refs: [1, 2, 3, 4], samples: [{ value: 7, timestamp: 1_700_000_000_123 }] }];
  const symbols = ['', '__name__', 'up', 'job', 'ü'];
  const normal = encodeRw2({ symbols, timeseries: series });
  // Field 5 (timeseries) first, then field 4 (symbols): protobuf allows any order.
  const symbolsOnly = encodeRw2({ symbols });
  const seriesOnly = encodeRw2({ timeseries: series });
  const reordered = new Uint8Array([...seriesOnly, ...symbolsOnly]);
  for (const bytes of [normal, reordered]) {
    expect(readAll(bytes, true)).toEqual([{ labels: [['__name__', 'up'], ['job', 'ü']], samples: 1, lastValue: 7, lastTimestamp: 1_700_000_000_123 }]);
  }
});

test.each([
  ['a truncated request', (b: Uint8Array) => b.subarray(0, b.length - 3), false, /invalid remote-write request: /],
  ['a length past the end', () => new Uint8Array([0x0a, 0xff, 0xff, 0x03, 0x00]), false, /a time series runs past the end of the request/],
  ['a wire type 7', () => new Uint8Array([0x0f]), false, /invalid remote-write request: invalid wire type 7/],
  ['a 2.0 reference past the symbols', () => encodeRw2({ symbols: ['', 'a'], timeseries: [{ labels_refs: [1, 9] }] }), true, /label reference 9 is past the 2 symbols/],
  ['a 2.0 odd reference list', () => encodeRw2({ symbols: ['', 'a'], timeseries: [{ labels_refs: [1] }] }), true, /odd number/],
])('%s is ERR_REMOTE_WRITE', (_name, make, version2, message) => {
  const good = encodeRw1({ timeseries: [{ labels: [{ name: '__name__', value: 'up' }], samples: [{ value: 1, timestamp: 1 }] }] });
  expect(() => readAll(make(good), version2)).toThrow(message);
  try {
    readAll(make(good), version2);
  } catch (error) {
    expect(error).toMatchObject({ code: 'ERR_REMOTE_WRITE' });
  }
});
