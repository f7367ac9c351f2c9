/**
 * The end of a scrape (encoding its requests and handing them to the sink) runs in slices with
 * the event loop running in between (src/runtime/slices.ts, writeScrapeInSlices). Every test
 * here uses slices of one request (sliceMs 0) and checks ordering, never time: a timer set before
 * the end fires before the end completes; another target's scrape completes in between; every
 * sample still arrives, in order, with its staleness markers and report series; the target stays
 * busy (no next scrape on its core) until its end is done; a shared fetch still feeds every core;
 * a protocol fallback in the middle loses nothing; and a real VictoriaMetrics gets every sample.
 */
import { Registry } from 'prom-client';
import { Core } from '../../src/core/core';
import { parseConfig } from '../../src/config/load';
import { createRemoteWriter } from '../../src/remote/create';
import { RW1, RW2, type RemoteWriteProtocol } from '../../src/remote-write-protocol';
import { Slices } from '../../src/runtime/slices';
import { writeScrape, writeScrapeInSlices, type SampleSink, type SinkRequest } from '../../src/scrape/sample-sink';
import { ScrapeManager } from '../../src/scrape/scrape-manager';
import { ScrapeLoop } from '../../src/scrape/scrape-loop';
import { scrapeMetrics } from '../../src/scrape/scrape-metrics';
import { TargetScraper } from '../../src/scrape/target';
import { fetchInto, type BodyConsumer } from '../../src/scrape/shared-fetch';
import type { Fetcher } from '../../src/scrape/fetcher';
import { ScrapewireError } from '../../src/errors';
import { decodeRw1 } from '../helpers/remote-write-proto';
import { VictoriaMetrics } from '../helpers/receivers';
import { DecodingSink, targetSpec, testMetrics } from './support/decoding-sink';
import { startHttpServer, type LoopbackServer } from './support/loopback-server';
import { ManualClock, waitFor } from './support/manual-clock';

const T0 = 1_700_000_000_000;

function pageText(series: number, value: (i: number) => number = (i) => i, name = 'big_metric'): string {
  const lines = [`# TYPE ${name} gauge`];
  for (let i = 0; i < series; i++) lines.push(`${name}{i="${i}"} ${value(i)}`);
  return `${lines.join('\n')}\n`;
}

function scrapedCore(series: number): Core {
  const core = Core.create();
  core.begin({ format: 'text', timestampMs: T0, honorTimestamps: false });
  core.feed(Buffer.from(pageText(series)));
  core.finish();
  return core;
}

/** Each request's samples, decoded (1.0), in the order the sink got them. */
class RequestLog implements SampleSink {
  readonly requests: Array<Array<{ name: string; i?: string; value: number; timestamp: number }>> = [];
  onWrite: ((index: number) => void) | undefined;

  constructor(public protocols: RemoteWriteProtocol[] = [RW1]) {}

  write(request: SinkRequest): void {
    if (request.protocol !== RW1) {
      this.requests.push([]);
    } else {
      const decoded = decodeRw1(request.body) as { timeseries: Array<{ labels: Array<{ name: string; value: string }>; samples: Array<{ value: number; timestamp: number }> }> };
      this.requests.push(decoded.timeseries.flatMap((series) => {
        const labels = Object.fromEntries(series.labels.map((label) => [label.name, label.value]));
        return series.samples.map((sample) => ({ name: labels.__name__, i: labels.i, value: sample.value, timestamp: sample.timestamp }));
      }));
    }
    this.onWrite?.(this.requests.length - 1);
  }

  get samples() {
    return this.requests.flat();
  }
}

describe('writeScrapeInSlices', () => {
  it('hands over the same requests as writeScrape, in the same order, letting a timer set before it run in between', async () => {
    const core = scrapedCore(2000);
    const whole = new DecodingSink(true);
    writeScrape(core, whole, { shardKey: 'k', newestTimestampMs: T0, maxSamplesPerRequest: 100 });

    const sliced = new DecodingSink(true);
    const events: string[] = [];
    const write = sliced.write.bind(sliced);
    sliced.write = (request) => { events.push(`write ${request.protocol === RW1 ? 1 : 2}`); write(request); };
    setTimeout(() => events.push('timer'), 0);
    const written = await writeScrapeInSlices(core, sliced, { shardKey: 'k', newestTimestampMs: T0, maxSamplesPerRequest: 100 }, new Slices(0));
    events.push('done');

    expect(written).toBe(2000);
    expect(sliced.samples).toEqual(whole.samples);
    expect(sliced.requests).toEqual(whole.requests);
    // 20 requests in 1.0, then 20 in 2.0 (DecodingSink checks they agree); the timer ran between two of them.
    const timer = events.indexOf('timer');
    expect(timer).toBeGreaterThan(0);
    expect(timer).toBeLessThan(events.length - 2);
    expect(events.filter((e) => e.startsWith('write'))).toHaveLength(40);
  });

  it('writes the scrape again in 1.0 when an endpoint falls back from 2.0 in the middle: nothing is lost', async () => {
    const core = scrapedCore(500);
    const sink = new RequestLog([RW2]);
    // The 415 arrives while the 2.0 requests are being handed over: from the third one on, the sink takes 1.0 only.
    sink.onWrite = (index) => { if (index === 2) sink.protocols = [RW1]; };
    await writeScrapeInSlices(core, sink, { shardKey: 'k', newestTimestampMs: T0, maxSamplesPerRequest: 100 }, new Slices(0));
    const rw1 = sink.samples;
    expect(rw1.map((s) => Number(s.i))).toEqual(Array.from({ length: 500 }, (_, i) => i));
    // A sink whose protocols do not change gets each protocol once.
    const steady = new RequestLog([RW1]);
    await writeScrapeInSlices(core, steady, { shardKey: 'k', newestTimestampMs: T0, maxSamplesPerRequest: 100 }, new Slices(0));
    expect(steady.requests).toHaveLength(5);
  });
});

describe('fetchInto in slices', () => {
  /** A fetch whose body is many chunks already buffered: handed over in microtasks, one after another. */
  function bufferedFetch(chunks: number): Fetcher {
    const line = Buffer.from('m 1\n');
    return {
      target: 'buffered',
      scrape: async () => ({
        status: 200, format: 'text', contentType: 'text/plain',
        body: (async function* body() { for (let i = 0; i < chunks; i++) yield line; })(),
        bytesRead: () => 0, wireBytesRead: () => 0, discard: () => undefined,
      }),
      close: async () => undefined,
    } as unknown as Fetcher;
  }

  function recorder(events: string[]): BodyConsumer {
    let fed = 0;
    let done = false;
    return {
      get active() { return !done; },
      begin: () => undefined,
      feed: () => { fed++; },
      finish: () => { done = true; events.push(`finish after ${fed} chunks`); },
      fail: (error) => { done = true; events.push(`fail ${error.code}`); },
    };
  }

  it.each([
    [0, true],
    [60_000, false],
  ])('with slices of %d ms, a timer set before the body runs before it ends: %s', async (sliceMs, timerFirst) => {
    const events: string[] = [];
    setTimeout(() => events.push('timer'), 0);
    await fetchInto(bufferedFetch(200), [recorder(events)], { sliceMs });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(events).toEqual(timerFirst ? ['timer', 'finish after 200 chunks'] : ['finish after 200 chunks', 'timer']);
  });
});

describe('TargetScraper: the end of a large scrape in slices', () => {
  let server: LoopbackServer;
  let big = pageText(3000);
  beforeAll(async () => {
    server = await startHttpServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(req.url === '/small' ? 'small_metric 1\n' : big);
    });
  });
  afterAll(() => server.close());

  it('lets a timer run before its end completes, stays busy until then, and delivers every sample in order', async () => {
    const sink = new RequestLog();
    let now = T0;
    const target = new TargetScraper(targetSpec(`${server.origin}/big`, { honorTimestamps: false }), {
      sink, metrics: testMetrics(), maxSamplesPerRequest: 128, sliceMs: 0, now: () => now,
    });
    const events: string[] = [];
    let busyDuringEnd: boolean | undefined;
    let secondScrape: string | undefined;
    sink.onWrite = (index) => {
      if (index !== 0) return;
      events.push('first request');
      busyDuringEnd = target.busy;
      try {
        target.startScrape();
      } catch (err) {
        secondScrape = (err as ScrapewireError).code;
      }
      setTimeout(() => events.push(`timer after ${sink.requests.length} requests`), 0);
    };
    const first = await target.scrape();
    events.push(`end after ${sink.requests.length} requests`);
    expect(first.error).toBeUndefined();
    expect(busyDuringEnd).toBe(true);
    expect(secondScrape).toBe('ERR_USAGE');
    expect(target.busy).toBe(false);
    // 3000 samples + 5 report series = 24 requests; the timer ran while they were being handed over.
    expect(sink.requests).toHaveLength(24);
    const timer = events.find((e) => e.startsWith('timer'));
    expect(timer).toBeDefined();
    expect(Number(/after (\d+)/.exec(timer!)![1])).toBeLessThan(24);
    expect(events[events.length - 1]).toBe('end after 24 requests');
    expect(first.samplesWritten).toBe(3005);

    // The report series travel with the page: the last request holds page samples (56) and up.
    const last = sink.requests[sink.requests.length - 1];
    expect(last.some((s) => s.name === 'big_metric')).toBe(true);
    expect(last.some((s) => s.name === 'up' && s.value === 1)).toBe(true);

    // Second scrape: half the series gone, the other half with new values: staleness markers for
    // the gone ones, and every series' samples in timestamp order across the two scrapes.
    big = pageText(1500, (i) => i + 0.5);
    now = T0 + 1000;
    sink.onWrite = undefined;
    const second = await target.scrape();
    expect(second.error).toBeUndefined();
    const samples = sink.samples.filter((s) => s.name === 'big_metric');
    expect(samples).toHaveLength(3000 + 1500 + 1500);
    const bySeries = new Map<string, Array<{ value: number; timestamp: number }>>();
    for (const s of samples) bySeries.set(s.i!, [...(bySeries.get(s.i!) ?? []), s]);
    for (const [i, series] of bySeries) {
      expect(series.map((s) => s.timestamp)).toEqual([T0, T0 + 1000]);
      if (Number(i) < 1500) expect(series[1].value).toBe(Number(i) + 0.5);
      else expect(Number.isNaN(series[1].value)).toBe(true);
    }
    await target.stop();
  });

  it('another target scrapes and completes while a large scrape is ending', async () => {
    big = pageText(20_000);
    const bigSink = new RequestLog();
    const smallSink = new DecodingSink();
    const bigTarget = new TargetScraper(targetSpec(`${server.origin}/big`), { sink: bigSink, metrics: testMetrics(), maxSamplesPerRequest: 10, sliceMs: 0 });
    const smallTarget = new TargetScraper(targetSpec(`${server.origin}/small`), { sink: smallSink, metrics: testMetrics(), sliceMs: 0 });
    const order: string[] = [];
    let small: Promise<unknown> | undefined;
    bigSink.onWrite = (index) => {
      if (index !== 0) return;
      // The big target's end has begun (2,001 requests to hand over): the small one starts now,
      // over a socket, and must not wait for the end.
      small = smallTarget.scrape().then((outcome) => order.push(`small done (${outcome.error?.code ?? 'ok'}) after ${bigSink.requests.length} big requests`));
    };
    await bigTarget.scrape();
    order.push('big done');
    await small;
    expect(order[0]).toMatch(/^small done \(ok\) after \d+ big requests$/);
    expect(Number(/after (\d+)/.exec(order[0])![1])).toBeLessThan(2001);
    expect(bigSink.samples.filter((s) => s.name === 'big_metric')).toHaveLength(20_000);
    expect(smallSink.of('small_metric')).toHaveLength(1);
    await Promise.all([bigTarget.stop(), smallTarget.stop()]);
  });

  it('a shared fetch feeds every core; a tick during the end is skipped, not a second scrape on the same core', async () => {
    big = pageText(1000);
    const host = new URL(server.origin).host;
    const config = parseConfig(`
global: {scrape_interval: 10s, scrape_timeout: 5s}
scrape_configs:
  - job_name: a
    metrics_path: /big
    static_configs: [{targets: ['${host}']}]
  - job_name: b
    metrics_path: /big
    static_configs: [{targets: ['${host}']}]
`, 'slices.yml');
    const clock = new ManualClock();
    const registry = new Registry();
    const sink = new RequestLog();
    const manager = new ScrapeManager({ config, sink, registry, clock, maxSamplesPerRequest: 50, sliceMs: 0 });
    await manager.start();
    try {
      await waitFor(() => manager.targets().length === 2, 'two targets');
      const requestsBefore = server.requests.length;
      let ticked = false;
      sink.onWrite = () => {
        if (ticked) return;
        ticked = true;
        // The next slot comes while the scrape is ending: both targets are still busy.
        clock.advance(10_000);
      };
      clock.advance(10_000);
      const metrics = scrapeMetrics(registry);
      const scrapes = async (): Promise<number> => (await metrics.scrapes.get()).values.reduce((sum, v) => sum + v.value, 0);
      await waitFor(async () => (await scrapes()) === 2, 'one scrape of each job');
      expect(ticked).toBe(true);
      expect(server.requests.length - requestsBefore).toBe(1);
      const skipped = (await metrics.skippedTicks.get()).values.reduce((sum, v) => sum + v.value, 0);
      expect(skipped).toBe(2);
      // Each job's core got the whole body: 1,000 samples each, plus 5 report series each.
      expect(sink.samples.filter((s) => s.name === 'big_metric')).toHaveLength(2000);
      expect(sink.samples.filter((s) => s.name === 'up')).toHaveLength(2);
    } finally {
      await manager.stop();
    }
  });
});

describe('a reload that replaces a target while its scrape is ending', () => {
  let server: LoopbackServer;
  beforeAll(async () => {
    server = await startHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(pageText(20_000));
    });
  });
  afterAll(() => server.close());

  it('the replacement does not scrape until the old scraper has delivered: each series stays in order', async () => {
    const clock = new ManualClock();
    const sink = new RequestLog();
    const loop = new ScrapeLoop({ sink, clock, maxSamplesPerRequest: 10, sliceMs: 0 });
    const url = `${server.origin}/metrics`;
    const before = targetSpec(url, { fingerprint: 'f1', honorTimestamps: false });
    // New settings (another timeout: another fetch group, with its own phase and timer).
    const after = targetSpec(url, { fingerprint: 'f2', honorTimestamps: false, http: { url, scrapeTimeoutMs: 1500 } });
    await loop.sync([before]);
    let reloaded: Promise<unknown> | undefined;
    let requestsAtReload = 0;
    sink.onWrite = () => {
      if (reloaded !== undefined) return;
      // The old scraper's end has 2,001 requests to hand over: reload now, and let the new
      // group's slot come while they are.
      reloaded = loop.sync([after]);
      requestsAtReload = server.requests.length;
      clock.advance(1000);
    };
    clock.advance(1000);
    const metrics = loop.metrics;
    const scrapes = async (): Promise<number> => (await metrics.scrapes.get()).values.reduce((sum, v) => sum + v.value, 0);
    await waitFor(async () => (await scrapes()) === 1 && reloaded !== undefined, 'the first scrape');
    await reloaded;
    // The replacement's tick during the old end was skipped: no request was made for it.
    expect(server.requests.length).toBe(requestsAtReload);
    expect((await metrics.skippedTicks.get()).values.reduce((sum, v) => sum + v.value, 0)).toBeGreaterThanOrEqual(1);
    clock.advance(1000);
    await waitFor(async () => (await scrapes()) === 2, 'the replacement\'s first scrape');
    const timestamps = new Map<string, number[]>();
    for (const sample of sink.samples) if (sample.name === 'big_metric') timestamps.set(sample.i!, [...(timestamps.get(sample.i!) ?? []), sample.timestamp]);
    expect(timestamps.size).toBe(20_000);
    for (const series of timestamps.values()) {
      expect(series).toHaveLength(2);
      expect(series[0]).toBeLessThan(series[1]);
    }
    await loop.stop();
  }, 60_000);
});

describe('a large page in slices, into a real VictoriaMetrics', () => {
  const vm = new VictoriaMetrics();
  let server: LoopbackServer;
  let scrape = 0;
  const SERIES = 20_000;
  beforeAll(async () => {
    await vm.start();
    server = await startHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(pageText(SERIES, (i) => i * 10 + scrape, 'sliced_metric'));
    });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await vm.destroy();
  });

  it('every sample of two scrapes arrives, each series in timestamp order with its values', async () => {
    const writer = createRemoteWriter({ endpoints: [{ url: vm.writeUrl, queue_config: { max_samples_per_send: 500 } }] });
    const start = Date.now() - 60_000;
    let now = start;
    const target = new TargetScraper(targetSpec(`${server.origin}/metrics`), { sink: writer, metrics: testMetrics(), maxSamplesPerRequest: 500, sliceMs: 0, now: () => now });
    try {
      for (scrape = 0; scrape < 2; scrape++) {
        now = start + scrape * 1000;
        const outcome = await target.scrape();
        expect(outcome.error).toBeUndefined();
      }
      await writer.flush();
      const exported = await vm.exportSeries('{__name__="sliced_metric"}');
      expect(exported).toHaveLength(SERIES);
      for (const series of exported) {
        const i = Number(series.metric.i);
        expect(series.timestamps).toEqual([start, start + 1000]);
        expect(series.values).toEqual([i * 10, i * 10 + 1]);
      }
      const up = await vm.exportSeries('{__name__="up"}');
      expect(up.map((series) => series.values)).toEqual([[1, 1]]);
    } finally {
      await target.stop();
      await writer.close(5000);
    }
  }, 120_000);
});
