/**
 * The single executable (dist/sea/scrapewire) for tests, built by scripts/build-binary.js (the one
 * place that knows how) only when it is older than what it is made from: build/release.wasm, src/,
 * package.json and scripts/. Jest runs test files in parallel workers, so the build takes a lock
 * (an atomic mkdir): a second worker waits for the first build instead of racing it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './paths';

export const BUILT_BINARY = join(REPO_ROOT, 'dist', 'sea', process.platform === 'win32' ? 'scrapewire.exe' : 'scrapewire');
const WASM = join(REPO_ROOT, 'build', 'release.wasm');
// scripts/: build-binary.js and the bundle it carries (build-bundle.js, bundle/).
const INPUTS = [WASM, join(REPO_ROOT, 'src'), join(REPO_ROOT, 'package.json'), join(REPO_ROOT, 'scripts')];
const LOCK = join(REPO_ROOT, 'dist', '.sea-build-lock');

/** The newest modification time among `paths` (directories walked recursively). */
function newestMtime(paths: string[]): number {
  let newest = 0;
  for (const path of paths) {
    if (!existsSync(path)) continue;
    const stat = statSync(path);
    newest = Math.max(newest, stat.isDirectory() ? newestMtime(readdirSync(path).map((name) => join(path, name))) : stat.mtimeMs);
  }
  return newest;
}

function isFresh(): boolean {
  return existsSync(BUILT_BINARY) && statSync(BUILT_BINARY).mtimeMs > newestMtime(INPUTS);
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Returns the path of an up-to-date binary, building it (once across workers) when stale. */
export function ensureBinary(): string {
  if (!existsSync(WASM)) throw new Error(`${WASM} is missing: run "npm run build" first`);
  const deadline = Date.now() + 300_000;
  while (!isFresh()) {
    try {
      mkdirSync(join(REPO_ROOT, 'dist'), { recursive: true });
      mkdirSync(LOCK);
    } catch {
      // Another worker is building: wait for it, then look again. A lock older than the build's
      // own time limit is left over from a killed run.
      if (existsSync(LOCK) && Date.now() - statSync(LOCK).mtimeMs > 300_000) rmdirSync(LOCK);
      if (Date.now() > deadline) throw new Error('timed out waiting for another build of the binary');
      sleep(500);
      continue;
    }
    try {
      if (!isFresh()) {
        execFileSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build-binary.js')], { cwd: REPO_ROOT, stdio: 'pipe', timeout: 280_000 });
      }
    } finally {
      rmdirSync(LOCK);
    }
  }
  return BUILT_BINARY;
}
