#!/usr/bin/env node
'use strict';
/**
 * Deletes what tsc left in dist/src from sources that no longer exist (a renamed or removed
 * src/ file): tsc never removes outputs, and the tarball takes dist/src as it is.
 *
 *   node scripts/prune-dist.js        (part of npm run build:ts)
 */
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const outDir = path.join(root, 'dist', 'src');
const srcDir = path.join(root, 'src');
const OUTPUT = /(\.d\.ts|\.js\.map|\.js)$/;

function prune(dir) {
  let left = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (prune(file) === 0) fs.rmdirSync(file);
      else left++;
      continue;
    }
    const source = path.join(srcDir, path.relative(outDir, file)).replace(OUTPUT, '.ts');
    if (OUTPUT.test(entry.name) && fs.existsSync(source)) {
      left++;
    } else {
      fs.rmSync(file);
      process.stderr.write(`prune-dist: removed ${path.relative(root, file)} (no ${path.relative(root, source)})\n`);
    }
  }
  return left;
}

if (fs.existsSync(outDir)) prune(outDir);

// A copy of package.json that tsc once emitted for a test importing it (tests read the file
// now): beside dist/examples it would be their package scope, and the examples' own
// `require('scrapewire')` (a package importing itself by name) would resolve inside dist/.
const strayManifest = path.join(root, 'dist', 'package.json');
if (fs.existsSync(strayManifest)) {
  fs.rmSync(strayManifest);
  process.stderr.write('prune-dist: removed dist/package.json (not a build output any more)\n');
}
