/**
 * The API reference (`npm run docs`: TypeDoc over the four entry points, typedoc.json) builds
 * with every warning an error: each exported declaration documented, each {@link} resolving,
 * each type the API refers to exported. TypeDoc needs no network. A fixture with an
 * undocumented export and a broken link shows the same settings fail.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../helpers/paths';

const run = promisify(execFile);
const TYPEDOC = path.join(REPO_ROOT, 'node_modules', 'typedoc', 'bin', 'typedoc');

let out: string;
beforeAll(() => {
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-typedoc-'));
});
afterAll(() => {
  fs.rmSync(out, { recursive: true, force: true });
});

async function typedoc(args: string[], cwd = REPO_ROOT): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [TYPEDOC, ...args], { cwd, timeout: 240_000, maxBuffer: 16 << 20, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, output: e.stdout + e.stderr };
  }
}

test('npm run docs builds the reference of every entry point with no warning', async () => {
  const config = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'typedoc.json'), 'utf8')) as Record<string, unknown>;
  expect(config).toMatchObject({
    treatWarningsAsErrors: true,
    validation: expect.objectContaining({ notExported: true, invalidLink: true, notDocumented: true }),
    entryPoints: ['src/index.ts', 'src/core/index.ts', 'src/remote/index.ts', 'src/collector/index.ts'],
  });
  const result = await typedoc(['--out', path.join(out, 'api')]);
  expect(result.output).not.toMatch(/warning|error/i);
  expect(result.code).toBe(0);
  const modules = fs.readdirSync(path.join(out, 'api', 'modules')).sort();
  expect(modules).toEqual(['scrapewire.html', 'scrapewire_collector.html', 'scrapewire_core.html', 'scrapewire_remote.html']);
  // The classes a service starts with, and the embedding guide beside the reference.
  const classes = fs.readdirSync(path.join(out, 'api', 'classes'));
  expect(classes).toEqual(expect.arrayContaining(['scrapewire.Collector.html', 'scrapewire.RemoteWriter.html', 'scrapewire.LocalScraper.html', 'scrapewire.Core.html']));
  const collector = fs.readFileSync(path.join(out, 'api', 'classes', 'scrapewire.Collector.html'), 'utf8');
  expect(collector).toContain('handler');
  expect(fs.readdirSync(path.join(out, 'api', 'documents'))).toEqual(['EMBEDDING.html']);
}, 300_000);

test('the same settings fail on an undocumented export and on a broken link', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-typedoc-bad-'));
  try {
    fs.writeFileSync(path.join(dir, 'entry.ts'), [
      '/** A documented function, whose comment links to {@link Nowhere}. */',
      'export function documented(): number { return 1; }',
      'export function undocumented(): number { return 2; }',
      '',
    ].join('\n'));
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, target: 'ES2022', module: 'commonjs', types: [] }, files: ['entry.ts'] }));
    const config = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'typedoc.json'), 'utf8')) as Record<string, unknown>;
    delete config.projectDocuments;
    fs.writeFileSync(path.join(dir, 'typedoc.json'), JSON.stringify({ ...config, entryPoints: ['entry.ts'], tsconfig: 'tsconfig.json', out: 'api', name: 'bad' }));
    const result = await typedoc(['--options', 'typedoc.json'], dir);
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/undocumented \(\w+\), defined in/);
    expect(result.output).toContain('does not have any documentation');
    expect(result.output).toMatch(/Failed to resolve link to "Nowhere"/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 300_000);
