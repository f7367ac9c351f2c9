/**
 * `scrapewire check config` runs exactly the validation `scrapewire run` does at start: for each
 * configuration below, both commands run as child processes (`node dist/src/cli.js`), and either
 * both accept the file (check exits 0, run starts scraping) or both refuse it with the same
 * message (check prints it and exits 1; run prints `scrapewire: <message>` and exits 2).
 *
 * The refused files are the kinds that once passed check and stopped run: a labeldrop/labelkeep
 * rule (issue 15), a rule the loader let through and the relabel compiler refused, a
 * scrape_timeout valid only against Prometheus's 1m default interval, endpoints with different
 * write_relabel_configs.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CollectorProcess, CLI, killAllCollectors } from '../e2e/support/collector-process';
import { tempDir } from '../e2e/support/config';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[]): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const dir = tempDir('check-config');
afterAll(async () => {
  await killAllCollectors();
  dir.remove();
});

const REMOTE = 'remote_write:\n  - url: http://127.0.0.1:9/api/v1/write\n';
const job = (rules: string, extra = ''): string =>
  `scrape_configs:\n  - job_name: j\n    scrape_interval: 1s\n${extra}    static_configs: [{targets: ['127.0.0.1:9']}]\n${rules}`;

const refused: Array<[name: string, text: string, message: (file: string) => string]> = [
  [
    "a rule the loader used to accept and the compiler refused: 'replacement' on lowercase",
    job('    relabel_configs:\n      - source_labels: [a]\n        target_label: b\n        replacement: x\n        action: lowercase\n') + REMOTE,
    (f) => `${f}:6: scrape_configs[0].relabel_configs[0]: 'replacement' can not be set for lowercase action`,
  ],
  [
    'labeldrop with an explicit empty source_labels (Prometheus refuses any list)',
    job('    metric_relabel_configs:\n      - regex: tmp_.*\n        source_labels: []\n        action: labeldrop\n') + REMOTE,
    (f) => `${f}:6: scrape_configs[0].metric_relabel_configs[0]: labeldrop action requires only 'regex', and no other fields`,
  ],
  [
    'a lookahead in a write_relabel_configs regex',
    job('') + REMOTE + '    write_relabel_configs:\n      - source_labels: [__name__]\n        regex: go_(?!gc).*\n        action: drop\n',
    (f) => `${f}:9: remote_write[0].write_relabel_configs[0].regex: invalid regex "go_(?!gc).*": error parsing regexp: invalid or unsupported Perl syntax: \`(?!\``,
  ],
  [
    'scrape_timeout over the collector default interval (1s), valid only against Prometheus 1m',
    'scrape_configs:\n  - job_name: j\n    scrape_timeout: 5s\n    static_configs: [{targets: [\'127.0.0.1:9\']}]\n' + REMOTE,
    (f) => `${f}:3: scrape_configs[0].scrape_timeout: scrape timeout greater than scrape interval for scrape config with job name "j"`,
  ],
  [
    'two endpoints with different write_relabel_configs',
    job('') + REMOTE + '    write_relabel_configs: [{source_labels: [__name__], regex: a, action: drop}]\n  - url: http://127.0.0.1:10/api/v1/write\n',
    () => 'remote_write: every endpoint must have the same write_relabel_configs (scrapewire encodes each scrape once for all endpoints)',
  ],
];

describe('check config and run agree', () => {
  test.each(refused)('both refuse: %s', async (name, text, message) => {
    const file = join(dir.path, `${name.replace(/\W+/g, '-').slice(0, 40)}.yml`);
    writeFileSync(file, text);
    const check = await runCli(['check', 'config', file]);
    const run = await runCli(['run', `--config.file=${file}`, '--web.listen-address=127.0.0.1:0', `--storage.path=${join(dir.path, 'storage')}`]);
    expect({ code: check.code, out: check.stdout.split('\n')[0] }).toEqual({ code: 1, out: message(file) });
    expect({ code: run.code, err: run.stderr.split('\n')[0] }).toEqual({ code: 2, err: `scrapewire: ${message(file)}` });
  }, 30_000);

  test('both accept labeldrop and labelkeep in relabel_configs, metric_relabel_configs and write_relabel_configs', async () => {
    const file = join(dir.path, 'labeldrop.yml');
    writeFileSync(file, [
      'scrape_configs:',
      '  - job_name: j',
      '    scrape_interval: 1s',
      "    static_configs: [{targets: ['127.0.0.1:9'], labels: {tmp_a: x, keep_b: y}}]",
      '    relabel_configs:',
      '      - {regex: tmp_.*, action: labeldrop}',
      '      - {regex: "__.*|job|instance|keep_.*", action: labelkeep}',
      '    metric_relabel_configs:',
      '      - {regex: tmp_.*, action: labeldrop}',
      '      - action: labelkeep',
      '        regex: .+',
      '        source_labels:',
      'remote_write:',
      '  - url: http://127.0.0.1:9/api/v1/write',
      '    write_relabel_configs: [{regex: tmp_.*, action: labeldrop}]',
      '',
    ].join('\n'));
    const check = await runCli(['check', 'config', file]);
    expect(check).toEqual({ code: 0, stdout: `${file}: valid (1 scrape configs, 1 remote writes)\n`, stderr: '' });
    const collector = await CollectorProcess.start({ configFile: file, storagePath: join(dir.path, 'storage-ok') });
    expect(collector.isRunning).toBe(true);
    expect((await collector.stop()).code).toBe(0);
  }, 30_000);
});
