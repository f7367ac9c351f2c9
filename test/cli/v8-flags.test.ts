/**
 * src/cli/v8-flags.ts: undici's llhttp stays on Liftoff while the core and every module compiled
 * outside the window keep tiering up to TurboFan. Each case runs in a fresh node with
 * --trace-wasm-compilation-times and reads which functions TurboFan compiled: behaviour, not time.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/paths';
import { HTTP_PARSER_FLAGS, HTTP_PARSER_FLAGS_RESTORED, keepHttpParserOnBaseline } from '../../src/cli/v8-flags';

const V8_11_3 = process.versions.v8.startsWith('11.3.');
const onV8113 = V8_11_3 ? it : it.skip;
const FLAGS_MODULE = join(REPO_ROOT, 'dist', 'src', 'cli', 'v8-flags.js');
const CORE_MODULE = join(REPO_ROOT, 'dist', 'src', 'core', 'index.js');
const UNDICI = require.resolve('undici', { paths: [REPO_ROOT] });

interface Compiled { module: string; index: number; tier: string; bodySize: number }

/** Runs `script` in a fresh node with the compile trace; the functions it compiled, in order. */
function compiledFunctions(script: string, args: string[] = []): { compiled: Compiled[]; stdout: string } {
  const run = spawnSync(process.execPath, ['--trace-wasm-compilation-times', '-e', script, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NODE_OPTIONS: '' } });
  if (run.status !== 0) throw new Error(`exit ${run.status}: ${run.stderr}`);
  const compiled: Compiled[] = [];
  for (const match of run.stdout.matchAll(/^Compiled function (0x[0-9a-f]+)#(\d+) using (\w+),.* bodysize (\d+)/gm)) {
    compiled.push({ module: match[1], index: Number(match[2]), tier: match[3], bodySize: Number(match[4]) });
  }
  return { compiled, stdout: run.stdout };
}

/** A module with one exported loop, `f(n)`: sums n..1 (hot enough to tier up after a few calls). */
const LOOP_MODULE = '[0,97,115,109,1,0,0,0,1,6,1,96,1,127,1,127,3,2,1,0,7,5,1,1,102,0,0,10,27,1,25,1,1,127,3,64,32,1,32,0,106,33,1,32,0,65,1,107,34,0,13,0,11,32,1,11]';

describe('keepHttpParserOnBaseline', () => {
  it('stays out of the way on another V8 and when the process has its own flags on the subject', () => {
    expect(keepHttpParserOnBaseline([], '', '12.4.254.21-node.33')).toBe(false);
    expect(keepHttpParserOnBaseline(['--liftoff-only'], '', '11.3.244.8-node.33')).toBe(false);
    expect(keepHttpParserOnBaseline([], '--max-semi-space-size=1 --wasm-tiering-budget=1000', '11.3.244.8-node.33')).toBe(false);
    expect(keepHttpParserOnBaseline(['--no-wasm-lazy-compilation'], '', '11.3.244.8-node.33')).toBe(false);
    expect(HTTP_PARSER_FLAGS.length).toBe(HTTP_PARSER_FLAGS_RESTORED.length);
  });

  // What the window relies on: V8 fixes a module's tiers when it compiles it.
  onV8113('V8 11.3: a module compiled in the window stays on Liftoff, one compiled before still tiers up when first called in it', () => {
    const script = `
      const v8 = require('node:v8');
      const bytes = new Uint8Array(${LOOP_MODULE});
      const before = new WebAssembly.Module(bytes);
      ${HTTP_PARSER_FLAGS.map((f) => `v8.setFlagsFromString('${f}');`).join(' ')}
      // The same loop with a nop in front (body 26 bytes instead of 25), so the trace tells them apart.
      const inWindow = new WebAssembly.Module(new Uint8Array([...bytes.slice(0, 27), 10, 28, 1, 26, 1, 1, 127, 1, ...bytes.slice(34)]));
      const a = new WebAssembly.Instance(before).exports, b = new WebAssembly.Instance(inWindow).exports;
      a.f(10); b.f(10);
      ${HTTP_PARSER_FLAGS_RESTORED.map((f) => `v8.setFlagsFromString('${f}');`).join(' ')}
      for (let i = 0; i < 400; i++) { a.f(100000); b.f(100000); }
      setTimeout(() => { for (let i = 0; i < 100; i++) { a.f(100000); b.f(100000); } }, 300);
    `;
    const { compiled } = compiledFunctions(script);
    expect(compiled.filter((c) => c.bodySize === 25 && c.tier === 'Liftoff')).toHaveLength(1);
    expect(compiled.filter((c) => c.bodySize === 26 && c.tier === 'Liftoff')).toHaveLength(1);
    expect(compiled.filter((c) => c.bodySize === 25 && c.tier === 'TurboFan')).toHaveLength(1);
    expect(compiled.filter((c) => c.bodySize === 26 && c.tier === 'TurboFan')).toHaveLength(0);
  });

  onV8113('undici parses 300 responses on Liftoff while the core tiers up; without it, llhttp goes to TurboFan', () => {
    const script = `
      const http = require('node:http');
      const { request } = require(${JSON.stringify(UNDICI)});
      const { Core } = require(${JSON.stringify(CORE_MODULE)});
      if (process.argv[1] === 'apply') require(${JSON.stringify(FLAGS_MODULE)}).keepHttpParserOnBaseline();
      const page = Buffer.from(Array.from({ length: 2000 }, (_, i) => 'metric_' + (i % 50) + '{pod="p' + i + '",namespace="default"} ' + i + '\\n').join(''));
      const server = http.createServer((req, res) => res.end(page));
      server.listen(0, '127.0.0.1', async () => {
        const url = 'http://127.0.0.1:' + server.address().port + '/metrics';
        const core = Core.create();
        for (let i = 0; i < 300; i++) {
          const res = await request(url);
          const body = Buffer.from(await res.body.arrayBuffer());
          core.begin({ format: 'text', timestampMs: 1000 + i });
          core.feed(body);
          core.finish();
        }
        await new Promise((r) => setTimeout(r, 500));
        server.close();
      });
    `;
    const llhttpOf = (compiled: Compiled[]): string | undefined => compiled.find((c) => c.bodySize > 30_000)?.module;

    const applied = compiledFunctions(script, ['apply']).compiled;
    const llhttp = llhttpOf(applied);
    expect(llhttp).toBeDefined();
    expect(applied.filter((c) => c.module === llhttp && c.tier === 'TurboFan')).toEqual([]);
    expect(applied.filter((c) => c.module !== llhttp && c.tier === 'TurboFan').length).toBeGreaterThan(0);

    const plain = compiledFunctions(script, ['plain']).compiled;
    expect(plain.filter((c) => c.module === llhttpOf(plain) && c.tier === 'TurboFan' && c.bodySize > 30_000)).toHaveLength(1);
  });
});
