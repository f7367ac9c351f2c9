/**
 * Where and how to reach the Kubernetes API server, from the three places Prometheus takes it:
 *
 * - `api_server` with the job's HTTP client settings (authorization, basic_auth, tls_config);
 * - in-cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT, the pod's service-account
 *   token (re-read when the kubelet rotates it) and CA, as client-go's rest.InClusterConfig;
 * - `kubeconfig_file`: the current context's cluster (server, certificate-authority[-data],
 *   insecure-skip-tls-verify, tls-server-name) and user (token, tokenFile,
 *   client-certificate[-data] / client-key[-data], username/password). Exec and auth-provider
 *   plugins run programs or talk to cloud services, which a node agent will not do: refused with
 *   a message saying so.
 */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { HttpClientConfig, KubernetesSdConfig } from '../../config/types';
import { ScrapewireError } from '../../errors';

/** A TLS file or inline PEM (kubeconfig's *-data fields). */
export type Pem = { file: string } | { data: Buffer };

export interface ApiConnection {
  /** The API server's base URL, without a trailing slash. */
  server: string;
  authorization?: { type: string; credentials?: string; credentialsFile?: string };
  basicAuth?: { username: string; password?: string; passwordFile?: string };
  tls: { ca?: Pem; cert?: Pem; key?: Pem; serverName?: string; insecureSkipVerify: boolean };
  /** The pod's own namespace (in-cluster only), for namespaces.own_namespace. */
  ownNamespace?: string;
}

function configError(reason: string, cause?: unknown): ScrapewireError {
  return new ScrapewireError('ERR_CONFIG', reason, { cause });
}

function fromHttpClient(server: string, client: HttpClientConfig): ApiConnection {
  const connection: ApiConnection = { server: server.replace(/\/+$/, ''), tls: { insecureSkipVerify: client.tls_config.insecure_skip_verify } };
  const tls = client.tls_config;
  if (tls.ca_file !== undefined) connection.tls.ca = { file: tls.ca_file };
  if (tls.cert_file !== undefined) connection.tls.cert = { file: tls.cert_file };
  if (tls.key_file !== undefined) connection.tls.key = { file: tls.key_file };
  if (tls.server_name !== undefined) connection.tls.serverName = tls.server_name;
  if (client.authorization !== undefined) {
    connection.authorization = { type: client.authorization.type, credentials: client.authorization.credentials, credentialsFile: client.authorization.credentials_file };
  }
  if (client.basic_auth !== undefined) {
    connection.basicAuth = { username: client.basic_auth.username, password: client.basic_auth.password, passwordFile: client.basic_auth.password_file };
  }
  return connection;
}

async function inCluster(env: Record<string, string | undefined>, serviceAccountDir: string, wantNamespace: boolean): Promise<ApiConnection> {
  const host = env.KUBERNETES_SERVICE_HOST ?? '';
  const port = env.KUBERNETES_SERVICE_PORT ?? '';
  if (host === '' || port === '') {
    throw configError('unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined (or set api_server or kubeconfig_file)');
  }
  const hostPart = host.includes(':') ? `[${host}]` : host;
  const connection: ApiConnection = {
    server: `https://${hostPart}:${port}`,
    authorization: { type: 'Bearer', credentialsFile: path.join(serviceAccountDir, 'token') },
    tls: { ca: { file: path.join(serviceAccountDir, 'ca.crt') }, insecureSkipVerify: false },
  };
  if (wantNamespace) {
    let namespace: string;
    try {
      namespace = (await readFile(path.join(serviceAccountDir, 'namespace'), 'utf8')).trim();
    } catch (err) {
      throw configError(`could not determine the pod's namespace: ${(err as NodeJS.ErrnoException).code ?? 'read failed'}`, err);
    }
    if (namespace === '') throw configError('could not read own namespace name (empty file)');
    connection.ownNamespace = namespace;
  }
  return connection;
}

interface NamedEntry<T> { name?: string; [key: string]: unknown; value?: T }

function named<T>(entries: unknown, key: string, name: string, what: string, file: string): T {
  const found = Array.isArray(entries) ? (entries as NamedEntry<T>[]).find((entry) => entry?.name === name) : undefined;
  const value = found?.[key] as T | undefined;
  if (value === undefined || value === null || typeof value !== 'object') {
    throw configError(`kubeconfig ${file}: no ${what} named ${JSON.stringify(name)}`);
  }
  return value;
}

function pem(data: unknown, file: unknown, baseDir: string, field: string, source: string): Pem | undefined {
  if (typeof data === 'string' && data !== '') {
    try {
      return { data: Buffer.from(data, 'base64') };
    } catch (err) {
      throw configError(`kubeconfig ${source}: ${field}-data is not base64`, err);
    }
  }
  if (typeof file === 'string' && file !== '') return { file: path.isAbsolute(file) ? file : path.join(baseDir, file) };
  return undefined;
}

/** Reads a kubeconfig's current context (relative file paths are relative to the kubeconfig). */
export async function fromKubeconfig(file: string): Promise<ApiConnection> {
  let document: Record<string, unknown>;
  try {
    document = parseYaml(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw configError(`cannot read kubeconfig ${file}: ${reason}`, err);
  }
  if (document === null || typeof document !== 'object') throw configError(`kubeconfig ${file}: not a mapping`);
  const contextName = document['current-context'];
  if (typeof contextName !== 'string' || contextName === '') throw configError(`kubeconfig ${file}: no current-context`);
  const context = named<Record<string, unknown>>(document.contexts, 'context', contextName, 'context', file);
  const cluster = named<Record<string, unknown>>(document.clusters, 'cluster', String(context.cluster ?? ''), 'cluster', file);
  const user = context.user === undefined ? {} : named<Record<string, unknown>>(document.users, 'user', String(context.user), 'user', file);
  const baseDir = path.dirname(file);

  const server = cluster.server;
  if (typeof server !== 'string' || !/^https?:\/\//.test(server)) throw configError(`kubeconfig ${file}: cluster ${JSON.stringify(context.cluster)} has no http(s) server`);
  if (user.exec !== undefined || user['auth-provider'] !== undefined) {
    throw configError(`kubeconfig ${file}: user ${JSON.stringify(context.user)} uses an exec or auth-provider plugin, which scrapewire does not run; use a token, tokenFile or client certificate`);
  }
  const connection: ApiConnection = {
    server: server.replace(/\/+$/, ''),
    tls: {
      ca: pem(cluster['certificate-authority-data'], cluster['certificate-authority'], baseDir, 'certificate-authority', file),
      cert: pem(user['client-certificate-data'], user['client-certificate'], baseDir, 'client-certificate', file),
      key: pem(user['client-key-data'], user['client-key'], baseDir, 'client-key', file),
      insecureSkipVerify: cluster['insecure-skip-tls-verify'] === true,
    },
  };
  if (typeof cluster['tls-server-name'] === 'string') connection.tls.serverName = cluster['tls-server-name'];
  if (typeof user.token === 'string' && user.token !== '') connection.authorization = { type: 'Bearer', credentials: user.token };
  else if (typeof user.tokenFile === 'string' && user.tokenFile !== '') {
    connection.authorization = { type: 'Bearer', credentialsFile: path.isAbsolute(user.tokenFile) ? user.tokenFile : path.join(baseDir, user.tokenFile) };
  } else if (typeof user.username === 'string') {
    connection.basicAuth = { username: user.username, password: typeof user.password === 'string' ? user.password : '' };
  }
  if ((connection.tls.cert === undefined) !== (connection.tls.key === undefined)) {
    throw configError(`kubeconfig ${file}: user ${JSON.stringify(context.user)} has a client certificate without a key, or a key without a certificate`);
  }
  return connection;
}

/** The connection a kubernetes_sd_config describes (reads the kubeconfig or the namespace file). */
export async function apiConnection(config: KubernetesSdConfig, env: Record<string, string | undefined>, serviceAccountDir: string): Promise<ApiConnection> {
  if (config.kubeconfig_file !== undefined) return fromKubeconfig(config.kubeconfig_file);
  if (config.api_server !== undefined) return fromHttpClient(config.api_server, config);
  return inCluster(env, serviceAccountDir, config.namespaces.own_namespace);
}
