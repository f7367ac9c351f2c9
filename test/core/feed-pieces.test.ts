/**
 * Core.feed copies a chunk into the input window in pieces of 16 KiB (more only when a partial
 * line carried over is longer), so the window bytes a target ever touches, which stay in its RSS,
 * are 16 KiB plus its longest line, not its largest chunk.
 */
import { Core } from '../../src/core/core';
import type { CoreExports } from '../../src/core/wasm';

const encoder = new TextEncoder();

function pageOf(lines: number): Uint8Array {
  let text = '';
  for (let i = 0; i < lines; i++) text += `metric_${i % 7}{shard="${i}",path="/a/b/c"} ${i}\n`;
  return encoder.encode(text);
}

describe('Core.feed in pieces', () => {
  it('touches at most 16 KiB plus the longest line of the window for a chunk of 200 KB', () => {
    const core = Core.create();
    const e = (core as unknown as { exports: CoreExports }).exports;
    const page = pageOf(5_000);
    expect(page.length).toBeGreaterThan(200_000);
    core.begin({ format: 'text', timestampMs: 1 });
    const window = e.inputPtr(); // nothing carried yet: the window's start
    core.feed(page);
    const summary = core.finish();
    expect(summary.samples).toBe(5_000);
    const bytes = new Uint8Array(e.memory.buffer, window, 1 << 20);
    let last = 0;
    for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) last = i;
    // The last byte written into the window: below one piece plus a line (lines here are < 64 bytes).
    expect(last).toBeGreaterThan(1_000);
    expect(last).toBeLessThan(16 * 1024 + 64);
  });

  it('still reads a line longer than a piece, fed as one chunk or byte runs', () => {
    const long = `big{v="${'x'.repeat(100_000)}"} 1\nsmall 2\n`;
    for (const split of [long.length, 7_000, 65_536]) {
      const core = Core.create();
      core.begin({ format: 'text', timestampMs: 1 });
      const bytes = encoder.encode(long);
      for (let at = 0; at < bytes.length; at += split) core.feed(bytes.subarray(at, at + split));
      expect(core.finish().samples).toBe(2);
    }
  });
});
