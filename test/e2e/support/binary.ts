/**
 * The single executable (dist/sea/scrapewire) for the end-to-end tests, built by
 * scripts/build-binary.js, the one place that knows how, only when it is older than what it is
 * made from. The staleness rule is test/binary.test.ts's (which exports nothing to share).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../helpers/paths';

export const BUILT_BINARY = join(REPO_ROOT, 'dist', 'sea', process.platform === 'win32' ? 'scrapewire.exe' : 'scrapewire');
const WASM = join(REPO_ROOT, 'build', 'release.wasm');
const INPUTS = [WASM, join(REPO_ROOT, 'src'), join(REPO_ROOT, 'package.json'), join(REPO_ROOT, 'scripts', 'build-binary.js')];

function newestMtime(paths: string[]): number {
  let newest = 0;
  for (const path of paths) {
    if (!existsSync(path)) continue;
    const stat = statSync(path);
    newest = Math.max(newest, stat.isDirectory() ? newestMtime(readdirSync(path).map((name) => join(path, name))) : stat.mtimeMs);
  }
  return newest;
}

/** Builds dist/sea/scrapewire unless it is newer than build/release.wasm, src/, package.json and the script. */
export function ensureBinary(): string {
  if (!existsSync(WASM)) throw new Error(`${WASM} is missing: run "npm run build" first`);
  if (!existsSync(BUILT_BINARY) || statSync(BUILT_BINARY).mtimeMs <= newestMtime(INPUTS)) {
    execFileSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build-binary.js')], { cwd: REPO_ROOT, stdio: 'pipe', timeout: 280_000 });
  }
  return BUILT_BINARY;
}
