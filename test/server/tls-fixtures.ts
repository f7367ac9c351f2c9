/**
 * Certificates made with the openssl command for the web config tests: a CA, server certificates
 * for 127.0.0.1 signed by it, client certificates signed by it (with a SAN each), and a client
 * certificate from another CA nobody trusts. EC P-256 keys, valid for two days.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Pem {
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
}

export interface TlsFixtures {
  dir: string;
  ca: Pem;
  /** Two server certificates for 127.0.0.1 with different common names (rotation). */
  server: Pem;
  server2: Pem;
  /** Signed by `ca`, SAN DNS:client.example. */
  client: Pem;
  /** Signed by `ca`, SAN DNS:other.example. */
  otherClient: Pem;
  /** Self-signed by another CA. */
  rogueClient: Pem;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function pem(dir: string, name: string): Pem {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), certFile, keyFile };
}

const KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function selfSignedCa(dir: string, name: string): Pem {
  openssl(dir, ['req', '-x509', ...KEY, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  return pem(dir, name);
}

function signed(dir: string, ca: string, name: string, extensions: string[]): Pem {
  openssl(dir, ['req', ...KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
  writeFileSync(join(dir, `${name}.ext`), `${extensions.join('\n')}\n`);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial',
    '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`]);
  return pem(dir, name);
}

/** Makes every certificate in `dir` (an empty directory). */
export function makeTlsFixtures(dir: string): TlsFixtures {
  const ca = selfSignedCa(dir, 'ca');
  const serverExt = ['subjectAltName=IP:127.0.0.1,DNS:localhost', 'extendedKeyUsage=serverAuth'];
  const server = signed(dir, 'ca', 'server', serverExt);
  const server2 = signed(dir, 'ca', 'server2', serverExt);
  const client = signed(dir, 'ca', 'client', ['subjectAltName=DNS:client.example', 'extendedKeyUsage=clientAuth']);
  const otherClient = signed(dir, 'ca', 'other-client', ['subjectAltName=DNS:other.example', 'extendedKeyUsage=clientAuth']);
  selfSignedCa(dir, 'rogue-ca');
  const rogueClient = signed(dir, 'rogue-ca', 'rogue-client', ['subjectAltName=DNS:client.example', 'extendedKeyUsage=clientAuth']);
  return { dir, ca, server, server2, client, otherClient, rogueClient };
}
