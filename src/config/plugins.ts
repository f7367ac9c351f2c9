/** scrapewire's `plugins` section: which plugins run (an anchored regex over their names) and their settings. */
import { regexProblem } from './labels';
import type { PluginsConfig } from './types';
import type { ValueNode, YamlReader } from './yaml-reader';

export function readPlugins(reader: YamlReader, node: ValueNode): PluginsConfig {
  const plugins: PluginsConfig = { enabled: '', settings: {} };
  const fields = reader.mapping(node, 'plugins', 'plugins', ['enabled', 'settings']);
  if (fields === undefined) return plugins;
  const enabledNode = fields.get('enabled')?.value ?? null;
  plugins.enabled = reader.string(enabledNode, 'plugins.enabled') ?? '';
  const reason = regexProblem(plugins.enabled);
  if (reason !== undefined) reader.error(enabledNode, 'plugins.enabled', `invalid regex ${JSON.stringify(plugins.enabled)}: ${reason}`);
  plugins.settings = reader.dictionary(fields.get('settings')?.value ?? null, 'plugins.settings', (value, valuePath) => {
    if (value === null) return {};
    const settings = reader.plain(value);
    if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) {
      reader.error(value, valuePath, 'plugin settings must be a mapping');
      return undefined;
    }
    return settings as Record<string, unknown>;
  });
  return plugins;
}
