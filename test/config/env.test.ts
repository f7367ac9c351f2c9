/**
 * Environment variables in the configuration: ${NAME} and %{NAME} in any value, at load and at
 * reload, unset ones refused with file:line, escapes, and no way for a value to change the YAML
 * structure.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ConfigError } from '../../src/config/errors';
import { expandEnvironment } from '../../src/config/env';
import { loadConfigFile, parseConfig } from '../../src/config/load';

function refusal(yaml: string, env: Record<string, string>): string[] {
  try {
    parseConfig(yaml, 'scrapewire.yml', { env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).message.split('\n');
  }
  throw new Error('expected the configuration to be refused');
}

describe('expandEnvironment', () => {
  test.each([
    ['${A}', 'x'],
    ['%{A}', 'x'],
    ['pre-${A}-${B.C}-%{B.C}-post', 'pre-x-${B.C}-dot-post'],
    ['$${A} and %%{A}', '${A} and %{A}'],
    ['$1 ${1} $$ $$1 $A', '$1 ${1} $$ $$1 $A'],
    ['${EMPTY}|', '|'],
    ['no placeholder', 'no placeholder'],
  ])('%j -> %j', (text, expected) => {
    const { value, unset } = expandEnvironment(text, { A: 'x', 'B.C': 'dot', EMPTY: '' });
    expect(unset).toEqual([]);
    expect(value).toBe(expected);
  });

  test('reports every unset variable and leaves its text alone', () => {
    expect(expandEnvironment('${A}/${NOPE}/%{ALSO_NOPE}', { A: 'x' })).toEqual({ value: 'x/${NOPE}/%{ALSO_NOPE}', unset: ['${NOPE}', '%{ALSO_NOPE}'] });
  });
});

describe('environment variables in a configuration', () => {
  const yaml = [
    'global:',
    '  scrape_interval: ${INTERVAL}',
    '  external_labels:',
    '    node: ${NODE_NAME}',
    'scrape_configs:',
    '  - job_name: pods-%{NODE_NAME}',
    '    static_configs:',
    '      - targets: ["${NODE_IP}:10250"]',
    '    relabel_configs:',
    '      - target_label: node',
    '        replacement: "${NODE_NAME}"',
    '      - source_labels: [__address__]',
    '        regex: "(?<host>[^:]+):.*"',
    '        target_label: host',
    '        replacement: "$${host}-$1"',
    '      - source_labels: [__address__]',
    '        regex: "(?P<host>[^:]+):(?<port>.*)"',
    '        target_label: "port_${port}"',
    '        replacement: "${host}-${NODE_NAME}-${1}"',
  ].join('\n');

  test('are expanded in every value, relabel replacements included', () => {
    const config = parseConfig(yaml, 'scrapewire.yml', { env: { INTERVAL: '5s', NODE_NAME: 'node-a', NODE_IP: '10.1.2.3' } });
    expect(config.global.scrape_interval).toBe(5_000);
    expect(config.global.external_labels).toEqual({ node: 'node-a' });
    const job = config.scrape_configs[0];
    expect(job.job_name).toBe('pods-node-a');
    expect(job.static_configs[0].targets).toEqual(['10.1.2.3:10250']);
    expect(job.relabel_configs[0].replacement).toBe('node-a');
    // $${host} is the literal capture-group reference; $1 stays a capture-group reference.
    expect(job.relabel_configs[1].replacement).toBe('${host}-$1');
    // ${name} naming a group of the rule's own regex is that group, as Prometheus reads it; other
    // ${NAME} in the same rule are variables, ${1} is a group.
    expect(job.relabel_configs[2].replacement).toBe('${host}-node-a-${1}');
    expect(job.relabel_configs[2].target_label).toBe('port_${port}');
  });

  test('an unset variable is an error naming it, the file and the line', () => {
    const lines = refusal(yaml, { INTERVAL: '5s', NODE_IP: '10.1.2.3' });
    expect(lines).toEqual([
      'scrapewire.yml:4: global.external_labels.node: environment variable "NODE_NAME" is not set (write $${NODE_NAME} for the literal text ${NODE_NAME})',
      'scrapewire.yml:6: scrape_configs[0].job_name: environment variable "NODE_NAME" is not set (write %%{NODE_NAME} for the literal text %{NODE_NAME})',
      'scrapewire.yml:11: scrape_configs[0].relabel_configs[0].replacement: environment variable "NODE_NAME" is not set (write $${NODE_NAME} for the literal text ${NODE_NAME})',
      'scrapewire.yml:19: scrape_configs[0].relabel_configs[2].replacement: environment variable "NODE_NAME" is not set (write $${NODE_NAME} for the literal text ${NODE_NAME})',
    ]);
  });

  test('a value cannot change the structure of the file', () => {
    const config = parseConfig('scrape_configs:\n  - job_name: ${NAME}\n', 'c.yml', { env: { NAME: 'a\n  - job_name: injected' } });
    expect(config.scrape_configs.map((job) => job.job_name)).toEqual(['a\n  - job_name: injected']);
  });

  test('are read again on every load (a reload sees the new environment)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'scrapewire-env-'));
    try {
      const file = path.join(dir, 'c.yml');
      await writeFile(file, 'global:\n  external_labels:\n    zone: ${ZONE}\n');
      expect((await loadConfigFile(file, { env: { ZONE: 'a' } })).global.external_labels).toEqual({ zone: 'a' });
      expect((await loadConfigFile(file, { env: { ZONE: 'b' } })).global.external_labels).toEqual({ zone: 'b' });
      await expect(loadConfigFile(file, { env: {} })).rejects.toThrow(`${file}:3: global.external_labels.zone: environment variable "ZONE" is not set`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
