/**
 * src/version.ts is package.json's version (the published build cannot import package.json), and
 * scripts/sync-version.js, npm's "version" lifecycle script, rewrites it.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { version as packageVersion } from './helpers/package-version';
import { version } from '../src/version';
import { REPO_ROOT } from './helpers/paths';

test('src/version.ts holds package.json\'s version', () => {
  expect(version).toBe(packageVersion);
});

test('scripts/sync-version.js writes package.json\'s version into src/version.ts', () => {
  // A copy of the two files the script touches, laid out as in the repository.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-version-'));
  try {
    fs.mkdirSync(path.join(dir, 'scripts'));
    fs.mkdirSync(path.join(dir, 'src'));
    fs.copyFileSync(path.join(REPO_ROOT, 'scripts', 'sync-version.js'), path.join(dir, 'scripts', 'sync-version.js'));
    const source = fs.readFileSync(path.join(REPO_ROOT, 'src', 'version.ts'), 'utf8');
    fs.writeFileSync(path.join(dir, 'src', 'version.ts'), source);
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'scrapewire', version: '9.8.7-rc.1' }));
    execFileSync(process.execPath, [path.join(dir, 'scripts', 'sync-version.js')], { stdio: 'pipe' });
    const written = fs.readFileSync(path.join(dir, 'src', 'version.ts'), 'utf8');
    expect(written).toBe(source.replace(`export const version = '${packageVersion}';`, "export const version = '9.8.7-rc.1';"));
    expect(written).not.toBe(source);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
