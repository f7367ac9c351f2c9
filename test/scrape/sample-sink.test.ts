/**
 * The sink contract (src/scrape/sample-sink.ts): a sink must not throw; one that does anyway
 * still gets every request of the scrape, the core stays usable, and the target reports the
 * failure as its scrape error (ERR_SINK) instead of the scrape loop swallowing it.
 */
import { Core } from '../../src/core/core';
import { SinkError, writeScrape, type SampleSink, type SinkRequest } from '../../src/scrape/sample-sink';
import { TargetScraper } from '../../src/scrape/target';
import { RW1 } from '../../src/remote-write-protocol';
import { startHttpServer, type LoopbackServer } from './support/loopback-server';
import { DecodingSink, targetSpec, testMetrics } from './support/decoding-sink';

/** Throws on the requests whose index is in `failing`, like a sink whose storage gave out. */
class FlakySink implements SampleSink {
  readonly protocols = [RW1] as const;
  readonly offered: number[] = [];
  private readonly inner = new DecodingSink();

  constructor(private readonly failing: (index: number) => boolean) {}

  write(request: SinkRequest): void {
    const index = this.offered.push(request.samples) - 1;
    if (this.failing(index)) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    this.inner.write(request);
  }

  get accepted(): number {
    return this.inner.samples.length;
  }
}

function scrapedCore(series: number): Core {
  const core = Core.create();
  core.begin({ format: 'text', timestampMs: 1_700_000_000_000, honorTimestamps: false });
  core.feed(Buffer.from(Array.from({ length: series }, (_, i) => `m{i="${i}"} ${i}\n`).join('')));
  core.finish();
  return core;
}

describe('writeScrape with a sink that throws', () => {
  it('offers every request, then throws one SinkError with what was accepted and refused', () => {
    const core = scrapedCore(10);
    const sink = new FlakySink((i) => i % 2 === 1);
    let error: unknown;
    try {
      writeScrape(core, sink, { shardKey: 'k', newestTimestampMs: 1_700_000_000_000, maxSamplesPerRequest: 2 });
    } catch (err) {
      error = err;
    }
    expect(sink.offered).toEqual([2, 2, 2, 2, 2]);
    expect(error).toBeInstanceOf(SinkError);
    const sinkError = error as SinkError;
    expect(sinkError.code).toBe('ERR_SINK');
    expect([sinkError.acceptedSamples, sinkError.refusedSamples]).toEqual([6, 4]);
    expect(sinkError.message).toContain('ENOSPC');
    expect(sink.accepted).toBe(6);
    // The core finished its encode: the same scrape encodes again in full.
    const again = new DecodingSink();
    expect(writeScrape(core, again, { shardKey: 'k', newestTimestampMs: 1_700_000_000_000 })).toBe(10);
    expect(again.samples).toHaveLength(10);
  });
});

describe('TargetScraper with a sink that throws', () => {
  let server: LoopbackServer;
  beforeAll(async () => {
    server = await startHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end('a 1\nb 2\n');
    });
  });
  afterAll(() => server.close());

  it('reports ERR_SINK as the scrape error and goes down, then up again once the sink works', async () => {
    let broken = true;
    const sink = new FlakySink(() => broken);
    const metrics = testMetrics();
    const target = new TargetScraper(targetSpec(`${server.origin}/metrics`), { sink, metrics });
    try {
      const outcome = await target.scrape(); // resolves: nothing escapes into the scrape loop
      expect(outcome.error?.code).toBe('ERR_SINK');
      expect(outcome.error?.message).toContain(`${server.origin}/metrics`);
      expect(outcome.samplesWritten).toBe(0);
      expect(target.health).toBe('down');
      // One request: the page's 2 samples and its 5 report series, written by the same core.
      expect(sink.offered).toEqual([7]);

      broken = false;
      const next = await target.scrape();
      expect(next.error).toBeUndefined();
      expect(target.health).toBe('up');
      expect(sink.accepted).toBe(next.samplesWritten);
    } finally {
      await target.stop({ markStale: false });
    }
  });
});
