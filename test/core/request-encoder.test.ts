/**
 * Core.openEncoder: the last scrape's requests one at a time, the same bytes encodeRequests
 * makes, and the Core held meanwhile: no next scrape, no second encode, no report or abort
 * until the encoder is done or closed.
 */
import { Core } from '../../src/core/core';
import { RW1, RW2, type RemoteWriteProtocol } from '../../src/remote-write-protocol';
import { ScrapewireError } from '../../src/errors';

const T0 = 1_700_000_000_000;

function page(series: number, from = 0): Buffer {
  return Buffer.from(Array.from({ length: series }, (_, i) => `m{i="${i + from}"} ${i}\n`).join(''));
}

function scraped(series: number): Core {
  const core = Core.create();
  core.setReportSeries([[['__name__', 'up'], ['job', 'j']]]);
  core.begin({ format: 'text', timestampMs: T0, honorTimestamps: false });
  core.feed(page(series));
  core.finish();
  core.appendReport([1]);
  return core;
}

function usage(call: () => unknown): string | undefined {
  try {
    call();
  } catch (err) {
    return err instanceof ScrapewireError ? err.code : String(err);
  }
  return undefined;
}

describe('Core.openEncoder', () => {
  it.each<RemoteWriteProtocol>([RW1, RW2])('gives the requests encodeRequests gives (%s), one per next()', (protocol) => {
    const core = scraped(1000);
    const whole: Array<{ body: Buffer; samples: number }> = [];
    core.encodeRequests(protocol, { maxSamplesPerRequest: 64 }, (request) => whole.push({ body: Buffer.from(request.body), samples: request.samples }));
    const encoder = core.openEncoder(protocol, { maxSamplesPerRequest: 64 });
    const oneByOne: Array<{ body: Buffer; samples: number }> = [];
    for (let request = encoder.next(); request !== undefined; request = encoder.next()) {
      expect(request.protocol).toBe(protocol);
      oneByOne.push({ body: Buffer.from(request.body), samples: request.samples });
    }
    expect(encoder.open).toBe(false);
    expect(oneByOne.length).toBe(Math.ceil(1001 / 64));
    expect(oneByOne).toEqual(whole);
    expect(oneByOne.reduce((sum, r) => sum + r.samples, 0)).toBe(1001);
  });

  it('holds the core while open: the next scrape, another encode, a report or an abort are refused', () => {
    const core = scraped(100);
    const encoder = core.openEncoder(RW1, { maxSamplesPerRequest: 10 });
    expect(encoder.next()?.samples).toBe(10);
    expect(usage(() => core.begin({ format: 'text', timestampMs: T0 + 1000 }))).toBe('ERR_USAGE');
    expect(usage(() => core.encodeRequests(RW1, {}, () => undefined))).toBe('ERR_USAGE');
    expect(usage(() => core.openEncoder(RW2))).toBe('ERR_USAGE');
    expect(usage(() => core.appendReport([1]))).toBe('ERR_USAGE');
    expect(usage(() => core.abort())).toBe('ERR_USAGE');
    expect(usage(() => core.encodeMetadata())).toBe('ERR_USAGE');
    expect(usage(() => core.rebuild())).toBe('ERR_USAGE');
    expect(usage(() => core.retireReport())).toBe('ERR_USAGE');
    // Reading the last scrape is allowed.
    expect(core.snapshot().refs.length).toBe(100);
    let rest = 0;
    for (let request = encoder.next(); request !== undefined; request = encoder.next()) rest += request.samples;
    expect(rest).toBe(91);
    // Done: the next scrape may begin.
    expect(usage(() => core.begin({ format: 'text', timestampMs: T0 + 1000 }))).toBeUndefined();
    core.feed(page(50));
    expect(core.finish().staleSeries).toBe(50);
  });

  it('close() gives the core back early; a new encode starts from the first request', () => {
    const core = scraped(100);
    const first = core.openEncoder(RW1, { maxSamplesPerRequest: 30 });
    first.next();
    first.close();
    first.close();
    expect(first.open).toBe(false);
    expect(first.next()).toBeUndefined();
    const samples: number[] = [];
    core.encodeRequests(RW1, { maxSamplesPerRequest: 30 }, (request) => samples.push(request.samples));
    expect(samples).toEqual([30, 30, 30, 11]);
  });
});
