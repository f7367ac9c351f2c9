/**
 * scrapewire's `sources[]` (one shared, single-flight scrape per source that many jobs and
 * plugins read) and `plugins` sections.
 */
import { HTTP_CLIENT_FIELDS, HTTP_CLIENT_UNSUPPORTED, readHttpClient } from './http-client';
import { regexProblem } from './labels';
import type { GlobalConfig, PluginsConfig, SourceConfig, SourceKind } from './types';
import type { ValueNode, YamlReader } from './yaml-reader';

const KINDS: readonly SourceKind[] = ['kubelet', 'cadvisor', 'kube-state-metrics', 'pods', 'static'];

export function readSource(reader: YamlReader, node: ValueNode, path: string, global: GlobalConfig): SourceConfig | undefined {
  const fields = reader.mapping(node, path, 'source',
    ['name', 'url', 'kind', 'scrape_interval', 'scrape_timeout', ...HTTP_CLIENT_FIELDS], HTTP_CLIENT_UNSUPPORTED);
  if (fields === undefined) return undefined;
  const value = (name: string) => fields.get(name)?.value ?? null;
  const p = (name: string) => `${path}.${name}`;

  const name = reader.string(value('name'), p('name')) ?? '';
  if (name === '') reader.error(value('name') ?? node, fields.has('name') ? p('name') : path, 'source name is empty');

  const kindText = reader.string(value('kind'), p('kind')) ?? '';
  if (!KINDS.includes(kindText as SourceKind)) {
    reader.error(value('kind') ?? node, fields.has('kind') ? p('kind') : path,
      kindText === '' ? 'source kind is empty' : `unknown source kind ${JSON.stringify(kindText)}, must be one of ${KINDS.join(', ')}`);
  }

  // `pods` finds its targets through the kubelet's pod list; every other kind scrapes one URL.
  const url = reader.string(value('url'), p('url'));
  if (url !== undefined && url !== '') {
    let parsed: URL | undefined;
    try { parsed = new URL(url); } catch { /* reported below */ }
    if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
      reader.error(value('url'), p('url'), `invalid url ${JSON.stringify(url)}: must be an absolute http or https URL`);
    }
  } else if ((kindText === 'static' || kindText === 'kube-state-metrics') && KINDS.includes(kindText as SourceKind)) {
    // kubelet, cadvisor and pods default to this node's kubelet (--node-ip) and its credentials.
    reader.error(value('url') ?? node, fields.has('url') ? p('url') : path, `source of kind ${JSON.stringify(kindText)} requires a url`);
  }

  const interval = reader.duration(value('scrape_interval'), p('scrape_interval')) || global.scrape_interval;
  let timeout = Math.min(global.scrape_timeout, interval);
  const explicitTimeout = reader.duration(value('scrape_timeout'), p('scrape_timeout'));
  if (explicitTimeout) {
    timeout = explicitTimeout;
    if (timeout > interval) {
      reader.error(value('scrape_timeout'), p('scrape_timeout'), `scrape timeout greater than scrape interval for source ${JSON.stringify(name)}`);
    }
  }
  const source: SourceConfig = {
    name,
    kind: kindText as SourceKind,
    scrape_interval: interval,
    scrape_timeout: timeout,
    ...readHttpClient(reader, fields, node, path),
  };
  if (url !== undefined && url !== '') source.url = url;
  return source;
}

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
