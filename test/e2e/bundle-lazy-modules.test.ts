/**
 * The bundle (dist/bundle/scrapewire.cjs, what `npm start` and the binary run) loads some
 * packages only when a configuration needs them (bench/RESULTS.md, 2026-12-03 "the memory
 * floor"): re2js for relabel regexes. A configuration that uses them still works through the
 * bundle: `check config` compiles every rule, so a regex Go's RE2 refuses is refused with Go's
 * message, and a valid one passes.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/paths';
import { tempDir } from './support/config';

const BUNDLE = join(REPO_ROOT, 'dist', 'bundle', 'scrapewire.cjs');

function checkConfig(file: string): { status: number | null; output: string } {
  const run = spawnSync(process.execPath, [BUNDLE, 'check', 'config', file], { encoding: 'utf8', timeout: 30_000 });
  return { status: run.status, output: run.stdout + run.stderr };
}

function configWithRegex(regex: string): string {
  return `scrape_configs:
  - job_name: app
    static_configs:
      - targets: ['127.0.0.1:9100']
    metric_relabel_configs:
      - source_labels: [__name__]
        regex: '${regex}'
        action: drop
`;
}

describe('the bundle loads re2js when a config has relabel regexes', () => {
  const dir = tempDir('bundle-lazy');
  afterAll(() => dir.remove());

  it('accepts an RE2 regex and refuses a lookahead with Go\'s message', () => {
    const good = join(dir.path, 'good.yml');
    writeFileSync(good, configWithRegex('go_(gc|memstats)_.+'));
    const accepted = checkConfig(good);
    expect(accepted.output).not.toMatch(/error/i);
    expect(accepted.status).toBe(0);

    const bad = join(dir.path, 'bad.yml');
    writeFileSync(bad, configWithRegex('go_(?=gc)'));
    const refused = checkConfig(bad);
    expect(refused.status).not.toBe(0);
    expect(refused.output).toMatch(/invalid regex "go_\(\?=gc\)": error parsing regexp: invalid or unsupported Perl syntax/);
  });
});
