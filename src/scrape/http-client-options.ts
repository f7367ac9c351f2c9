/**
 * A Prometheus `http_client_config` (authorization, basic_auth, tls_config, follow_redirects), as scrape_configs
 * and sources write it, in HttpScraper's terms. Fields the config leaves out stay absent, so the
 * result can be spread over defaults (the kubelet's service-account token and CA).
 */
import { ScrapewireError } from '../errors';
import type { HttpClientConfig } from '../config/types';
import type { HttpTargetOptions } from './http-target-options';

export type HttpClientOptions = Omit<HttpTargetOptions, 'url' | 'scrapeTimeoutMs'>;

/**
 * `authorization` of any type, as Prometheus sends it (`Authorization: <type> <credentials>`);
 * "basic" is refused by the config loader, as in Prometheus. `field` prefixes errors.
 */
export function httpClientOptions(config: HttpClientConfig, field = ''): HttpClientOptions {
  const options: HttpClientOptions = {};
  const auth = config.authorization;
  if (auth !== undefined) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(auth.type)) {
      const where = field === '' ? '' : `${field}.`;
      throw new ScrapewireError('ERR_CONFIG', `${where}authorization.type ${JSON.stringify(auth.type)} is not a valid HTTP authentication scheme`);
    }
    if (auth.type !== 'Bearer') options.authorizationType = auth.type;
    if (auth.credentials !== undefined) options.bearerToken = auth.credentials;
    if (auth.credentials_file !== undefined) options.bearerTokenFile = auth.credentials_file;
  }
  if (config.basic_auth !== undefined) {
    options.basicAuth = {
      username: config.basic_auth.username,
      password: config.basic_auth.password,
      passwordFile: config.basic_auth.password_file,
    };
  }
  if (config.follow_redirects !== undefined) options.followRedirects = config.follow_redirects;
  const tls = config.tls_config;
  if (tls !== undefined) {
    options.tls = {};
    if (tls.ca_file !== undefined) options.tls.caFile = tls.ca_file;
    if (tls.cert_file !== undefined) options.tls.certFile = tls.cert_file;
    if (tls.key_file !== undefined) options.tls.keyFile = tls.key_file;
    if (tls.server_name !== undefined) options.tls.serverName = tls.server_name;
    if (tls.insecure_skip_verify) options.tls.insecureSkipVerify = true;
  }
  return options;
}
