/**
 * The web server under --web.config.file, over real TLS on loopback with certificates made by
 * openssl: serving HTTPS, certificate rotation without a restart, each client_auth_type (changed
 * in place, which also checks that a new policy applies to the next connection),
 * client_allowed_sans, bcrypt basic auth and user changes, response headers, the rate limit, a
 * broken new version keeping the old one in force, and debug endpoints that need authentication
 * off loopback.
 */
import http from 'node:http';
import https from 'node:https';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import bcrypt from 'bcryptjs';
import { Registry } from 'prom-client';
import { startServer, type RunningServer, type ServerOptions } from '../../src/server';
import { makeTlsFixtures, type Pem, type TlsFixtures } from './tls-fixtures';

interface Answer {
  status?: number;
  headers?: http.IncomingHttpHeaders;
  body?: string;
  /** The server certificate's common name (HTTPS). */
  serverName?: string;
  /** The client-side error when there was no answer. */
  error?: string;
}

interface RequestOptions {
  method?: string;
  client?: Pem;
  ca?: string;
  auth?: string;
}

/** One request on a new connection (no agent), so each sees the configuration of its own handshake. */
function call(url: string, options: RequestOptions = {}): Promise<Answer> {
  return new Promise((resolve) => {
    const target = new URL(url);
    const common = { method: options.method ?? 'GET', agent: false as const, headers: options.auth === undefined ? {} : { authorization: `Basic ${Buffer.from(options.auth).toString('base64')}` } };
    const onResponse = (res: http.IncomingMessage): void => {
      const socket = res.socket as TLSSocket;
      const cn = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate().subject?.CN : undefined;
      const serverName = cn === undefined ? undefined : String(cn);
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body, serverName }));
      res.on('error', (error) => resolve({ error: error.message }));
    };
    const req = target.protocol === 'https:'
      ? https.request(target, { ...common, ca: options.ca, cert: options.client?.cert, key: options.client?.key }, onResponse)
      : http.request(target, common, onResponse);
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    req.setTimeout(10_000, () => req.destroy(new Error('client timeout')));
    req.end();
  });
}

const noTargets = { targets: () => [] };

class Control {
  ready = () => true;
  reload = async () => {};
}

let fixtures: TlsFixtures;
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'scrapewire-webtls-'));
  fixtures = makeTlsFixtures(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function serve(webConfig: string, more: Partial<ServerOptions> = {}): Promise<{ server: RunningServer; file: string; registry: Registry }> {
  const file = join(dir, `web-${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(file, webConfig);
  const registry = new Registry();
  const server = await startServer({ listenAddress: '127.0.0.1:0', registry, targets: noTargets, control: new Control(), enableDebug: false, webConfigFile: file, ...more });
  return { server, file, registry };
}

const tlsSection = (extra: string[] = [], cert = 'server'): string =>
  ['tls_server_config:', `  cert_file: ${cert}.crt`, `  key_file: ${cert}.key`, ...extra.map((line) => `  ${line}`)].join('\n');

describe('TLS', () => {
  let server: RunningServer;
  let file: string;
  let base: string;
  beforeAll(async () => {
    ({ server, file } = await serve(tlsSection()));
    base = `https://127.0.0.1:${server.port}`;
  });
  afterAll(() => server.close());

  test('serves HTTPS with the configured certificate; plain HTTP on that port gets no answer', async () => {
    expect(server.scheme).toBe('https');
    expect(await call(`${base}/-/healthy`, { ca: fixtures.ca.cert })).toMatchObject({ status: 200, serverName: 'server' });
    expect((await call(`http://127.0.0.1:${server.port}/-/healthy`)).status).toBeUndefined();
    // An untrusted client does not get through either way, and the server goes on.
    expect((await call(`${base}/-/healthy`)).error).toBeDefined();
    expect((await call(`${base}/-/healthy`, { ca: fixtures.ca.cert })).status).toBe(200);
  });

  test('a renewed certificate is used from the next connection, without a restart', async () => {
    writeFileSync(join(dir, 'rotating.crt'), fixtures.server.cert);
    writeFileSync(join(dir, 'rotating.key'), fixtures.server.key);
    writeFileSync(file, tlsSection([], 'rotating'));
    expect(await call(`${base}/-/healthy`, { ca: fixtures.ca.cert })).toMatchObject({ status: 200, serverName: 'server' });
    // Certificate and key replaced in place, as a Secret update or cert-manager does.
    writeFileSync(join(dir, 'rotating.key'), fixtures.server2.key);
    writeFileSync(join(dir, 'rotating.crt'), fixtures.server2.cert);
    expect(await call(`${base}/-/healthy`, { ca: fixtures.ca.cert })).toMatchObject({ status: 200, serverName: 'server2' });
  });

  // One server; each case rewrites client_auth_type, so each also checks that a new policy
  // applies to the next connection without a restart.
  const CA = 'client_ca_file: ca.crt';
  const cases: Array<[string, string[], Record<'none' | 'trusted' | 'rogue', boolean>]> = [
    ['NoClientCert', [], { none: true, trusted: true, rogue: true }],
    ['RequestClientCert', [], { none: true, trusted: true, rogue: true }],
    ['RequireAnyClientCert', [], { none: false, trusted: true, rogue: true }],
    ['VerifyClientCertIfGiven', [CA], { none: true, trusted: true, rogue: false }],
    ['RequireAndVerifyClientCert', [CA], { none: false, trusted: true, rogue: false }],
  ];
  test.each(cases)('client_auth_type %s', async (type, extra, admitted) => {
    writeFileSync(file, tlsSection([`client_auth_type: ${type}`, ...extra]));
    const clients = { none: undefined, trusted: fixtures.client, rogue: fixtures.rogueClient };
    const outcome: Record<string, boolean> = {};
    for (const [name, client] of Object.entries(clients)) {
      outcome[name] = (await call(`${base}/-/healthy`, { ca: fixtures.ca.cert, client })).status === 200;
    }
    expect(outcome).toEqual(admitted);
  });

  test('client_allowed_sans admits only certificates with one of those SANs', async () => {
    writeFileSync(file, tlsSection(['client_auth_type: RequireAndVerifyClientCert', 'client_ca_file: ca.crt', 'client_allowed_sans: [client.example]']));
    expect((await call(`${base}/-/healthy`, { ca: fixtures.ca.cert, client: fixtures.client })).status).toBe(200);
    expect((await call(`${base}/-/healthy`, { ca: fixtures.ca.cert, client: fixtures.otherClient })).status).toBeUndefined();
  });

  test('turning TLS off needs a restart: the new file is refused, TLS stays on', async () => {
    writeFileSync(file, tlsSection());
    expect((await call(`${base}/-/healthy`, { ca: fixtures.ca.cert })).status).toBe(200);
    writeFileSync(file, 'basic_auth_users: {}\n');
    expect(await call(`${base}/-/healthy`, { ca: fixtures.ca.cert })).toMatchObject({ status: 200, serverName: 'server' });
  });
});

describe('basic authentication', () => {
  const hash = (password: string): string => bcrypt.hashSync(password, 4);
  let server: RunningServer;
  let file: string;
  let registry: Registry;
  let base: string;
  beforeAll(async () => {
    ({ server, file, registry } = await serve(`basic_auth_users:\n  alice: ${hash('wonderland')}\n`));
    base = `http://127.0.0.1:${server.port}`;
  });
  afterAll(() => server.close());

  test('every path needs a known user with the right password', async () => {
    for (const path of ['/-/healthy', '/metrics', '/nope']) {
      const anonymous = await call(`${base}${path}`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers?.['www-authenticate']).toBe('Basic');
    }
    expect((await call(`${base}/-/healthy`, { auth: 'alice:wrong' })).status).toBe(401);
    expect((await call(`${base}/-/healthy`, { auth: 'mallory:wonderland' })).status).toBe(401);
    expect((await call(`${base}/-/healthy`, { auth: 'alice' })).status).toBe(401);
    expect((await call(`${base}/-/healthy`, { auth: 'alice:wonderland' })).status).toBe(200);
    // Cached: the same credentials again.
    expect((await call(`${base}/-/healthy`, { auth: 'alice:wonderland' })).status).toBe(200);
    expect((await call(`${base}/nope`, { auth: 'alice:wonderland' })).status).toBe(404);
  });

  test('a changed user list applies to the next request; a broken file keeps the previous one', async () => {
    writeFileSync(file, `basic_auth_users:\n  bob: ${hash('builder')}\n`);
    expect((await call(`${base}/-/healthy`, { auth: 'alice:wonderland' })).status).toBe(401);
    expect((await call(`${base}/-/healthy`, { auth: 'bob:builder' })).status).toBe(200);

    writeFileSync(file, 'basic_auth_users:\n  bob: [not, a, hash\n');
    expect((await call(`${base}/-/healthy`, { auth: 'bob:builder' })).status).toBe(200);
    expect((await call(`${base}/-/healthy`)).status).toBe(401);
    expect(await registry.getSingleMetricAsString('scrapewire_web_config_last_reload_successful')).toMatch(/ 0$/m);

    writeFileSync(file, `basic_auth_users:\n  carol: ${hash('x')}\n`);
    expect((await call(`${base}/-/healthy`, { auth: 'carol:x' })).status).toBe(200);
    expect(await registry.getSingleMetricAsString('scrapewire_web_config_last_reload_successful')).toMatch(/ 1$/m);
  });
});

describe('headers and rate limit', () => {
  test('http_server_config.headers are on every answer, errors included', async () => {
    const { server } = await serve('http_server_config:\n  headers:\n    X-Frame-Options: deny\n    Content-Security-Policy: "default-src \'none\'"\n');
    try {
      for (const path of ['/-/healthy', '/nope']) {
        const answer = await call(`http://127.0.0.1:${server.port}${path}`);
        expect(answer.headers?.['x-frame-options']).toBe('deny');
        expect(answer.headers?.['content-security-policy']).toBe("default-src 'none'");
      }
    } finally {
      await server.close();
    }
  });

  test('rate_limit refuses requests beyond the burst with 429', async () => {
    const { server } = await serve('rate_limit:\n  interval: 1h\n  burst: 2\n');
    try {
      const statuses: Array<number | undefined> = [];
      for (let i = 0; i < 4; i++) statuses.push((await call(`http://127.0.0.1:${server.port}/-/healthy`)).status);
      expect(statuses).toEqual([200, 200, 429, 429]);
    } finally {
      await server.close();
    }
  });
});

describe('debug endpoints off loopback', () => {
  // The server listens on every interface (so it is not loopback-only); the test still talks to 127.0.0.1.
  const everywhere = { listenAddress: '0.0.0.0:0', enableDebug: true };

  test('without authentication in the web config the server refuses to start', async () => {
    await expect(serve('http_server_config:\n  headers:\n    X-Frame-Options: deny\n', everywhere)).rejects.toMatchObject({
      code: 'ERR_USAGE',
      message: expect.stringContaining('--web.enable-debug on 0.0.0.0:0, which is not a loopback address, needs authentication'),
    });
    await expect(startServer({ listenAddress: '0.0.0.0:0', registry: new Registry(), targets: noTargets, control: new Control(), enableDebug: true }))
      .rejects.toMatchObject({ code: 'ERR_USAGE' });
  });

  test('with basic auth they need credentials; if a reload removes the users, they answer 403', async () => {
    const { server, file } = await serve(`basic_auth_users:\n  ops: ${bcrypt.hashSync('pw', 4)}\n`, everywhere);
    const url = `http://127.0.0.1:${server.port}/debug/profile?seconds=0`;
    try {
      expect((await call(url)).status).toBe(401);
      // 400 for seconds=0: the request reached the handler.
      expect((await call(url, { auth: 'ops:pw' })).status).toBe(400);
      writeFileSync(file, 'basic_auth_users: {}\n');
      const refused = await call(url);
      expect(refused.status).toBe(403);
      expect(refused.body).toContain('debug endpoints need an authenticated request');
      expect((await call(`http://127.0.0.1:${server.port}/-/healthy`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  test('with RequireAndVerifyClientCert a verified client reaches them', async () => {
    const { server } = await serve(tlsSection(['client_auth_type: RequireAndVerifyClientCert', 'client_ca_file: ca.crt']), everywhere);
    try {
      const url = `https://127.0.0.1:${server.port}/debug/profile?seconds=0`;
      expect((await call(url, { ca: fixtures.ca.cert, client: fixtures.client })).status).toBe(400);
      expect((await call(url, { ca: fixtures.ca.cert })).status).toBeUndefined();
    } finally {
      await server.close();
    }
  });

  test('on loopback they need no authentication', async () => {
    const { server } = await serve('', { enableDebug: true });
    try {
      expect((await call(`http://127.0.0.1:${server.port}/debug/profile?seconds=0`)).status).toBe(400);
    } finally {
      await server.close();
    }
  });
});
