import { decodeRw1, decodeRw2, encodeRw1, encodeRw2, remoteWriteTypes, rw2Labels } from '../helpers/remote-write-proto';

describe('remote-write proto helper', () => {
  it('loads both request types from the official files', () => {
    const { WriteRequest, V2Request } = remoteWriteTypes();
    expect(WriteRequest.fullName).toBe('.prometheus.WriteRequest');
    expect(V2Request.fullName).toBe('.io.prometheus.write.v2.Request');
  });

  it('round-trips a 1.0 request with NaN and int64 timestamps', () => {
    const bytes = encodeRw1({
      timeseries: [
        { labels: [{ name: '__name__', value: 'up' }, { name: 'job', value: 'a' }], samples: [{ value: NaN, timestamp: 1700000000123 }, { value: 1.5, timestamp: 1700000001123 }] },
      ],
    });
    const decoded = decodeRw1(bytes);
    expect(decoded.timeseries).toHaveLength(1);
    expect(decoded.timeseries[0].labels).toEqual([{ name: '__name__', value: 'up' }, { name: 'job', value: 'a' }]);
    expect(Number.isNaN(decoded.timeseries[0].samples[0].value)).toBe(true);
    expect(decoded.timeseries[0].samples[0].timestamp).toBe(1700000000123);
    expect(decoded.timeseries[0].samples[1]).toEqual({ value: 1.5, timestamp: 1700000001123 });
  });

  it('round-trips a 2.0 request with symbols', () => {
    const bytes = encodeRw2({
      symbols: ['', '__name__', 'up', 'job', 'a'],
      timeseries: [{ labels_refs: [1, 2, 3, 4], samples: [{ value: 1, timestamp: 5 }] }],
    });
    const decoded = decodeRw2(bytes);
    expect(rw2Labels(decoded.symbols, decoded.timeseries[0].labels_refs)).toEqual({ __name__: 'up', job: 'a' });
    expect(decoded.timeseries[0].samples[0]).toMatchObject({ value: 1, timestamp: 5 });
  });

  it('rejects an object that does not fit the schema', () => {
    expect(() => encodeRw1({ timeseries: 'nope' })).toThrow(/WriteRequest/);
  });
});
