/** Paths in the repository, found from the package root so they hold in src/ and in dist/ alike. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

function findRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'test', 'fixtures'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no repository root (package.json and test/fixtures) above ${from}`);
    dir = parent;
  }
  return dir;
}

/** The repository (package) root. */
export const REPO_ROOT = findRoot(__dirname);
/** test/fixtures, the conformance and payload fixtures. */
export const FIXTURES_DIR = join(REPO_ROOT, 'test', 'fixtures');
