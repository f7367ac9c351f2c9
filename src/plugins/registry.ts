/**
 * PluginRegistry: the plugins an agent knows, and which of them `plugins.enabled` turns on.
 *
 * The enabled pattern is a regex anchored at both ends, like Prometheus' regexes
 * (`enabled: '.+'` enables all): `workload-.*` enables workload-cpu but not my-workload-cpu; '' enables
 * none. A leading `(?i)` (RE2's flag syntax, as in the config file) makes it case-insensitive.
 *
 * A plugin is checked when registered (name, jobs, relabel rules compiled once), so a broken
 * plugin fails at start-up, naming itself, rather than at its first round; `checkPluginJobs`
 * checks that the jobs the enabled plugins read are in the configuration.
 */
import { ScrapewireError } from '../errors';
import { compileRelabelConfigs } from '../relabel/relabeler';
import type { Relabeler } from '../relabel/relabeler';
import type { Plugin, PluginFactory } from './types';

const PLUGIN_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** A registered plugin with its relabel rules compiled. */
export interface RegisteredPlugin {
  readonly plugin: Plugin;
  /** Undefined when the plugin has no rules. */
  readonly relabeler: Relabeler | undefined;
}

/** Compiles an enabled-plugins pattern into an anchored RegExp; throws ERR_CONFIG naming `field`. */
export function compileEnabledPattern(pattern: string, field = 'plugins.enabled'): RegExp {
  let body = pattern;
  let flags = '';
  const flagGroup = /^\(\?([ims]+)\)/.exec(pattern);
  if (flagGroup !== null) {
    flags = [...new Set(flagGroup[1])].join('');
    body = pattern.slice(flagGroup[0].length);
  }
  try {
    return new RegExp(`^(?:${body})$`, flags);
  } catch (err) {
    throw new ScrapewireError('ERR_CONFIG', `${field}: invalid regex ${JSON.stringify(pattern)}: ${(err as Error).message}`, { cause: err });
  }
}

/** Plugins by name: the built-in ones and the agent's own; `enabled` picks those a regex names. */
export class PluginRegistry {
  private readonly plugins = new Map<string, RegisteredPlugin>();

  /** Adds a plugin; throws ERR_PLUGIN when its name is taken or invalid, ERR_CONFIG for bad relabel rules. */
  register(plugin: Plugin): this {
    const name = plugin?.name;
    if (typeof name !== 'string' || !PLUGIN_NAME.test(name)) {
      throw new ScrapewireError('ERR_PLUGIN', `invalid plugin name ${JSON.stringify(name)}: letters, digits, '_', '-' and '.' only`);
    }
    const target = `plugin ${name}`;
    if (this.plugins.has(name)) throw new ScrapewireError('ERR_PLUGIN', 'registered twice; plugin names must be unique', { target });
    if (!Array.isArray(plugin.jobs) || plugin.jobs.length === 0 || !plugin.jobs.every((job) => typeof job === 'string' && job !== '')) {
      throw new ScrapewireError('ERR_PLUGIN', 'jobs: must list the names of the scrape_configs jobs it reads', { target });
    }
    if (plugin.targets !== undefined && typeof plugin.targets !== 'function') {
      throw new ScrapewireError('ERR_PLUGIN', 'targets: must be a function of the target labels', { target });
    }
    if (plugin.collect !== undefined && typeof plugin.collect !== 'function') {
      throw new ScrapewireError('ERR_PLUGIN', 'collect: must be a function', { target });
    }
    const relabeler =
      plugin.relabel === undefined || plugin.relabel.length === 0
        ? undefined
        : compileRelabelConfigs(plugin.relabel, `plugins.${name}.relabel`);
    this.plugins.set(name, { plugin, relabeler });
    return this;
  }

  /** Builds each plugin from its settings (`plugins.settings.<name>`, {} when absent) and registers it. */
  registerFactories(factories: Readonly<Record<string, PluginFactory>>, settings: Readonly<Record<string, Record<string, unknown>>> = {}): this {
    for (const [name, factory] of Object.entries(factories)) {
      const plugin = factory(settings[name] ?? {});
      if (plugin.name !== name) {
        throw new ScrapewireError('ERR_PLUGIN', `factory registered as "${name}" built a plugin named "${plugin.name}"`);
      }
      this.register(plugin);
    }
    return this;
  }

  /** Whether a plugin of this name is registered. */
  has(name: string): boolean {
    return this.plugins.has(name);
  }

  /** The plugin registered under `name`. */
  get(name: string): RegisteredPlugin | undefined {
    return this.plugins.get(name);
  }

  /** Registered names, in registration order. */
  names(): string[] {
    return [...this.plugins.keys()];
  }

  /**
   * The plugins whose whole name matches `pattern` (a string is anchored; '' enables none), in
   * registration order. A RegExp is used as given: anchor it yourself or use compileEnabledPattern.
   */
  enabled(pattern: string | RegExp): RegisteredPlugin[] {
    if (pattern === '') return [];
    const regex = typeof pattern === 'string' ? compileEnabledPattern(pattern) : pattern;
    return [...this.plugins.values()].filter(({ plugin }) => {
      regex.lastIndex = 0;
      return regex.test(plugin.name);
    });
  }
}

/**
 * ERR_CONFIG naming every enabled plugin that reads a job the configuration does not have (a
 * typo, or a setting such as plugins.settings.workload-cpu.job left at its default), or undefined.
 */
export function checkPluginJobs(enabled: readonly RegisteredPlugin[], jobNames: readonly string[]): ScrapewireError | undefined {
  const known = new Set(jobNames);
  const problems = enabled.flatMap(({ plugin }) => plugin.jobs.filter((job) => !known.has(job))
    .map((job) => `plugin ${plugin.name} reads job ${JSON.stringify(job)}, which scrape_configs does not have`));
  if (problems.length === 0) return undefined;
  return new ScrapewireError('ERR_CONFIG', `plugins: ${problems.join('; ')}`);
}
