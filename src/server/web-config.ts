/**
 * `--web.config.file`: the web configuration format of Prometheus's exporter toolkit
 * (tls_server_config, http_server_config, basic_auth_users, rate_limit), parsed and validated
 * into a WebConfig. Every problem is reported as `file:line: field: reason`. Relative file names
 * are taken from the web configuration file's directory, as the exporter toolkit does.
 *
 * Known differences: scrapewire serves HTTP/1.1 only, so `http2` is accepted and has no effect;
 * cipher suites and curves are given with Go's names and mapped to OpenSSL's.
 */
import type { SecureVersion } from 'node:tls';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { ConfigError } from '../config/errors';
import { YamlReader, type ConfigProblem, type Fields, type ValueNode } from '../config/yaml-reader';

export const CLIENT_AUTH_TYPES = [
  'NoClientCert',
  'RequestClientCert',
  'RequireAnyClientCert',
  'VerifyClientCertIfGiven',
  'RequireAndVerifyClientCert',
] as const;
export type ClientAuthType = (typeof CLIENT_AUTH_TYPES)[number];

/** PEM text given inline (`cert:`) or as a file (`cert_file:`), with where it was configured. */
export interface PemSource {
  inline?: string;
  /** Absolute path. */
  file?: string;
  /** The field that configured it (`tls_server_config.cert_file`) and its line, for messages. */
  field: string;
  line: number;
}

export interface TlsServerConfig {
  cert: PemSource;
  key: PemSource;
  clientCa?: PemSource;
  clientAuthType: ClientAuthType;
  /** A client certificate must carry one of these SANs (DNS name, IP, e-mail or URI), exactly. */
  clientAllowedSans: string[];
  minVersion: SecureVersion;
  maxVersion: SecureVersion;
  /** OpenSSL cipher list for TLS 1.2 and lower; undefined: Node's defaults. */
  ciphers?: string;
  honorCipherOrder: boolean;
  /** OpenSSL curve list (`P-256:X25519`); undefined: Node's defaults. */
  ecdhCurve?: string;
}

export interface WebConfig {
  /** The configuration file, absolute. */
  file: string;
  /** Undefined: plain HTTP. */
  tls?: TlsServerConfig;
  /** Response headers added to every answer (http_server_config.headers). */
  headers: Record<string, string>;
  /** User name to bcrypt hash; empty: no basic authentication. */
  basicAuthUsers: Map<string, string>;
  /** A token bucket over all requests (rate_limit); undefined: no limit. */
  rateLimit?: { intervalMs: number; burst: number };
}

const TLS_VERSIONS: Record<string, SecureVersion> = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' };
const VERSION_ORDER: SecureVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/** Go's names (crypto/tls CipherSuites(), TLS 1.0-1.2) to OpenSSL's. TLS 1.3 suites are not configurable, in Go as here. */
const CIPHER_SUITES: Record<string, string> = {
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
};

const CURVES: Record<string, string> = { CurveP256: 'P-256', CurveP384: 'P-384', CurveP521: 'P-521', X25519: 'X25519' };

/** The headers http_server_config.headers may set, with the values the exporter toolkit allows. */
const HEADER_RULES: Record<string, ((value: string) => string | undefined) | undefined> = {
  'Content-Security-Policy': undefined,
  'X-Frame-Options': (v) => (/^(deny|sameorigin)$/i.test(v) ? undefined : 'must be "deny" or "sameorigin"'),
  'X-Content-Type-Options': (v) => (/^nosniff$/i.test(v) ? undefined : 'must be "nosniff"'),
  'X-XSS-Protection': undefined,
  'Strict-Transport-Security': undefined,
};

/** `$2a$`, `$2b$` or `$2y$`, a two-digit cost from 04 to 31, 22 characters of salt and 31 of hash. */
const BCRYPT_HASH = /^\$2[aby]?\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}$/;

/** Parses and validates a web configuration; throws ConfigError listing every problem. */
export function parseWebConfig(text: string, fileName: string): WebConfig {
  const file = resolve(fileName);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { schema: 'failsafe', lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ConfigError(doc.errors.map((error): ConfigProblem => ({
      file: fileName,
      line: lineCounter.linePos(error.pos[0]).line,
      message: `yaml: ${error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`,
    })));
  }
  const reader = new YamlReader(doc, lineCounter, fileName);
  const root = reader.mapping(reader.resolve(doc.contents), '', 'web config', ['tls_server_config', 'http_server_config', 'basic_auth_users', 'rate_limit']) ?? new Map();
  const value = (fields: Fields, name: string): ValueNode => fields.get(name)?.value ?? null;

  const config: WebConfig = { file, headers: {}, basicAuthUsers: new Map() };
  config.tls = readTls(reader, value(root, 'tls_server_config'), root.get('tls_server_config')?.key ?? null, dirname(file));

  const http = reader.mapping(value(root, 'http_server_config'), 'http_server_config', 'http_server_config', ['http2', 'headers']) ?? new Map();
  reader.bool(value(http, 'http2'), 'http_server_config.http2');
  const headers = reader.stringMap(value(http, 'headers'), 'http_server_config.headers');
  for (const [name, headerValue] of Object.entries(headers)) {
    const canonical = Object.keys(HEADER_RULES).find((known) => known.toLowerCase() === name.toLowerCase());
    const node = value(http, 'headers');
    if (canonical === undefined) {
      reader.error(node, `http_server_config.headers.${name}`, `this header cannot be configured (allowed: ${Object.keys(HEADER_RULES).join(', ')})`);
      continue;
    }
    if (headerValue === '') continue;
    const problem = HEADER_RULES[canonical]?.(headerValue);
    if (problem !== undefined) reader.error(node, `http_server_config.headers.${name}`, problem);
    else if (/[\r\n\0]/.test(headerValue)) reader.error(node, `http_server_config.headers.${name}`, 'must not contain line breaks');
    else config.headers[canonical] = headerValue;
  }

  const users = reader.dictionary(value(root, 'basic_auth_users'), 'basic_auth_users', (hashNode, path) => {
    const hash = reader.string(hashNode, path);
    if (hash === undefined) {
      reader.error(hashNode, path, 'expected a bcrypt hash');
      return undefined;
    }
    if (!BCRYPT_HASH.test(hash)) {
      reader.error(hashNode, path, 'not a bcrypt hash ($2y$10$ followed by 53 characters; make one with: htpasswd -nBC 10 "" | tr -d \':\\n\')');
      return undefined;
    }
    return hash;
  });
  for (const [user, hash] of Object.entries(users)) {
    if (user.includes(':')) reader.error(value(root, 'basic_auth_users'), `basic_auth_users.${user}`, 'a user name cannot contain ":"');
    else config.basicAuthUsers.set(user, hash);
  }

  const rateNode = value(root, 'rate_limit');
  const rate = reader.mapping(rateNode, 'rate_limit', 'rate_limit', ['interval', 'burst']) ?? new Map();
  const intervalMs = reader.duration(value(rate, 'interval'), 'rate_limit.interval') ?? 0;
  const burst = reader.uint(value(rate, 'burst'), 'rate_limit.burst') ?? 0;
  if (intervalMs > 0) {
    if (burst === 0) reader.error(rateNode, 'rate_limit.burst', 'must be at least 1 when rate_limit.interval is set');
    else config.rateLimit = { intervalMs, burst };
  }

  if (reader.problems.length > 0) throw new ConfigError(reader.problems);
  return config;
}

function readTls(reader: YamlReader, node: ValueNode, sectionKey: ValueNode, directory: string): TlsServerConfig | undefined {
  const path = 'tls_server_config';
  const fields = reader.mapping(node, path, path, [
    'cert', 'key', 'client_ca', 'cert_file', 'key_file', 'client_ca_file', 'client_auth_type', 'client_allowed_sans',
    'min_version', 'max_version', 'cipher_suites', 'prefer_server_cipher_suites', 'curve_preferences',
  ]);
  if (fields === undefined || fields.size === 0) return undefined;
  const value = (name: string): ValueNode => fields.get(name)?.value ?? null;
  const lineOf = (name: string): number => reader.lineOf(fields.get(name)?.key ?? sectionKey);

  const pem = (inlineName: string, fileName: string, what: string): PemSource | undefined => {
    const inline = reader.string(value(inlineName), `${path}.${inlineName}`);
    const file = reader.string(value(fileName), `${path}.${fileName}`);
    if (inline !== undefined && file !== undefined) {
      reader.error(fields.get(inlineName)!.key, path, `${inlineName} and ${fileName} are mutually exclusive: give the ${what} once`);
      return undefined;
    }
    if (inline !== undefined) return { inline, field: `${path}.${inlineName}`, line: lineOf(inlineName) };
    if (file !== undefined) return { file: resolve(directory, file), field: `${path}.${fileName}`, line: lineOf(fileName) };
    return undefined;
  };
  const cert = pem('cert', 'cert_file', 'certificate');
  const key = pem('key', 'key_file', 'private key');
  const clientCa = pem('client_ca', 'client_ca_file', 'client CA');

  const authText = reader.string(value('client_auth_type'), `${path}.client_auth_type`) ?? 'NoClientCert';
  let clientAuthType: ClientAuthType = 'NoClientCert';
  if ((CLIENT_AUTH_TYPES as readonly string[]).includes(authText)) clientAuthType = authText as ClientAuthType;
  else reader.error(value('client_auth_type'), `${path}.client_auth_type`, `invalid client auth type ${JSON.stringify(authText)} (one of ${CLIENT_AUTH_TYPES.join(', ')})`);

  const clientAllowedSans = reader.stringList(value('client_allowed_sans'), `${path}.client_allowed_sans`);

  const version = (name: string, fallback: SecureVersion): SecureVersion => {
    const text = reader.string(value(name), `${path}.${name}`);
    if (text === undefined) return fallback;
    const found = TLS_VERSIONS[text];
    if (found === undefined) reader.error(value(name), `${path}.${name}`, `unknown TLS version ${JSON.stringify(text)} (TLS10, TLS11, TLS12 or TLS13)`);
    return found ?? fallback;
  };
  const minVersion = version('min_version', 'TLSv1.2');
  const maxVersion = version('max_version', 'TLSv1.3');

  const mapped = (name: string, table: Record<string, string>, what: string): string | undefined => {
    const out: string[] = [];
    for (const item of reader.items(value(name), `${path}.${name}`)) {
      const text = reader.string(item.node, item.path);
      if (text === undefined) continue;
      const found = table[text];
      if (found === undefined) reader.error(item.node, item.path, `unknown ${what} ${JSON.stringify(text)} (one of ${Object.keys(table).join(', ')})`);
      else out.push(found);
    }
    return out.length === 0 ? undefined : out.join(':');
  };
  const ciphers = mapped('cipher_suites', CIPHER_SUITES, 'cipher suite');
  const ecdhCurve = mapped('curve_preferences', CURVES, 'curve');
  const honorCipherOrder = reader.bool(value('prefer_server_cipher_suites'), `${path}.prefer_server_cipher_suites`) ?? true;

  // The exporter toolkit's rules: a certificate and a key, a CA only with a policy that reads it.
  if (cert === undefined) reader.error(sectionKey, path, 'missing cert_file (or cert)');
  if (key === undefined) reader.error(sectionKey, path, 'missing key_file (or key)');
  if (clientCa !== undefined && clientAuthType === 'NoClientCert') {
    reader.error(fields.get(clientCa.inline === undefined ? 'client_ca_file' : 'client_ca')!.key, path,
      'a client CA is configured without a client auth policy: set client_auth_type (RequireAndVerifyClientCert to authenticate clients)');
  }
  if (clientCa === undefined && (clientAuthType === 'VerifyClientCertIfGiven' || clientAuthType === 'RequireAndVerifyClientCert')) {
    reader.error(value('client_auth_type'), `${path}.client_auth_type`, `${clientAuthType} needs client_ca_file (or client_ca) to verify client certificates against`);
  }
  if (clientAllowedSans.length > 0 && clientAuthType !== 'RequireAnyClientCert' && clientAuthType !== 'RequireAndVerifyClientCert') {
    reader.error(value('client_allowed_sans'), `${path}.client_allowed_sans`, 'needs client_auth_type RequireAnyClientCert or RequireAndVerifyClientCert, so that every client sends a certificate');
  }
  if (VERSION_ORDER.indexOf(minVersion) > VERSION_ORDER.indexOf(maxVersion)) {
    reader.error(value('min_version'), `${path}.min_version`, `is above max_version`);
  }
  if (cert === undefined || key === undefined) return undefined;
  return { cert, key, clientCa, clientAuthType, clientAllowedSans, minVersion, maxVersion, ciphers, honorCipherOrder, ecdhCurve };
}

/** The files a configuration reads besides itself (certificate, key, client CA), absolute. */
export function referencedFiles(config: WebConfig): string[] {
  const tls = config.tls;
  if (tls === undefined) return [];
  return [tls.cert.file, tls.key.file, tls.clientCa?.file].filter((file): file is string => file !== undefined);
}
