/**
 * TLS files (ca_file, cert_file, key_file) re-read when they change, as the auth files are, so a
 * rotated certificate is picked up by the next scrape of the same scraper, without a restart.
 * Both ways a file gets rotated in practice: Kubernetes swaps a `..data` symlink over a new
 * directory (secrets and projected volumes), cert-manager-style tools rewrite the file in place.
 * Real HTTPS servers on loopback; the PKI is made with openssl in the test.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ScrapewireError } from '../../src/errors';
import { HttpScraper } from '../../src/scrape/http-scraper';
import { createTestPki, type TestPki } from './support/certificates';
import { startHttpsServer, type LoopbackServer } from './support/loopback-server';

const SAMPLE = 'rotated_ok 1\n';

function answer(_req: unknown, res: import('node:http').ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
  res.end(SAMPLE);
}

/** A client certificate signed by other-ca (which the mTLS server does not trust). */
function untrustedClientCert(pki: TestPki): { cert: string; key: string } {
  const run = (args: string[]): void => {
    execFileSync('/usr/bin/openssl', args, { cwd: pki.dir, stdio: ['ignore', 'ignore', 'pipe'] });
  };
  writeFileSync(join(pki.dir, 'stranger.ext'), 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n');
  run(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'stranger.key', '-out', 'stranger.csr', '-subj', '/CN=stranger']);
  run(['x509', '-req', '-in', 'stranger.csr', '-CA', 'other-ca.crt', '-CAkey', 'other-ca.key', '-CAcreateserial', '-out', 'stranger.crt', '-days', '2', '-extfile', 'stranger.ext']);
  return { cert: join(pki.dir, 'stranger.crt'), key: join(pki.dir, 'stranger.key') };
}

async function scrapeBody(s: HttpScraper): Promise<string> {
  const res = await s.scrape();
  const chunks: Uint8Array[] = [];
  for await (const chunk of res.body) chunks.push(chunk);
  return Buffer.concat(chunks).toString();
}

async function scrapeError(s: HttpScraper): Promise<ScrapewireError> {
  try {
    (await s.scrape()).discard();
  } catch (err) {
    expect(err).toBeInstanceOf(ScrapewireError);
    return err as ScrapewireError;
  }
  throw new Error('the scrape did not fail');
}

/**
 * A directory laid out like a Kubernetes secret volume: `<name>` -> `..data/<name>`, `..data` ->
 * a timestamped directory; rotate() writes a new directory and renames a new symlink over `..data`.
 */
class SecretVolume {
  private version = 0;
  constructor(readonly dir: string, files: Record<string, Buffer>) {
    mkdirSync(dir);
    this.rotate(files);
    for (const name of Object.keys(files)) symlinkSync(join('..data', name), join(dir, name));
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  rotate(files: Record<string, Buffer>): void {
    const version = `..v${++this.version}`;
    mkdirSync(join(this.dir, version));
    for (const [name, contents] of Object.entries(files)) writeFileSync(join(this.dir, version, name), contents);
    symlinkSync(version, join(this.dir, '..data_tmp'));
    renameSync(join(this.dir, '..data_tmp'), join(this.dir, '..data'));
  }
}

describe('rotated TLS files are used by the next scrape', () => {
  let pki: TestPki;
  let server: LoopbackServer;
  let mtls: LoopbackServer;
  const scrapers: HttpScraper[] = [];
  const scraper = (options: ConstructorParameters<typeof HttpScraper>[0]): HttpScraper => {
    const s = new HttpScraper(options);
    scrapers.push(s);
    return s;
  };

  beforeAll(async () => {
    pki = createTestPki();
    const cert = { cert: pki.read(pki.serverCertFile), key: pki.read(pki.serverKeyFile) };
    server = await startHttpsServer(cert, answer);
    mtls = await startHttpsServer({ ...cert, ca: pki.read(pki.caFile), requestCert: true, rejectUnauthorized: true }, answer);
  });

  afterAll(async () => {
    await Promise.all(scrapers.map((s) => s.close()));
    await server.close();
    await mtls.close();
    pki.remove();
  });

  it('ca_file behind a swapped ..data symlink (a Kubernetes secret volume)', async () => {
    const volume = new SecretVolume(join(pki.dir, 'ca-volume'), { 'ca.crt': pki.read(pki.otherCaFile) });
    const s = scraper({ url: `${server.origin}/metrics`, scrapeTimeoutMs: 5000, tls: { caFile: volume.path('ca.crt') } });
    const err = await scrapeError(s);
    expect((err.cause as NodeJS.ErrnoException).code).toMatch(/SELF_SIGNED|UNABLE_TO_(GET_ISSUER|VERIFY)/);
    volume.rotate({ 'ca.crt': pki.read(pki.caFile) });
    expect(await scrapeBody(s)).toBe(SAMPLE);
    expect(await scrapeBody(s)).toBe(SAMPLE);
  });

  it('client cert_file and key_file swapped together: the new certificate is presented', async () => {
    const stranger = untrustedClientCert(pki);
    const volume = new SecretVolume(join(pki.dir, 'client-volume'), {
      'tls.crt': pki.read(stranger.cert),
      'tls.key': pki.read(stranger.key),
    });
    const s = scraper({
      url: `${mtls.origin}/metrics`,
      scrapeTimeoutMs: 5000,
      tls: { caFile: pki.caFile, certFile: volume.path('tls.crt'), keyFile: volume.path('tls.key') },
    });
    const before = mtls.requests.length;
    const err = await scrapeError(s);
    expect(err.code).toBe('ERR_HTTP_STATUS');
    expect(mtls.requests).toHaveLength(before); // refused in the handshake

    volume.rotate({ 'tls.crt': pki.read(pki.clientCertFile), 'tls.key': pki.read(pki.clientKeyFile) });
    expect(await scrapeBody(s)).toBe(SAMPLE);
    expect(mtls.requests.at(-1)?.clientCertCn).toBe('scrapewire-client');
  });

  it('cert_file and key_file rewritten in place, one after the other', async () => {
    const stranger = untrustedClientCert(pki);
    const certFile = join(pki.dir, 'inplace.crt');
    const keyFile = join(pki.dir, 'inplace.key');
    writeFileSync(certFile, pki.read(pki.clientCertFile));
    writeFileSync(keyFile, pki.read(pki.clientKeyFile));
    const s = scraper({ url: `${mtls.origin}/metrics`, scrapeTimeoutMs: 5000, tls: { caFile: pki.caFile, certFile, keyFile } });
    expect(await scrapeBody(s)).toBe(SAMPLE);

    // Rotated to a certificate the server refuses: the change is seen (the scrape now fails)...
    writeFileSync(certFile, pki.read(stranger.cert));
    writeFileSync(keyFile, pki.read(stranger.key));
    await scrapeError(s);
    // ...and back to a good one: seen again, without building a new scraper.
    writeFileSync(certFile, pki.read(pki.clientCertFile));
    writeFileSync(keyFile, pki.read(pki.clientKeyFile));
    expect(await scrapeBody(s)).toBe(SAMPLE);
  });

  it('a TLS file that disappears fails the scrape naming the setting and path, and comes back', async () => {
    const volume = new SecretVolume(join(pki.dir, 'gone-volume'), { 'ca.crt': pki.read(pki.caFile) });
    const s = scraper({ url: `${server.origin}/metrics`, scrapeTimeoutMs: 5000, tls: { caFile: volume.path('ca.crt') } });
    expect(await scrapeBody(s)).toBe(SAMPLE);
    volume.rotate({ 'other.crt': pki.read(pki.caFile) }); // ..data no longer holds ca.crt
    const err = await scrapeError(s);
    expect(err.code).toBe('ERR_CONFIG');
    expect(err.detail).toBe(`unable to read tls.caFile ${JSON.stringify(volume.path('ca.crt'))}: ENOENT`);
    volume.rotate({ 'ca.crt': pki.read(pki.caFile) });
    expect(await scrapeBody(s)).toBe(SAMPLE);
  });
});
