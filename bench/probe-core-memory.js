#!/usr/bin/env node
/**
 * Where a small target's bytes are in its core's linear memory (a probe, not a bench: it times
 * nothing). One TargetScraper (the loop's path, as bench/target-cost.bench.ts drives it) scrapes
 * a page a few times; then the probe walks the instance's TLSF heap block by block, names each
 * block by the core global that points at it (or the block that points at it), and asks the
 * kernel which 4 KiB pages of the instance's memory are resident (/proc/self/pagemap).
 *
 *   npm run build && node --expose-gc bench/probe-core-memory.js [cadvisor|counters] [SERIES_OR_BYTES] [SCRAPES]
 *   e.g. node --expose-gc bench/probe-core-memory.js cadvisor 20000 3   (the peers `many` page: ~70 series)
 *        node --expose-gc bench/probe-core-memory.js counters 100 3     (target-cost's page of 100 series)
 *
 * Globals are not exported by the core; the probe re-emits build/release.wat with every i32
 * global exported (binaryen, already a dependency of assemblyscript) and loads that module
 * through SCRAPEWIRE_WASM. Code and memory layout are the release build's.
 * Linux only (pagemap's present bit is readable without privileges).
 */
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const [kind = 'cadvisor', sizeText = '20000', scrapesText = '3'] = process.argv.slice(2);
const scrapes = Number(scrapesText);

async function probeModule() {
  const binaryen = (await import('binaryen')).default;
  const wat = fs.readFileSync(path.join(root, 'build/release.wat'), 'utf8');
  const mod = binaryen.parseText(wat);
  const names = [];
  for (let i = 0; i < mod.getNumGlobals(); i++) {
    const info = binaryen.getGlobalInfo(mod.getGlobalByIndex(i));
    if (info.type !== binaryen.i32) continue;
    mod.addGlobalExport(info.name, `g:${info.name}`);
    names.push(info.name);
  }
  const file = path.join(os.tmpdir(), `scrapewire-probe-${process.pid}.wasm`);
  fs.writeFileSync(file, mod.emitBinary());
  mod.dispose();
  return file;
}

function page(target) {
  if (kind === 'cadvisor') {
    const { generatePayload } = require(path.join(root, 'dist/bench/payload/generate.js'));
    const parts = [];
    for (const chunk of generatePayload({ kind: 'cadvisor', sizeBytes: Number(sizeText), seed: 1, scrape: 0 })) parts.push(Buffer.from(chunk));
    return Buffer.concat(parts);
  }
  const series = Number(sizeText);
  let text = '# TYPE app_requests_total counter\n';
  for (let i = 0; i < series; i++) {
    text += `app_requests_total{path="/api/v1/item/${i % 50}",code="${200 + (i % 5)}",shard="${i}",pod="pod-${target}"} ${i * 3}\n`;
  }
  return Buffer.from(text);
}

function spec(i) {
  const host = `10.0.${(i >> 8) & 255}.${i & 255}:8080`;
  return {
    job: 'cost', labels: [['instance', host], ['job', 'cost']], intervalMs: 1000,
    http: { url: `http://${host}/metrics`, scrapeTimeoutMs: 1000 },
    honorLabels: false, honorTimestamps: true, onParseError: 'fail',
    sampleLimit: 0, labelLimit: 0, labelNameLengthLimit: 0, labelValueLengthLimit: 0,
  };
}

/** The instance's memory in the address space: a rw-p mapping of its size before a guard region. */
function memoryMapping(byteLength) {
  const lines = fs.readFileSync('/proc/self/maps', 'utf8').trim().split('\n').map((line) => {
    const [range, perms] = line.split(/\s+/);
    const [start, end] = range.split('-').map((h) => BigInt(`0x${h}`));
    return { start, end, perms };
  });
  const found = [];
  for (let i = 1; i + 1 < lines.length; i++) {
    const m = lines[i];
    const next = lines[i + 1];
    if (m.perms === 'rw-p' && m.end - m.start === BigInt(byteLength) && next.start === m.end
      && next.perms === '---p' && next.end - next.start >= (1n << 30n)) found.push(m.start);
  }
  if (process.env.PROBE_DEBUG) console.log(found.map((s) => s.toString(16)));
  if (found.length !== 1) throw new Error(`expected one wasm memory mapping of ${byteLength} bytes, found ${found.length}`);
  return found[0];
}

function residentPages(base, pages) {
  const fd = fs.openSync('/proc/self/pagemap', 'r');
  const buf = Buffer.alloc(pages * 8);
  fs.readSync(fd, buf, 0, buf.length, Number((base / 4096n) * 8n));
  fs.closeSync(fd);
  const resident = [];
  for (let p = 0; p < pages; p++) resident.push((buf.readBigUInt64LE(p * 8) >> 63n) === 1n);
  return resident;
}

async function main() {
  process.env.SCRAPEWIRE_WASM = await probeModule();
  const { Registry } = require('prom-client');
  const { TargetScraper } = require(path.join(root, 'dist/src/scrape/target.js'));
  const { scrapeMetrics } = require(path.join(root, 'dist/src/scrape/scrape-metrics.js'));
  const options = { sink: { write: () => undefined }, metrics: scrapeMetrics(new Registry()), maxSamplesPerRequest: 2000 };
  const target = new TargetScraper(spec(1), options);
  const body = page(1);
  for (let round = 0; round < scrapes; round++) {
    const run = target.startScrape(1000 * (round + 1));
    run.consumer.begin('text');
    for (let at = 0; at < body.length; at += 65536) run.consumer.feed(body.subarray(at, at + 65536));
    run.consumer.finish();
    const outcome = await run.outcome;
    if (outcome.error !== undefined) throw outcome.error;
  }
  const core = target.scrapedCore;
  const ex = core.exports; // CoreAbi (src/core/wasm.ts); the module's own exports are its `raw`
  const raw = ex.raw ?? ex;
  // Resident pages first: reading an untouched page maps the zero page, which pagemap reports too.
  const bytes = ex.memory.buffer.byteLength;
  const pages = bytes / 4096;
  const resident = residentPages(memoryMapping(bytes), pages);
  const mem = new DataView(ex.memory.buffer);
  const u32 = (at) => mem.getUint32(at, true);
  const globals = {};
  for (const [name, value] of Object.entries(raw)) if (name.startsWith('g:')) globals[name.slice(2)] = value.value;

  // The TLSF heap: the root, then blocks { mmInfo u32 (size | FREE 1 | LEFTFREE 2), payload }.
  const rootAt = globals['~lib/rt/tlsf/ROOT'];
  const ROOT_SIZE = 1572;
  let at = ((rootAt + ROOT_SIZE + 4 + 15) & ~15) - 4;
  const blocks = [];
  for (;;) {
    const info = u32(at);
    const size = info & ~3;
    if (size === 0) break;
    blocks.push({ start: at, data: at + 4, size, free: (info & 1) === 1, name: undefined });
    at += 4 + size;
  }
  const byData = new Map(blocks.filter((b) => !b.free).map((b) => [b.data, b]));
  // Names: a global that points at a block's payload, then pointers inside named blocks.
  const queue = [];
  for (const [name, value] of Object.entries(globals)) {
    const short = name.replace(/^assembly\//, '');
    const b = byData.get(value);
    if (b !== undefined && b.name === undefined) { b.name = short; b.group = short; queue.push(b); }
  }
  while (queue.length > 0) {
    const parent = queue.shift();
    if (parent.size > 65536) continue; // buffers, not structs (and reading them would map pages)
    for (let off = 0; off + 4 <= parent.size; off += 4) {
      const b = byData.get(u32(parent.data + off));
      if (b !== undefined && b.name === undefined) { b.name = `${parent.name}@${off}`; b.group = parent.group; queue.push(b); }
    }
  }

  const touched = (from, to) => {
    let n = 0;
    for (let p = Math.floor(from / 4096); p * 4096 < to; p++) if (resident[p]) n += Math.min(to, (p + 1) * 4096) - Math.max(from, p * 4096);
    return n;
  };
  console.log(`page: ${kind} ${sizeText} (${body.length} bytes), ${scrapes} scrapes; memory ${bytes / 1024} KiB, resident ${resident.filter(Boolean).length} of ${pages} pages (${resident.filter(Boolean).length * 4} KiB)`);
  console.log(`heap: root at ${rootAt}, ${blocks.length} blocks; series ${ex.statSeries()}, label pairs ${ex.statLabelPairs()}`);
  console.log(`resident pages: ${resident.map((r) => (r ? '#' : '.')).join('')}`);

  const groups = new Map();
  const add = (group, block, size, resBytes) => {
    const g = groups.get(group) ?? { bytes: 0, resident: 0, blocks: 0, largest: '' , largestSize: 0 };
    g.bytes += size; g.resident += resBytes; g.blocks++;
    if (size > g.largestSize) { g.largestSize = size; g.largest = block; }
    groups.set(group, g);
  };
  add('static data + stack (below __heap_base)', '', rootAt, touched(0, rootAt));
  add('TLSF root', '', ROOT_SIZE, touched(rootAt, rootAt + ROOT_SIZE));
  for (const b of blocks) {
    const group = b.free ? 'free (holes)' : b.group ?? 'unnamed';
    add(group, b.name ?? '', 4 + b.size, touched(b.start, b.data + b.size));
  }
  const rows = [...groups.entries()].sort((a, b) => b[1].resident - a[1].resident);
  console.log('\n| what | blocks | bytes allocated | bytes on resident pages | largest block |');
  console.log('|---|---:|---:|---:|---|');
  for (const [name, g] of rows) console.log(`| ${name} | ${g.blocks} | ${g.bytes} | ${g.resident} | ${g.largest} ${g.largestSize} |`);
  if (process.env.PROBE_BLOCKS) {
    for (const b of blocks) console.log(`${b.start}\t${4 + b.size}\t${b.free ? 'FREE' : ''}\t${b.name ?? ''}\t${touched(b.start, b.data + b.size)}`);
  }
  fs.unlinkSync(process.env.SCRAPEWIRE_WASM);
  await target.stop();
}

main().catch((err) => { console.error(err); process.exit(1); });
