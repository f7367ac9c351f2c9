/** A copy of the configuration that is safe to show on /config and in logs. */
import type { Config, HttpClientConfig } from './types';

export const SECRET_PLACEHOLDER = '<secret>';

function redactHttpClient(client: HttpClientConfig): void {
  if (client.basic_auth?.password !== undefined) client.basic_auth.password = SECRET_PLACEHOLDER;
  if (client.authorization?.credentials !== undefined) client.authorization.credentials = SECRET_PLACEHOLDER;
}

/**
 * Returns a deep copy with every inline secret (basic_auth.password, authorization.credentials,
 * which is also where bearer_token ends up) replaced by `<secret>`. File paths are kept: they
 * say where a secret lives, not what it is. The input is not modified.
 */
export function redactConfig(config: Config): Config {
  const copy = structuredClone(config);
  for (const job of copy.scrape_configs) {
    redactHttpClient(job);
    for (const sd of [...job.kubernetes_sd_configs ?? [], ...job.kubelet_sd_configs ?? [], ...job.http_sd_configs ?? []]) redactHttpClient(sd);
  }
  for (const remote of copy.remote_write) redactHttpClient(remote);
  return copy;
}
