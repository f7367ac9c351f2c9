/**
 * --web.config.file parsing: the exporter toolkit's format, its validation rules, and messages
 * that name the file, the line and the field.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/config/errors';
import { parseWebConfig } from '../../src/server/web-config';
import { loadWebConfig } from '../../src/server/web-security';

const HASH = '$2y$10$X0h1gDsPszWURQaxFh.zoubFi6DXncSjhoQNJgRrnGs7EsimhC7zG';
const FILE = '/etc/scrapewire/web.yml';

function problems(text: string): string[] {
  try {
    parseWebConfig(text, FILE);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe('ERR_CONFIG');
    return (err as ConfigError).message.split('\n');
  }
  throw new Error('expected a ConfigError');
}

describe('parseWebConfig', () => {
  test('an empty file is plain HTTP without authentication', () => {
    const config = parseWebConfig('', FILE);
    expect(config.tls).toBeUndefined();
    expect(config.basicAuthUsers.size).toBe(0);
    expect(config.headers).toEqual({});
    expect(config.rateLimit).toBeUndefined();
  });

  test('the exporter toolkit example: TLS files relative to the config, users, headers, rate limit', () => {
    const config = parseWebConfig([
      'tls_server_config:',
      '  cert_file: server.crt',
      '  key_file: /abs/server.key',
      '  client_auth_type: RequireAndVerifyClientCert',
      '  client_ca_file: ca.crt',
      '  client_allowed_sans: [client.example]',
      '  min_version: TLS13',
      '  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256]',
      '  curve_preferences: [X25519, CurveP256]',
      '  prefer_server_cipher_suites: false',
      'http_server_config:',
      '  http2: false',
      '  headers:',
      '    X-Frame-Options: deny',
      '    x-content-type-options: nosniff',
      '    Strict-Transport-Security: max-age=31536000',
      '    Content-Security-Policy: ""',
      'basic_auth_users:',
      `  alice: ${HASH}`,
      'rate_limit:',
      '  interval: 100ms',
      '  burst: 20',
    ].join('\n'), FILE);
    expect(config.tls).toMatchObject({
      cert: { file: '/etc/scrapewire/server.crt', field: 'tls_server_config.cert_file', line: 2 },
      key: { file: '/abs/server.key' },
      clientCa: { file: '/etc/scrapewire/ca.crt' },
      clientAuthType: 'RequireAndVerifyClientCert',
      clientAllowedSans: ['client.example'],
      minVersion: 'TLSv1.3',
      maxVersion: 'TLSv1.3',
      ciphers: 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305',
      ecdhCurve: 'X25519:P-256',
      honorCipherOrder: false,
    });
    expect(config.headers).toEqual({ 'X-Frame-Options': 'deny', 'X-Content-Type-Options': 'nosniff', 'Strict-Transport-Security': 'max-age=31536000' });
    expect([...config.basicAuthUsers]).toEqual([['alice', HASH]]);
    expect(config.rateLimit).toEqual({ intervalMs: 100, burst: 20 });
  });

  test('inline PEM instead of files', () => {
    const config = parseWebConfig('tls_server_config:\n  cert: |\n    -----BEGIN CERTIFICATE-----\n  key: k\n', FILE);
    expect(config.tls?.cert.inline).toBe('-----BEGIN CERTIFICATE-----\n');
    expect(config.tls?.key.inline).toBe('k');
  });

  test.each([
    ['frobnicate: 1', `${FILE}:1: field "frobnicate" not found in web config`],
    ['tls_server_config:\n  cert_file: a\n', `${FILE}:1: tls_server_config: missing key_file (or key)`],
    ['tls_server_config:\n  cert_file: a\n  cert: b\n  key_file: k', `${FILE}:3: tls_server_config: cert and cert_file are mutually exclusive: give the certificate once`],
    ['tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: Sometimes',
      `${FILE}:4: tls_server_config.client_auth_type: invalid client auth type "Sometimes" (one of NoClientCert, RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven, RequireAndVerifyClientCert)`],
    ['tls_server_config:\n  cert_file: a\n  key_file: b\n  client_ca_file: ca',
      `${FILE}:4: tls_server_config: a client CA is configured without a client auth policy: set client_auth_type (RequireAndVerifyClientCert to authenticate clients)`],
    ['tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: RequireAndVerifyClientCert',
      `${FILE}:4: tls_server_config.client_auth_type: RequireAndVerifyClientCert needs client_ca_file (or client_ca) to verify client certificates against`],
    ['tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: ca\n  client_allowed_sans: [x]',
      `${FILE}:6: tls_server_config.client_allowed_sans: needs client_auth_type RequireAnyClientCert or RequireAndVerifyClientCert, so that every client sends a certificate`],
    ['tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS14', `${FILE}:4: tls_server_config.min_version: unknown TLS version "TLS14" (TLS10, TLS11, TLS12 or TLS13)`],
    ['tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS13\n  max_version: TLS12', `${FILE}:4: tls_server_config.min_version: is above max_version`],
    ['tls_server_config:\n  cert_file: a\n  key_file: b\n  cipher_suites: [TLS_RC4]', expect.stringMatching(new RegExp(`^${FILE}:4: tls_server_config.cipher_suites\\[0\\]: unknown cipher suite "TLS_RC4" \\(one of TLS_RSA_WITH_AES_128_CBC_SHA, `))],
    ['http_server_config:\n  headers:\n    Server: nginx', expect.stringMatching(new RegExp(`^${FILE}:3: http_server_config.headers.Server: this header cannot be configured`))],
    ['http_server_config:\n  headers:\n    X-Frame-Options: allow', `${FILE}:3: http_server_config.headers.X-Frame-Options: must be "deny" or "sameorigin"`],
    ['http_server_config:\n  http2: maybe', `${FILE}:2: http_server_config.http2: invalid boolean "maybe"`],
    ['basic_auth_users:\n  alice: secret', expect.stringMatching(new RegExp(`^${FILE}:2: basic_auth_users.alice: not a bcrypt hash`))],
    ['basic_auth_users:\n  alice: [a]', `${FILE}:2: basic_auth_users.alice: expected a string, got a sequence`],
    ['rate_limit:\n  interval: 1s\n', `${FILE}:2: rate_limit.burst: must be at least 1 when rate_limit.interval is set`],
    ['rate_limit:\n  interval: fast\n  burst: 1', `${FILE}:2: rate_limit.interval: invalid duration "fast"`],
    ['basic_auth_users:\n  a: 1\n  a: 2', expect.stringMatching(new RegExp(`^${FILE}:3: yaml: `))],
  ])('%j: %s', (text, message) => {
    expect(problems(text)).toContainEqual(message);
  });

  test('every problem is reported, in file order', () => {
    expect(problems('tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: X\nbasic_auth_users:\n  bob: nope\n')).toHaveLength(2);
  });
});

describe('loadWebConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scrapewire-web-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('a missing file names itself', () => {
    expect(() => loadWebConfig(join(dir, 'absent.yml'))).toThrow(`${join(dir, 'absent.yml')}: cannot read web configuration: ENOENT`);
  });

  test('a certificate file that cannot be read names the web config, its line and the field', () => {
    const file = join(dir, 'web.yml');
    writeFileSync(file, 'tls_server_config:\n  cert_file: missing.crt\n  key_file: missing.key\n');
    expect(() => loadWebConfig(file)).toThrow(`${file}:2: tls_server_config.cert_file: cannot read ${join(dir, 'missing.crt')}: ENOENT`);
  });

  test('a file that is not PEM is refused by TLS, naming the field', () => {
    const file = join(dir, 'web2.yml');
    writeFileSync(join(dir, 'junk.pem'), 'not a certificate\n');
    writeFileSync(file, 'tls_server_config:\n  cert_file: junk.pem\n  key_file: junk.pem\n');
    expect(() => loadWebConfig(file)).toThrow(new RegExp(`^${file}:\\d: tls_server_config\\.(cert|key)_file: TLS refuses it: `));
  });
});
