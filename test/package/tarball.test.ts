/**
 * What `npm pack` puts in the published tarball: the library (dist/src: JavaScript, declarations,
 * source maps carrying their sources), the ES module wrappers (dist/esm), the command and the
 * wasm core, the bundled collector the command runs; no tests, benchmarks, examples, TypeScript sources or the reference parser. Every
 * file the package points at, and every file its JavaScript requires, is inside.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../helpers/paths';
import { packRepository, unpack, type Tarball } from './support/npm-package';

const ALLOWED = [
  /^package\.json$/,
  /^README\.md$/,
  /^LICENSE$/,
  /^bin\/scrapewire\.js$/,
  /^build\/release\.wasm$/,
  /^dist\/bundle\/scrapewire\.cjs$/,
  /^dist\/esm\/[a-z]+\.(mjs|d\.mts)$/,
  /^dist\/src\/.+\.(js|d\.ts|js\.map)$/,
];

interface Manifest {
  main: string;
  types: string;
  bin: Record<string, string>;
  exports: Record<string, string | Record<string, Record<string, string>>>;
}

let workDir: string;
let tarball: Tarball;
let unpacked: string;

beforeAll(async () => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-tarball-'));
  tarball = await packRepository(workDir);
  unpacked = await unpack(tarball, workDir);
});

afterAll(() => {
  fs.rmSync(workDir, { recursive: true, force: true });
});

test('holds only the library, its ES module wrappers, the command and the wasm core', () => {
  expect(tarball.files.filter((file) => !ALLOWED.some((pattern) => pattern.test(file)))).toEqual([]);
  expect(tarball.files.filter((file) => /^(dist\/(test|bench|examples|src\/reference)\/|src\/|test\/|bench\/|assembly\/)/.test(file))).toEqual([]);
  expect(tarball.files.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))).toEqual([]);
  expect(tarball.files).toEqual(expect.arrayContaining([
    'package.json', 'bin/scrapewire.js', 'dist/bundle/scrapewire.cjs', 'build/release.wasm',
    'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/cli.js', 'dist/src/core/wasm.js',
    'dist/esm/index.mjs', 'dist/esm/core.mjs', 'dist/esm/remote.mjs', 'dist/esm/collector.mjs',
  ]));
  // The wasm is the file the build made, not a placeholder.
  expect(fs.readFileSync(path.join(unpacked, 'build', 'release.wasm'))).toEqual(fs.readFileSync(path.join(REPO_ROOT, 'build', 'release.wasm')));
});

test('every compiled file comes from a source in src/ and has its declarations and source map', () => {
  const compiled = tarball.files.filter((file) => file.startsWith('dist/src/') && file.endsWith('.js'));
  expect(compiled.length).toBeGreaterThan(50);
  const problems: string[] = [];
  for (const file of compiled) {
    const source = path.join('src', file.slice('dist/src/'.length).replace(/\.js$/, '.ts'));
    if (!fs.existsSync(path.join(REPO_ROOT, source))) problems.push(`${file}: no ${source} (a stale build output)`);
    for (const companion of [file.replace(/\.js$/, '.d.ts'), `${file}.map`]) {
      if (!tarball.files.includes(companion)) problems.push(`${file}: no ${companion}`);
    }
  }
  expect(problems).toEqual([]);
});

test('source maps name only src/ files and carry their text (the tarball has no src/)', () => {
  const maps = tarball.files.filter((file) => file.endsWith('.js.map'));
  const problems: string[] = [];
  for (const file of maps) {
    const map = JSON.parse(fs.readFileSync(path.join(unpacked, file), 'utf8')) as { sources: string[]; sourcesContent?: string[] };
    map.sources.forEach((source, i) => {
      const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(file), source));
      // dist/src/x/y.js.map names ../../../src/x/y.ts: the package root's src/.
      if (!resolved.startsWith('src/') || !fs.existsSync(path.join(REPO_ROOT, resolved))) problems.push(`${file}: source ${source} is not a file of src/`);
      if (typeof map.sourcesContent?.[i] !== 'string') problems.push(`${file}: no text for ${source}`);
    });
  }
  expect(problems).toEqual([]);
});

test('every file package.json points at is in the tarball', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(unpacked, 'package.json'), 'utf8')) as Manifest;
  const targets = [manifest.main, manifest.types, ...Object.values(manifest.bin)];
  for (const target of Object.values(manifest.exports)) {
    if (typeof target === 'string') targets.push(target);
    else for (const condition of Object.values(target)) targets.push(...Object.values(condition));
  }
  expect(Object.keys(manifest.exports)).toEqual(['.', './core', './remote', './collector', './package.json']);
  expect(targets.length).toBe(3 + 4 * 4 + 1);
  expect(targets.map((target) => path.posix.normalize(target)).filter((target) => !tarball.files.includes(target))).toEqual([]);
});

test('every relative require and import in the tarball resolves to a file in it', () => {
  const scripts = tarball.files.filter((file) => /\.(js|mjs|d\.ts|d\.mts)$/.test(file));
  const problems: string[] = [];
  let checked = 0;
  for (const file of scripts) {
    const text = fs.readFileSync(path.join(unpacked, file), 'utf8');
    for (const match of text.matchAll(/(?:require\(|from |import\()\s*["'](\.{1,2}\/[^"']*)["']/g)) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), match[1]));
      const candidates = file.endsWith('.ts') || file.endsWith('.mts')
        ? [target, target.replace(/\.js$/, '.d.ts'), `${target}.d.ts`, `${target}/index.d.ts`]
        : [target, `${target}.js`, `${target}/index.js`];
      checked++;
      if (!candidates.some((candidate) => tarball.files.includes(candidate))) problems.push(`${file}: ${match[1]}`);
    }
  }
  expect(checked).toBeGreaterThan(200);
  expect(problems).toEqual([]);
});
