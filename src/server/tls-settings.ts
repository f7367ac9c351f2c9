/**
 * tls_server_config turned into what node:tls needs: the secure context options (certificate,
 * key, client CA, versions, ciphers) read from their files now, and the client certificate
 * policy a connection must pass once its handshake is done.
 *
 * Go's client auth types map onto OpenSSL's two switches (ask for a certificate; refuse the
 * handshake when it does not verify) plus checks after the handshake:
 *
 * | client_auth_type           | requestCert | rejectUnauthorized | after the handshake                 |
 * |----------------------------|-------------|--------------------|-------------------------------------|
 * | NoClientCert               | no          | no                 |                                     |
 * | RequestClientCert          | yes         | no                 |                                     |
 * | RequireAnyClientCert       | yes         | no                 | a certificate was sent              |
 * | VerifyClientCertIfGiven    | yes         | no                 | none sent, or it verified           |
 * | RequireAndVerifyClientCert | yes         | yes                | (OpenSSL refused the rest)          |
 *
 * client_allowed_sans is checked after the handshake too, against the certificate's SANs.
 */
import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContextOptions, type TLSSocket } from 'node:tls';
import { ConfigError } from '../config/errors';
import type { PemSource, TlsServerConfig } from './web-config';

export interface TlsSettings {
  contextOptions: SecureContextOptions;
  requestCert: boolean;
  rejectUnauthorized: boolean;
  config: TlsServerConfig;
}

function readPem(source: PemSource, configFile: string): string {
  if (source.inline !== undefined) return source.inline;
  try {
    return readFileSync(source.file!, 'utf8');
  } catch (err) {
    throw new ConfigError([{ file: configFile, line: source.line, message: `${source.field}: cannot read ${source.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` }], { cause: err });
  }
}

/**
 * Reads the certificate, key and CA and checks that OpenSSL accepts them together (a key that
 * does not match its certificate, a file that is not PEM); throws ConfigError naming the field.
 */
export function buildTlsSettings(config: TlsServerConfig, configFile: string): TlsSettings {
  const cert = readPem(config.cert, configFile);
  const key = readPem(config.key, configFile);
  const ca = config.clientCa === undefined ? undefined : readPem(config.clientCa, configFile);
  const contextOptions: SecureContextOptions = {
    cert,
    key,
    ca,
    minVersion: config.minVersion,
    maxVersion: config.maxVersion,
    honorCipherOrder: config.honorCipherOrder,
    ...(config.ciphers === undefined ? {} : { ciphers: config.ciphers }),
    ...(config.ecdhCurve === undefined ? {} : { ecdhCurve: config.ecdhCurve }),
  };
  try {
    createSecureContext(contextOptions);
  } catch (err) {
    const message = (err as Error).message;
    // OpenSSL names the part it choked on only through its error text.
    const source = /ca|certificate verify|x509.*lookup/i.test(message) && config.clientCa !== undefined ? config.clientCa
      : /key|private/i.test(message) ? config.key
        : config.cert;
    throw new ConfigError([{ file: configFile, line: source.line, message: `${source.field}: TLS refuses it: ${message}` }], { cause: err });
  }
  const requestCert = config.clientAuthType !== 'NoClientCert';
  return { contextOptions, requestCert, rejectUnauthorized: config.clientAuthType === 'RequireAndVerifyClientCert', config };
}

/** The SANs of a peer certificate's subjectaltname text (`DNS:a, IP Address:1.2.3.4, URI:"x,y"`), values only. */
export function subjectAltNames(text: string | undefined): string[] {
  if (text === undefined || text === '') return [];
  const names: string[] = [];
  const entry = /(?:^|, )(?:DNS|IP Address|email|URI):("(?:[^"\\]|\\.)*"|[^,]*)/g;
  for (let match = entry.exec(text); match !== null; match = entry.exec(text)) {
    const raw = match[1];
    try {
      names.push(raw.startsWith('"') ? (JSON.parse(raw) as string) : raw);
    } catch {
      names.push(raw);
    }
  }
  return names;
}

/**
 * Why a connection whose handshake completed must still be refused under `config`'s policy, or
 * undefined when it may go on.
 */
export function clientCertificateProblem(socket: TLSSocket, config: TlsServerConfig): string | undefined {
  if (config.clientAuthType === 'NoClientCert' || config.clientAuthType === 'RequestClientCert') return undefined;
  const certificate = socket.getPeerCertificate();
  const sent = certificate !== null && Object.keys(certificate).length > 0;
  switch (config.clientAuthType) {
    case 'RequireAnyClientCert':
      if (!sent) return 'no client certificate';
      break;
    case 'VerifyClientCertIfGiven':
      if (sent && !socket.authorized) return `client certificate not verified: ${String(socket.authorizationError)}`;
      break;
    case 'RequireAndVerifyClientCert':
      if (!sent) return 'no client certificate';
      if (!socket.authorized) return `client certificate not verified: ${String(socket.authorizationError)}`;
      break;
  }
  if (config.clientAllowedSans.length > 0) {
    const names = subjectAltNames(certificate.subjectaltname);
    if (!names.some((name) => config.clientAllowedSans.includes(name))) return 'client certificate has none of client_allowed_sans';
  }
  return undefined;
}

/** True when the connection presented a client certificate that verified against the client CA. */
export function hasVerifiedClientCertificate(socket: TLSSocket): boolean {
  if (!socket.authorized) return false;
  const certificate = socket.getPeerCertificate();
  return certificate !== null && Object.keys(certificate).length > 0;
}
