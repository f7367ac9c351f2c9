/** PluginRegistry: validation at registration and the anchored enabled regex. */
import { ScrapewireError } from '../../src/errors';
import { BUILTIN_PLUGINS } from '../../src/plugins/builtin';
import { PluginRegistry, checkPluginJobs, compileEnabledPattern } from '../../src/plugins/registry';
import type { Plugin } from '../../src/plugins/types';

const plugin = (name: string, extra: Partial<Plugin> = {}): Plugin => ({ name, jobs: ['cadvisor'], collect: () => undefined, ...extra });

function registry(): PluginRegistry {
  return new PluginRegistry()
    .register(plugin('workload-cpu'))
    .register(plugin('workload-memory'))
    .register(plugin('my-workload-cpu'))
    .register(plugin('net'));
}

function enabled(pattern: string): string[] {
  return registry().enabled(pattern).map((p) => p.plugin.name);
}

describe('PluginRegistry.enabled', () => {
  test.each([
    ['.+', ['workload-cpu', 'workload-memory', 'my-workload-cpu', 'net']],
    ['', []],
    ['workload-.*', ['workload-cpu', 'workload-memory']],
    // Anchored: a pattern matching inside a name does not enable it.
    ['workload-cpu', ['workload-cpu']],
    ['cpu', []],
    ['net|workload-cpu', ['workload-cpu', 'net']],
    ['(?i)NET', ['net']],
    ['NET', []],
  ])('%j enables %j', (pattern, names) => {
    expect(enabled(pattern)).toEqual(names);
  });

  test('an invalid regex is a config error naming the field', () => {
    expect(() => compileEnabledPattern('(', 'plugins.enabled')).toThrow(/plugins\.enabled: invalid regex "\("/);
    expect(() => registry().enabled('[')).toThrow(ScrapewireError);
  });
});

describe('PluginRegistry.register', () => {
  test('refuses duplicates, bad names, missing jobs, a targets filter that is no function and bad relabel rules', () => {
    const r = new PluginRegistry().register(plugin('a'));
    expect(() => r.register(plugin('a'))).toThrow(/plugin a: registered twice/);
    expect(() => r.register(plugin('bad name'))).toThrow(/invalid plugin name/);
    expect(() => r.register(plugin('b', { jobs: [] }))).toThrow(/plugin b: jobs/);
    expect(() => r.register(plugin('d', { targets: 'team=a' as unknown as Plugin['targets'] }))).toThrow(/plugin d: targets/);
    expect(() => r.register(plugin('c', { relabel: [{ action: 'keep', regex: '(' }] }))).toThrow(/plugins\.c\.relabel\[0\]/);
    expect(r.names()).toEqual(['a']);
    expect(r.get('a')?.relabeler).toBeUndefined();
  });

  test('builds the built-in plugins from their settings', () => {
    const r = new PluginRegistry().registerFactories(BUILTIN_PLUGINS, { 'workload-cpu': { job: 'cadv', nodeName: 'n1' } });
    expect(r.names()).toEqual(['workload-cpu']);
    expect(r.get('workload-cpu')!.plugin.jobs).toEqual(['cadv']);
    expect(r.get('workload-cpu')!.relabeler?.size).toBe(4);
    expect(() => new PluginRegistry().registerFactories(BUILTIN_PLUGINS, { 'workload-cpu': { nodename: 'n1' } }))
      .toThrow(/plugins\.settings\.workload-cpu\.nodename: unknown setting/);
  });
});

describe('checkPluginJobs', () => {
  test('names every enabled plugin reading a job the configuration does not have', () => {
    const enabledPlugins = new PluginRegistry().register(plugin('a', { jobs: ['cadvisor', 'kubelet'] })).register(plugin('b')).enabled('.+');
    expect(checkPluginJobs(enabledPlugins, ['cadvisor', 'kubelet'])).toBeUndefined();
    const error = checkPluginJobs(enabledPlugins, ['cadvisor']);
    expect(error?.code).toBe('ERR_CONFIG');
    expect(error?.message).toBe('plugins: plugin a reads job "kubelet", which scrape_configs does not have');
  });
});
