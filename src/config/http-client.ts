/**
 * The HTTP client fields shared by scrape jobs, remote_write endpoints and discovery:
 * authorization, bearer_token(_file), basic_auth and tls_config, checked the way
 * prometheus/common's HTTPClientConfig.Validate checks them and with its wording.
 */
import type { Authorization, BasicAuth, HttpClientConfig, TlsConfig } from './types';
import type { Fields, ValueNode, YamlReader } from './yaml-reader';

export const HTTP_CLIENT_FIELDS = [
  'authorization', 'bearer_token', 'bearer_token_file', 'basic_auth', 'tls_config',
  // follow_redirects: honoured by scrapes (default true, as in Prometheus); remote write does not
  // read it yet. enable_http2 is accepted so a config copied from Prometheus's /config page
  // loads; scrapewire speaks HTTP/1.1.
  'follow_redirects', 'enable_http2',
] as const;

/** Prometheus HTTP client fields scrapewire refuses rather than ignores. */
export const HTTP_CLIENT_UNSUPPORTED = [
  'oauth2', 'proxy_url', 'no_proxy', 'proxy_from_environment', 'proxy_connect_header', 'http_headers',
] as const;

export function readHttpClient(reader: YamlReader, fields: Fields, owner: ValueNode, path: string): HttpClientConfig {
  const value = (name: string) => fields.get(name)?.value ?? null;
  const keyOf = (name: string) => fields.get(name)?.key ?? owner;
  const followRedirects = reader.bool(value('follow_redirects'), `${path}.follow_redirects`);
  reader.bool(value('enable_http2'), `${path}.enable_http2`);

  const bearerToken = reader.string(value('bearer_token'), `${path}.bearer_token`);
  const bearerTokenFile = reader.string(value('bearer_token_file'), `${path}.bearer_token_file`);
  const basicAuth = readBasicAuth(reader, value('basic_auth'), `${path}.basic_auth`);
  let authorization = readAuthorization(reader, value('authorization'), `${path}.authorization`);
  const tls = readTls(reader, value('tls_config'), `${path}.tls_config`);

  const hasBearer = bearerToken !== undefined || bearerTokenFile !== undefined;
  if (basicAuth !== undefined && hasBearer) {
    reader.error(keyOf(bearerToken !== undefined ? 'bearer_token' : 'bearer_token_file'), path,
      'at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured');
  } else if (bearerToken !== undefined && bearerTokenFile !== undefined) {
    reader.error(keyOf('bearer_token_file'), path, 'at most one of bearer_token & bearer_token_file must be configured');
  } else if (authorization !== undefined && hasBearer) {
    reader.error(keyOf('authorization'), path, 'authorization is not compatible with bearer_token & bearer_token_file');
  } else if (authorization !== undefined && basicAuth !== undefined) {
    reader.error(keyOf('authorization'), path, 'at most one of basic_auth, oauth2 & authorization must be configured');
  }

  // Prometheus folds the legacy bearer fields into `authorization`; consumers look in one place.
  if (authorization === undefined && hasBearer) {
    authorization = { type: 'Bearer' };
    if (bearerToken !== undefined) authorization.credentials = bearerToken;
    if (bearerTokenFile !== undefined) authorization.credentials_file = bearerTokenFile;
  }
  const out: HttpClientConfig = { tls_config: tls };
  if (authorization !== undefined) out.authorization = authorization;
  if (basicAuth !== undefined) out.basic_auth = basicAuth;
  if (followRedirects !== undefined) out.follow_redirects = followRedirects;
  return out;
}

function readBasicAuth(reader: YamlReader, node: ValueNode, path: string): BasicAuth | undefined {
  if (node === null) return undefined;
  const fields = reader.mapping(node, path, 'basic_auth', ['username', 'password', 'password_file'], ['username_file', 'username_ref', 'password_ref']);
  if (fields === undefined) return undefined;
  const auth: BasicAuth = { username: reader.string(fields.get('username')?.value ?? null, `${path}.username`) ?? '' };
  const password = reader.string(fields.get('password')?.value ?? null, `${path}.password`);
  const passwordFile = reader.string(fields.get('password_file')?.value ?? null, `${path}.password_file`);
  if (password !== undefined && passwordFile !== undefined) {
    reader.error(fields.get('password_file')!.key, path, 'at most one of basic_auth password & password_file must be configured');
  }
  if (password !== undefined) auth.password = password;
  if (passwordFile !== undefined) auth.password_file = passwordFile;
  return auth;
}

function readAuthorization(reader: YamlReader, node: ValueNode, path: string): Authorization | undefined {
  if (node === null) return undefined;
  const fields = reader.mapping(node, path, 'authorization', ['type', 'credentials', 'credentials_file'], ['credentials_ref']);
  if (fields === undefined) return undefined;
  const typeNode = fields.get('type')?.value ?? null;
  const type = reader.string(typeNode, `${path}.type`)?.trim() || 'Bearer';
  if (type.toLowerCase() === 'basic') {
    reader.error(typeNode, `${path}.type`, 'authorization type cannot be set to "basic", use "basic_auth" instead');
  }
  const auth: Authorization = { type };
  const credentials = reader.string(fields.get('credentials')?.value ?? null, `${path}.credentials`);
  const credentialsFile = reader.string(fields.get('credentials_file')?.value ?? null, `${path}.credentials_file`);
  if (credentials !== undefined && credentialsFile !== undefined) {
    reader.error(fields.get('credentials_file')!.key, path, 'at most one of authorization credentials & credentials_file must be configured');
  }
  if (credentials !== undefined) auth.credentials = credentials;
  if (credentialsFile !== undefined) auth.credentials_file = credentialsFile;
  return auth;
}

function readTls(reader: YamlReader, node: ValueNode, path: string): TlsConfig {
  const tls: TlsConfig = { insecure_skip_verify: false };
  const fields = reader.mapping(node, path, 'tls_config',
    ['ca_file', 'cert_file', 'key_file', 'server_name', 'insecure_skip_verify'],
    ['ca', 'cert', 'key', 'ca_ref', 'cert_ref', 'key_ref', 'min_version', 'max_version']);
  if (fields === undefined) return tls;
  for (const name of ['ca_file', 'cert_file', 'key_file', 'server_name'] as const) {
    const text = reader.string(fields.get(name)?.value ?? null, `${path}.${name}`);
    if (text !== undefined && text !== '') tls[name] = text;
  }
  tls.insecure_skip_verify = reader.bool(fields.get('insecure_skip_verify')?.value ?? null, `${path}.insecure_skip_verify`) ?? false;
  if (tls.cert_file !== undefined && tls.key_file === undefined) {
    reader.error(fields.get('cert_file')!.key, path, `client cert file ${JSON.stringify(tls.cert_file)} specified without client key file`);
  } else if (tls.key_file !== undefined && tls.cert_file === undefined) {
    reader.error(fields.get('key_file')!.key, path, `client key file ${JSON.stringify(tls.key_file)} specified without client cert file`);
  }
  return tls;
}
