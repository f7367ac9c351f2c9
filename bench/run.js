#!/usr/bin/env node
/**
 * Runs every compiled benchmark scenario, dist/bench/*.bench.js, one after the other, each in a
 * fresh node process so that one scenario's heap, JIT state and WASM memory never colour the
 * next one's figures. Output passes straight through.
 *
 *   npm run build && npm run bench             # all scenarios
 *   npm run bench -- parse                     # those whose file name contains "parse"
 *   npm run bench -- encode                    # exactly encode.bench.js (an exact name wins)
 *
 * Prints the machine (CPU model, cores, memory), the Node version and the date first, so a
 * pasted run carries what bench/RESULTS.md needs. Exits non-zero if any scenario failed.
 * Each scenario runs with --expose-gc so it can collect between measured tasks.
 */
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const compiled = path.join(root, 'dist', 'bench');

function cpuModel() {
  // lscpu names the model more fully than os.cpus() on some virtual machines.
  const lscpu = spawnSync('lscpu', [], { encoding: 'utf8' });
  const match = lscpu.status === 0 && /^Model name:\s*(.+)$/m.exec(lscpu.stdout);
  return match ? match[1].trim() : (os.cpus()[0] && os.cpus()[0].model) || 'unknown';
}

function main() {
  const filters = process.argv.slice(2);
  if (!fs.existsSync(compiled)) {
    process.stderr.write(`no compiled benchmarks in ${path.relative(root, compiled)}: run "npm run build" first\n`);
    process.exit(2);
  }
  const scenarios = fs
    .readdirSync(compiled)
    .filter((name) => name.endsWith('.bench.js'))
    .sort();
  // A filter naming a scenario exactly ("encode") runs that one, not every name containing it
  // ("parse-encode"); otherwise a filter is a substring of the file name.
  const matches = (name, filter) =>
    scenarios.includes(`${filter}.bench.js`) ? name === `${filter}.bench.js` : name.includes(filter);
  const selected = scenarios.filter((name) => filters.length === 0 || filters.some((filter) => matches(name, filter)));
  if (selected.length === 0) {
    process.stderr.write(`no scenario in ${path.relative(root, compiled)} matches ${filters.join(', ') || '*.bench.js'}\n`);
    process.exit(2);
  }

  console.log(`machine: ${cpuModel()}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.type()} ${os.release()} ${os.arch()}`);
  console.log(`node:    ${process.version}`);
  console.log(`date:    ${new Date().toISOString()}`);
  console.log(`load:    ${os.loadavg().map((load) => load.toFixed(2)).join(' ')} (1/5/15 min; other work on the machine skews figures)`);
  console.log(`runs:    ${selected.join(', ')}`);

  const failed = [];
  for (const scenario of selected) {
    console.log(`\n=== ${scenario} ===`);
    const started = Date.now();
    const run = spawnSync(process.execPath, ['--expose-gc', path.join(compiled, scenario)], { stdio: 'inherit', cwd: root });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (run.status !== 0) {
      failed.push(scenario);
      console.log(`=== ${scenario} failed (${run.signal ? `signal ${run.signal}` : `exit ${run.status}`}) after ${seconds} s ===`);
    } else {
      console.log(`=== ${scenario} done in ${seconds} s ===`);
    }
  }
  if (failed.length > 0) {
    process.stderr.write(`\nfailed: ${failed.join(', ')}\n`);
    process.exit(1);
  }
}

main();
