/**
 * Between scrapes the core writes requests in the input window (assembly/encode.ts), so a small
 * target's parse and encode touch the same pages; a request larger than the window moves to a
 * block of its own, and a scrape in progress keeps the window. The bytes must be the same
 * wherever the request was written.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { snappyUncompress as uncompress } from '../../src/remote/snappy';
import { Core } from '../../src/core/core';
import { coreModule, type CoreExports } from '../../src/core/wasm';
import { RW1, RW2, type RemoteWriteProtocol } from '../../src/remote-write-protocol';
import { REPO_ROOT } from '../helpers/paths';

const encoder = new TextEncoder();

function page(series: number, scrape: number): Uint8Array {
  let text = '# HELP app_requests_total Requests.\n# TYPE app_requests_total counter\n';
  for (let i = 0; i < series; i++) text += `app_requests_total{path="/api/v1/item/${i % 50}",shard="${i}"} ${i * 3 + scrape}\n`;
  return encoder.encode(text);
}

function exportsOf(core: Core): CoreExports {
  return (core as unknown as { exports: CoreExports }).exports;
}

function scrape(core: Core, body: Uint8Array, timestampMs: number): void {
  core.begin({ format: 'text', timestampMs });
  core.feed(body);
  core.finish();
}

function requests(core: Core, protocol: RemoteWriteProtocol, compress: boolean): Uint8Array[] {
  const out: Uint8Array[] = [];
  core.encode(protocol, { maxSamplesPerRequest: 500, compress }, (body) => out.push(body.slice()));
  return out;
}

describe('requests in the input window', () => {
  it('are written at the window between scrapes, with room compressed after them', () => {
    const core = Core.create();
    const e = exportsOf(core);
    core.begin({ format: 'text', timestampMs: 1 });
    const window = e.inputPtr(); // nothing carried yet: the window's start
    core.feed(page(70, 0));
    core.finish();
    const plain = requests(core, RW1, false);
    expect(plain).toHaveLength(1);
    expect(e.outputPtr()).toBe(window);
    const compressed = requests(core, RW1, true);
    expect(e.compressedPtr()).toBeGreaterThanOrEqual(window + plain[0].length);
    expect(e.compressedPtr()).toBeLessThan(window + (1 << 20));
    expect(uncompress(compressed[0])).toEqual(plain[0]);
  });

  it('give the same bytes when a request outgrows the window and when the next one fits again', () => {
    // A 4 KiB window: the 600-series scrape's requests (500 samples, ~25 KB) leave it, the
    // 20-series one's fit. The reference core's 1 MiB window holds every request.
    const small = Core.create({ maxLineBytes: 4096 });
    const reference = Core.create();
    const e = exportsOf(small);
    small.begin({ format: 'text', timestampMs: 0 });
    const window = e.inputPtr();
    small.abort();
    const sequence = [20, 600, 20, 20, 600, 0, 20, 20];
    for (let i = 0; i < sequence.length; i++) {
      const body = page(sequence[i], i);
      scrape(small, body, 1_000 * (i + 1));
      scrape(reference, body, 1_000 * (i + 1));
      for (const protocol of [RW1, RW2] as RemoteWriteProtocol[]) {
        const plain = requests(small, protocol, false);
        // Out of the window from the first request that does not fit (600 series, or their 600
        // staleness markers in the empty scrape after them) to the end of that encoding.
        const inWindow = e.outputPtr() >= window && e.outputPtr() < window + 4096;
        expect(inWindow).toBe(plain.every((r) => r.length + 16 <= 4096));
        // Back in the window once the requests fit again (no staleness markers of the big page).
        if (i === 0 || (sequence[i] === 20 && sequence[i - 1] === 20)) expect(inWindow).toBe(true);
        expect(plain).toEqual(requests(reference, protocol, false));
        const compressed = requests(small, protocol, true);
        expect(compressed).toEqual(requests(reference, protocol, true));
        expect(compressed.map((c) => uncompress(c))).toEqual(plain);
      }
      const metadata = small.encodeMetadata();
      expect(metadata === undefined ? undefined : metadata.slice()).toEqual(reference.encodeMetadata()?.slice());
    }
  });

  it('are not written in the window while a scrape holds a partial line there', () => {
    const core = Core.create();
    const e = exportsOf(core);
    scrape(core, page(30, 0), 1_000);
    core.begin({ format: 'text', timestampMs: 2_000 });
    const window = e.inputPtr();
    core.feed(encoder.encode(`# HELP first ${'h'.repeat(300)}\n# TYPE first gauge\nfirst 1\nsecond{label="val`));
    // The ABI, below Core's guard against encoding during a scrape: the window must stay as it is.
    const outside = (at: number): boolean => at < window || at >= window + (1 << 20);
    e.encodeBegin(1, 0, 1);
    expect(outside(e.outputPtr())).toBe(true);
    e.encodeNext();
    expect(outside(e.outputPtr())).toBe(true);
    expect(e.encodeMetadata()).toBeGreaterThan(300); // the HELP text: over the carried line, were it in the window
    expect(outside(e.outputPtr())).toBe(true);
    core.feed(encoder.encode('ue"} 2\n'));
    const seen: string[] = [];
    core.finish((series) => {
      for (const s of series) seen.push(JSON.stringify(s.labels));
      return undefined;
    });
    expect(seen).toEqual([JSON.stringify([['__name__', 'first']]), JSON.stringify([['__name__', 'second'], ['label', 'value']])]);
  });

  it('are not compressed into the window once a scrape holds a partial line there', () => {
    const core = Core.create();
    const e = exportsOf(core);
    scrape(core, page(30, 0), 1_000);
    requests(core, RW1, true); // the last request and its compressed room are in the window now
    const room = e.compressedPtr();
    core.begin({ format: 'text', timestampMs: 2_000 });
    // The room is in the window, after a request of ~2 KB.
    expect(room).toBeGreaterThan(e.inputPtr());
    expect(room - e.inputPtr()).toBeLessThan(4_000);
    const long = 'v'.repeat(5_000); // carried past where the compressed room was
    core.feed(encoder.encode(`first 1\nsecond{label="${long}`));
    expect(e.compressOutput()).toBeGreaterThan(0); // the ABI, below Core's guard
    const at = e.compressedPtr();
    expect(at < e.inputPtr() || at >= e.inputPtr() + (1 << 20)).toBe(true);
    core.feed(encoder.encode('"} 2\n'));
    const seen: string[][] = [];
    core.finish((series) => {
      for (const s of series) seen.push(s.labels.map(([name, value]) => `${name}=${value}`));
      return undefined;
    });
    expect(seen).toEqual([['__name__=first'], ['__name__=second', `label=${long}`]]);
  });
});

describe('the module exports', () => {
  it('are the calls made per chunk, per new series or per request, and command', () => {
    const names = WebAssembly.Module.exports(coreModule()).map((x) => x.name).sort();
    expect(names).toEqual(['command', 'encodeNext', 'feed', 'inputPtr', 'inputSpace', 'keep', 'labelsLen', 'labelsPtr', 'memory', 'newSeriesRef', 'seriesState']);
  });

  it('answer every Query of src/core/enums.ts, and NaN past them and past the last Command', () => {
    const source = readFileSync(join(REPO_ROOT, 'src/core/enums.ts'), 'utf8');
    const members = (name: string): number[] => {
      const body = new RegExp(`export const enum ${name} \\{([\\s\\S]*?)\\n\\}`).exec(source)![1];
      return [...body.matchAll(/^\s*[A-Z_0-9]+ = (\d+),/gm)].map((m) => Number(m[1]));
    };
    const queries = members('Query');
    expect(queries.length).toBeGreaterThan(30);
    const core = Core.create();
    scrape(core, page(5, 0), 1_000);
    const raw = (exportsOf(core) as unknown as { raw: { command(op: number, ...args: number[]): number } }).raw;
    for (const what of queries) expect(Number.isNaN(raw.command(0, what, 1))).toBe(false);
    expect(raw.command(0, Math.max(...queries) + 1, 0)).toBeNaN();
    expect(raw.command(Math.max(...members('Command')) + 1)).toBeNaN();
    expect(exportsOf(core).statSeries()).toBe(5);
    expect(exportsOf(core).snapshotLength()).toBe(5);
  });
});
