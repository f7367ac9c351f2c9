#!/usr/bin/env node
'use strict';
/**
 * Builds dist/sea/scrapewire: one self-contained executable (a Node single executable
 * application) holding the bundled CLI and the core's WebAssembly module as an asset.
 *
 *   npm run build:binary        (= build:wasm, build:lib, then node scripts/build-binary.js)
 *
 * Steps, each of which works offline:
 *   1. scripts/build-bundle.js bundles src/cli.ts and its dependencies into
 *      dist/bundle/scrapewire.cjs (minified CommonJS, node20), the same file `npm start` runs.
 *   2. `node --experimental-sea-config dist/sea/sea-config.json` writes the preparation blob;
 *      build/release.wasm travels in it as the asset "scrapewire.wasm", which src/core/wasm.ts
 *      reads with require('node:sea').getAsset() when running as a SEA.
 *   3. A copy of the running node (process.execPath) becomes dist/sea/scrapewire and postject
 *      injects the blob, flipping the SEA fuse.
 * The binary is for the platform and architecture of the node that runs this script.
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { buildBundle } = require('./build-bundle');

const root = path.resolve(__dirname, '..');
const outDir = path.join(root, 'dist', 'sea');
const wasmPath = path.join(root, 'build', 'release.wasm');
const blobPath = path.join(outDir, 'sea-prep.blob');
const seaConfigPath = path.join(outDir, 'sea-config.json');
const binaryPath = path.join(outDir, process.platform === 'win32' ? 'scrapewire.exe' : 'scrapewire');

// The fuse string node's SEA support looks for (nodejs.org/api/single-executable-applications.html).
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

function fail(message) {
  process.stderr.write(`build-binary: ${message}\n`);
  process.exit(1);
}

function step(message) {
  process.stdout.write(`build-binary: ${message}\n`);
}

async function main() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  // SEA assets (and node:sea) arrived in 20.12 / 21.7.
  if (major < 20 || (major === 20 && minor < 12) || (major === 21 && minor < 7)) {
    fail(`node ${process.versions.node} cannot embed assets in a single executable; use node >= 20.12`);
  }
  if (!fs.existsSync(wasmPath)) fail(`${path.relative(root, wasmPath)} is missing; run "npm run build:wasm" first`);
  fs.mkdirSync(outDir, { recursive: true });

  step('bundling src/cli.ts -> dist/bundle/scrapewire.cjs (scripts/build-bundle.js)');
  const bundlePath = await buildBundle({ log: step });

  step('writing the SEA preparation blob');
  const seaConfig = {
    main: bundlePath,
    output: blobPath,
    disableExperimentalSEAWarning: true,
    // The bundle again, as text: a SEA has no file to start a scrape worker thread from, so
    // src/scrape/workers/worker-script.ts evaluates this asset in each worker (--scrape.workers).
    assets: { 'scrapewire.wasm': wasmPath, 'scrapewire.cjs': bundlePath },
  };
  fs.writeFileSync(seaConfigPath, `${JSON.stringify(seaConfig, null, 2)}\n`);
  execFileSync(process.execPath, ['--experimental-sea-config', seaConfigPath], { cwd: root, stdio: 'inherit' });

  step(`copying ${process.execPath} -> ${path.relative(root, binaryPath)}`);
  const nodeBinary = fs.readFileSync(process.execPath);
  if (nodeBinary.indexOf(SEA_FUSE) < 0) {
    fail(`${process.execPath} has no SEA fuse (a distribution build without single-executable support?); use an official node build`);
  }
  fs.rmSync(binaryPath, { force: true });
  fs.writeFileSync(binaryPath, nodeBinary, { mode: 0o755 });
  if (process.platform === 'darwin') execFileSync('codesign', ['--remove-signature', binaryPath], { stdio: 'inherit' });

  // On Linux postject (LIEF) prints "warning: Can't find string offset for section name '.note.100'"
  // a few times; Node's SEA documentation says these are expected and harmless.
  step('injecting the blob with postject');
  const { inject } = require('postject');
  await inject(binaryPath, 'NODE_SEA_BLOB', fs.readFileSync(blobPath), {
    sentinelFuse: SEA_FUSE,
    ...(process.platform === 'darwin' ? { machoSegmentName: 'NODE_SEA' } : {}),
  });
  if (process.platform === 'darwin') execFileSync('codesign', ['--sign', '-', binaryPath], { stdio: 'inherit' });

  // Smoke test: the binary starts, finds its own entry point and exits 0.
  execFileSync(binaryPath, ['help'], { stdio: 'ignore', env: { ...process.env, NODE_OPTIONS: '' } });
  const size = fs.statSync(binaryPath).size;
  step(`${path.relative(root, binaryPath)}: ${(size / 1024 / 1024).toFixed(1)} MiB`);
}

main().catch((err) => fail(err && err.stack ? err.stack : String(err)));
