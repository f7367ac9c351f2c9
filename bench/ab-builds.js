#!/usr/bin/env node
/**
 * Two builds of scrapewire in one process, interleaved: the way to see a small difference on a
 * machine whose load comes and goes (a refactor's before and after). Each round creates a Core
 * of each build (its own JS wrapper and release.wasm), scrapes the page cold, then three times
 * steady, parse alone and parse + rw1 + snappy in the core; the order alternates every round.
 * Prints the minimum and median of each figure.
 *
 *   node bench/ab-builds.js BEFORE_DIR AFTER_DIR [ROUNDS]
 *   e.g. git worktree add /tmp/before main && (cd /tmp/before && npm ci && npm run build)
 *        node bench/ab-builds.js /tmp/before . 5
 *
 * Both directories must be built (dist/src, build/release.wasm). The page is the 100 MB
 * cAdvisor-like one of scrape-memory.bench.ts (seed 1), generated once into the temp directory.
 */
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const [beforeDir, afterDir, roundsText] = process.argv.slice(2);
if (!beforeDir || !afterDir) {
  process.stderr.write('usage: node bench/ab-builds.js BEFORE_DIR AFTER_DIR [ROUNDS]\n');
  process.exit(2);
}
const rounds = Number(roundsText ?? 5);
const builds = {
  before: require(path.resolve(beforeDir, 'dist/src/core')),
  after: require(path.resolve(afterDir, 'dist/src/core')),
};

function page() {
  const file = path.join(os.tmpdir(), 'scrapewire-bench-page-100000000.txt');
  if (!fs.existsSync(file)) {
    const { generatePayload } = require(path.resolve(afterDir, 'dist/bench/payload/generate.js'));
    const fd = fs.openSync(`${file}.tmp`, 'w');
    for (const chunk of generatePayload({ kind: 'cadvisor', sizeBytes: 100e6, seed: 1, scrape: 0 })) fs.writeSync(fd, chunk);
    fs.closeSync(fd);
    fs.renameSync(`${file}.tmp`, file);
  }
  const bytes = fs.readFileSync(file);
  const chunks = [];
  for (let i = 0; i < bytes.length; i += 65536) chunks.push(bytes.subarray(i, i + 65536));
  return chunks;
}

const chunks = page();
const ms = (start) => Number(process.hrtime.bigint() - start) / 1e6;

/** One scrape and its encoding: [parse ms, parse + rw1 + snappy ms]. */
function scrape(core, timestampMs) {
  const start = process.hrtime.bigint();
  core.begin({ format: 'text', timestampMs });
  for (const chunk of chunks) core.feed(chunk);
  core.finish();
  const parsed = ms(start);
  core.encode(builds.after.RW1, { maxSamplesPerRequest: 2000, compress: true }, () => {});
  return [parsed, ms(start)];
}

const figures = { before: { cold: [], coldEncoded: [], steady: [], steadyEncoded: [] }, after: { cold: [], coldEncoded: [], steady: [], steadyEncoded: [] } };
for (let round = 0; round < rounds; round++) {
  for (const side of round % 2 === 0 ? ['before', 'after'] : ['after', 'before']) {
    const core = builds[side].Core.create();
    const [cold, coldEncoded] = scrape(core, 1000);
    figures[side].cold.push(cold);
    figures[side].coldEncoded.push(coldEncoded);
    for (let k = 0; k < 3; k++) {
      const [steady, steadyEncoded] = scrape(core, 2000 + k * 1000);
      figures[side].steady.push(steady);
      figures[side].steadyEncoded.push(steadyEncoded);
    }
  }
}

const summary = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return `${sorted[0].toFixed(0)} / ${sorted[sorted.length >> 1].toFixed(0)}`;
};
console.log(`${chunks.length} chunks of 64 KiB, ${rounds} rounds, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log('| build | cold parse | cold + rw1 + snappy | steady parse | steady + rw1 + snappy |');
console.log('|---|---:|---:|---:|---:|');
for (const side of ['before', 'after']) {
  const f = figures[side];
  console.log(`| ${side} (min / median ms) | ${summary(f.cold)} | ${summary(f.coldEncoded)} | ${summary(f.steady)} | ${summary(f.steadyEncoded)} |`);
}
