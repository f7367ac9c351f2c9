/**
 * Prometheus's HTTP service discovery (http_sd_configs): every refresh_interval, GET the URL and
 * read a JSON list of target groups, `[{"targets": ["host:port"], "labels": {"name": "value"}}]`.
 *
 * As Prometheus does it: the request says `Accept: application/json` and
 * `X-Prometheus-Refresh-Interval-Seconds`; anything but status 200 with Content-Type
 * `application/json` (charset utf-8 allowed) is refused; a group may hold only `targets` (strings)
 * and `labels` (string values, valid label names), and a null item fails the whole answer; each
 * group gets `__meta_url` and the source `<url>:<index>`; groups beyond the new answer's length
 * are removed. A failed refresh keeps the previous targets. The whole request is bounded by the
 * refresh interval, as Prometheus's client timeout is.
 */
import type { HttpSdConfig } from '../config/types';
import { isValidLabelName } from '../config/labels';
import { ScrapewireError } from '../errors';
import { JsonFetcher } from './json-fetch';
import { PollingProvider } from './polling';
import type { DiscoveredGroup, LabelSet } from './types';

export const HTTP_SD_URL_LABEL = '__meta_url';
const JSON_CONTENT_TYPE = /^application\/json(;\s*charset=("utf-8"|utf-8))?$/i;

/** Parses and validates an http_sd answer; throws ERR_PARSE naming the offending item. */
export function parseHttpSdGroups(body: unknown, url: string): DiscoveredGroup[] {
  const fail = (reason: string) => new ScrapewireError('ERR_PARSE', reason, { target: url });
  if (!Array.isArray(body)) throw fail('the answer is not a JSON list of target groups');
  return body.map((item: unknown, index): DiscoveredGroup => {
    if (item === null) throw fail('nil target group item found');
    if (typeof item !== 'object' || Array.isArray(item)) throw fail(`target group ${index} is not an object`);
    for (const key of Object.keys(item)) {
      if (key !== 'targets' && key !== 'labels') throw fail(`target group ${index}: unknown field ${JSON.stringify(key)}`);
    }
    const { targets, labels } = item as { targets?: unknown; labels?: unknown };
    const group: DiscoveredGroup = { source: `${url}:${index}`, labels: {}, targets: [] };
    if (targets !== undefined && targets !== null) {
      if (!Array.isArray(targets) || targets.some((target) => typeof target !== 'string')) {
        throw fail(`target group ${index}: targets must be a list of strings`);
      }
      group.targets = (targets as string[]).map((address): LabelSet => ({ __address__: address }));
    }
    if (labels !== undefined && labels !== null) {
      if (typeof labels !== 'object' || Array.isArray(labels)) throw fail(`target group ${index}: labels must be an object`);
      for (const [name, value] of Object.entries(labels as Record<string, unknown>)) {
        if (!isValidLabelName(name)) throw fail(`target group ${index}: ${JSON.stringify(name)} is not a valid label name`);
        if (typeof value !== 'string') throw fail(`target group ${index}: label ${name} must have a string value`);
        group.labels[name] = value;
      }
    }
    group.labels[HTTP_SD_URL_LABEL] = url;
    return group;
  });
}

export class HttpSdProvider extends PollingProvider {
  private readonly fetcher: JsonFetcher;

  constructor(name: string, private readonly config: HttpSdConfig, onError: (error: Error) => void) {
    super(name, config.refresh_interval, onError);
    this.fetcher = new JsonFetcher({
      url: config.url,
      client: config,
      timeoutMs: config.refresh_interval,
      headers: { 'x-prometheus-refresh-interval-seconds': String(config.refresh_interval / 1000) },
    });
  }

  protected async refresh(): Promise<DiscoveredGroup[]> {
    const answer = await this.fetcher.fetch((status, contentType) => {
      if (status !== 200) return `server returned HTTP status ${status}`;
      if (!JSON_CONTENT_TYPE.test(contentType.trim())) return `unsupported content type ${JSON.stringify(contentType)}`;
      return undefined;
    });
    return parseHttpSdGroups(answer.body, this.config.url);
  }

  protected close(): Promise<void> {
    return this.fetcher.close();
  }
}
