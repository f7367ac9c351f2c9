#!/usr/bin/env node
'use strict';
/**
 * Bundles the collector (src/cli.ts and everything it loads) into one minified CommonJS file,
 * dist/bundle/scrapewire.cjs: what `npm start` runs and what the single executable carries
 * (scripts/build-binary.js). The published library (dist/src) is built by tsc and unaffected.
 *
 *   npm run build:bundle         (needs build/release.wasm at run time, not to bundle)
 *
 * Why a bundle: one script instead of ~480 module files, with the comments and whitespace gone,
 * so V8 keeps less source text and compiles fewer top-level functions; and three packages are
 * narrowed to what src/ uses (each alias checked below):
 *   - `undici` -> scripts/bundle/undici.js (dispatchers and request, without fetch, WebSocket,
 *     EventSource, mocks and caches);
 *   - `protobufjs` -> protobufjs/minimal (Reader and Writer; no .proto parser, no reflection);
 *   - `@opentelemetry/api` -> scripts/bundle/opentelemetry-api.js (prom-client loads it for
 *     exemplars on its default metrics, which scrapewire does not turn on).
 * What each step bought is in bench/RESULTS.md ("idle baseline").
 *
 * The file sits two directories below the repository root, so src/core/wasm.ts finds
 * build/release.wasm from it (join(__dirname, '../../build/release.wasm')), as it does from src/core.
 */
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const outfile = path.join(root, 'dist', 'bundle', 'scrapewire.cjs');

/** Package -> replacement, and the names src/ may import from it (checked against the replacement). */
const ALIASES = {
  undici: path.join(root, 'scripts', 'bundle', 'undici.js'),
  protobufjs: require.resolve('protobufjs/minimal', { paths: [root] }),
  // prom-client's only use (exemplars of its default metrics) is never turned on: see the file.
  '@opentelemetry/api': path.join(root, 'scripts', 'bundle', 'opentelemetry-api.js'),
};

/** Files under dir whose names end in .ts, recursively. */
function sourceFiles(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(full));
    else if (entry.name.endsWith('.ts')) out.push(full);
  }
  return out;
}

/**
 * Every value name src/ imports from `pkg` (`import { a, type B } from 'pkg'`: a); a default or
 * namespace import of the package counts as '*', which no alias can promise.
 */
function importedNames(pkg) {
  const names = new Map();
  const pattern = new RegExp(`import\\s+(type\\s+)?([^;]*?)\\s+from\\s+'${pkg}'`, 'g');
  for (const file of sourceFiles(path.join(root, 'src'))) {
    const text = fs.readFileSync(file, 'utf8');
    for (const match of text.matchAll(pattern)) {
      if (match[1]) continue; // import type { ... }: erased
      const clause = match[2];
      const braces = /\{([^}]*)\}/.exec(clause);
      const outside = clause.replace(/\{[^}]*\}/, '').replace(/,/g, ' ').trim();
      if (outside !== '') names.set('*', path.relative(root, file));
      for (const part of braces ? braces[1].split(',') : []) {
        const name = part.trim().split(/\s+as\s+/)[0].trim();
        if (name === '' || name.startsWith('type ')) continue;
        names.set(name, path.relative(root, file));
      }
    }
  }
  return names;
}

/** Throws when src/ imports something from an aliased package that its replacement lacks. */
function checkAliases() {
  for (const [pkg, replacement] of Object.entries(ALIASES)) {
    const provided = require(replacement);
    for (const [name, file] of importedNames(pkg)) {
      if (name === '*' || !(name in provided)) {
        throw new Error(`${file} imports ${name === '*' ? 'the whole of' : `"${name}" from`} ${pkg}, which the bundle replaces with ${path.relative(root, replacement)}: add it there`);
      }
    }
  }
}

/**
 * Resolves the bare package names of ALIASES to their replacements. (esbuild's own `alias` would
 * also remap the replacement's `undici/lib/...` requires.)
 */
const narrowPackages = {
  name: 'narrow-packages',
  setup(build) {
    const filter = new RegExp(`^(${Object.keys(ALIASES).join('|')})$`);
    build.onResolve({ filter }, (args) => ({ path: ALIASES[args.path] }));
  },
};

/** Builds dist/bundle/scrapewire.cjs; resolves with its path. */
async function buildBundle({ log = () => {} } = {}) {
  checkAliases();
  const esbuild = require('esbuild');
  fs.mkdirSync(path.dirname(outfile), { recursive: true });
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: ['src/cli.ts'],
    tsconfig: 'tsconfig.build.json',
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // A SEA's main script can require only built-in modules: everything else must be inside.
    packages: 'bundle',
    plugins: [narrowPackages],
    // Whitespace and syntax minified, identifiers kept: V8 parses and keeps the 1.4 MB file in
    // less memory than the 1.1 MB one with short names and esbuild's keepNames (which wraps every
    // function and class in a call that sets its name): RSS after loading 58.6 -> 54.5 MiB, peak
    // malloc while parsing 6.0 -> 2.6 MiB (bench/RESULTS.md, 2026-12-03 "the memory floor").
    // Names survive as written, so errors, logs and stack traces name our classes and functions.
    minifyWhitespace: true,
    minifySyntax: true,
    minifyIdentifiers: false,
    // Stack traces map back with --enable-source-maps; the map is not loaded otherwise.
    sourcemap: 'linked',
    // Licence comments go to scrapewire.cjs.LEGAL.txt beside it instead of into the heap.
    legalComments: 'linked',
    // The bundle starts its scrape workers from its own file (src/scrape/workers/worker-script.ts).
    define: { SCRAPEWIRE_BUNDLE: 'true' },
    logLevel: 'warning',
  });
  if (result.errors.length > 0) throw new Error('esbuild failed');
  log(`${path.relative(root, outfile)}: ${(fs.statSync(outfile).size / 1024).toFixed(0)} KiB`);
  return outfile;
}

module.exports = { buildBundle, bundlePath: outfile };

if (require.main === module) {
  buildBundle({ log: (message) => process.stdout.write(`build-bundle: ${message}\n`) }).catch((err) => {
    process.stderr.write(`build-bundle: ${err && err.message ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
