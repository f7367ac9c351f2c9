#!/usr/bin/env node
/**
 * Churn, two builds in one process, interleaved (as bench/ab-builds.js does for cold and steady
 * scrapes): one long-lived Core per build and kind of page, scraping a steady page (no churn)
 * and a page with 5% of its series renamed every scrape (churn.bench.ts's pages), with eviction
 * after 2 scrapes as churn.bench.ts. Times feed (parse, new series), finish (staleness,
 * eviction, the index), and encode (rw1 + snappy), per scrape; prints min / median ms and the
 * churn scrape's cost over the steady one's.
 *
 *   node bench/ab-churn.js BEFORE_DIR AFTER_DIR [SCRAPES] [SIZE_BYTES]
 *   e.g. node bench/ab-churn.js /tmp/before . 12 64e6
 *
 * Both directories must be built (dist/src, build/release.wasm); pages come from AFTER_DIR's
 * dist/bench/payload/generate.js (cadvisor, seed 1).
 */
'use strict';

const os = require('node:os');
const path = require('node:path');

const [beforeDir, afterDir, scrapesText, sizeText] = process.argv.slice(2);
if (!beforeDir || !afterDir) {
  process.stderr.write('usage: node bench/ab-churn.js BEFORE_DIR AFTER_DIR [SCRAPES] [SIZE_BYTES]\n');
  process.exit(2);
}
const scrapes = Number(scrapesText ?? 12);
const size = Number(sizeText ?? 64e6);
const builds = {
  before: require(path.resolve(beforeDir, 'dist/src/core')),
  after: require(path.resolve(afterDir, 'dist/src/core')),
};
const { collectPayload, scrapeTimestampMs } = require(path.resolve(afterDir, 'dist/bench/payload/generate.js'));

const pagesOf = (churnPercent) => Array.from({ length: scrapes + 1 }, (_, k) =>
  collectPayload({ kind: 'cadvisor', sizeBytes: size, seed: 1, scrape: k, churnPercent, chunkBytes: 64 * 1024 }).chunks);
const pages = { steady: pagesOf(0), churn: pagesOf(5) };
const ms = (start) => Number(process.hrtime.bigint() - start) / 1e6;

function scrape(build, core, chunks, k) {
  const t0 = process.hrtime.bigint();
  core.begin({ format: 'text', timestampMs: scrapeTimestampMs(k) });
  for (const chunk of chunks) core.feed(chunk);
  const feed = ms(t0);
  const t1 = process.hrtime.bigint();
  const summary = core.finish();
  const finish = ms(t1);
  const t2 = process.hrtime.bigint();
  core.encode(build.RW1, { maxSamplesPerRequest: 2000, compress: true }, () => {});
  return { feed, finish, encode: ms(t2), newSeries: summary.newSeries };
}

const figures = {};
const cores = {};
for (const side of ['before', 'after']) {
  for (const kind of ['steady', 'churn']) {
    const core = builds[side].Core.create({ evictAfterScrapes: 2 });
    scrape(builds[side], core, pages[kind][0], 0);
    cores[`${side} ${kind}`] = core;
    figures[`${side} ${kind}`] = { feed: [], finish: [], encode: [], total: [], newSeries: 0 };
  }
}
for (let k = 1; k <= scrapes; k++) {
  const order = k % 2 === 0 ? ['before', 'after'] : ['after', 'before'];
  for (const side of order) {
    for (const kind of ['steady', 'churn']) {
      const f = figures[`${side} ${kind}`];
      const r = scrape(builds[side], cores[`${side} ${kind}`], pages[kind][k], k);
      f.feed.push(r.feed);
      f.finish.push(r.finish);
      f.encode.push(r.encode);
      f.total.push(r.feed + r.finish + r.encode);
      f.newSeries += r.newSeries;
    }
  }
}

const sorted = (values) => [...values].sort((a, b) => a - b);
const median = (values) => sorted(values)[values.length >> 1];
const summary = (values) => `${sorted(values)[0].toFixed(1)} / ${median(values).toFixed(1)}`;
console.log(`${(size / 1e6).toFixed(0)} MB cadvisor pages, ${scrapes} scrapes each, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log('| build | page | new series / scrape | feed | finish | encode rw1 + snappy | total | total vs steady (medians) | live series | WASM MiB |');
console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const side of ['before', 'after']) {
  for (const kind of ['steady', 'churn']) {
    const f = figures[`${side} ${kind}`];
    const stats = cores[`${side} ${kind}`].memoryStats();
    const ratio = median(f.total) / median(figures[`${side} steady`].total);
    console.log(`| ${side} (min / median ms) | ${kind} | ${(f.newSeries / scrapes).toFixed(0)} | ${summary(f.feed)} | ${summary(f.finish)} | ${summary(f.encode)} | ${summary(f.total)} | ${ratio.toFixed(2)}x | ${stats.series} | ${(stats.wasmBytes / 2 ** 20).toFixed(0)} |`);
  }
}
