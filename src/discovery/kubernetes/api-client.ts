/**
 * The two requests discovery makes to the Kubernetes API server, in its JSON protocol over
 * undici: a paginated LIST (`?limit=500`, following `metadata.continue`) and a WATCH
 * (`?watch=1&allowWatchBookmarks=true&resourceVersion=<rv>&timeoutSeconds=<t>`), whose chunked
 * body is one JSON event per line: `{"type": "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" |
 * "ERROR", "object": {...}}`.
 *
 * Why not @kubernetes/client-node (measured on this machine, `node --expose-gc` importing it,
 * RSS after a GC minus before, three runs): 0.22.3, the last CommonJS line, adds 39-40 MiB and
 * 0.6-0.8 s of start-up and depends on the deprecated `request`; 1.4.0 is ESM-only (jest's
 * CommonJS runtime cannot load it), adds 68-76 MiB and 1.0-1.3 s and uses node-fetch; 2.0.1
 * requires undici 8 and does not load on Node 20 at all. A node agent that must idle under
 * 45 MB cannot pay that for two HTTP requests; this file is what discovery needs of a client.
 *
 * Credentials and TLS files are re-read when they change (a rotated service-account token is
 * used by the next request). Errors are ScrapewireErrors naming the URL without credentials:
 * ERR_HTTP_STATUS for a status (`status` holds it: 410 means "list again") or a transport
 * failure, ERR_PARSE for a body that is not the JSON it should be.
 */
import { Agent, request, type Dispatcher } from 'undici';
import { discardBody } from '../discard-body';
import { ScrapewireError } from '../../errors';
import { USER_AGENT } from '../../scrape/negotiation';
import { WatchedFile } from '../../scrape/watched-file';
import type { ApiConnection, Pem } from './kubeconfig';

/** One event of a watch stream. */
export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: Record<string, unknown>;
}

export interface ListPage {
  items: unknown[];
  resourceVersion: string;
  continueToken: string;
}

export class KubeApiError extends ScrapewireError {
  constructor(reason: string, readonly status: number, target: string, cause?: unknown) {
    super('ERR_HTTP_STATUS', reason, { target, cause });
  }
}

/** A LIST page holds at most this many objects (client-go's reflector pages by 500). */
export const LIST_PAGE_SIZE = 500;
/** Largest body of a LIST page, and longest line of a watch stream (one object). */
const MAX_BODY_BYTES = 256 << 20;
const MAX_EVENT_BYTES = 16 << 20;
const CONNECT_TIMEOUT_MS = 10_000;
/** A LIST must answer within this long. */
const LIST_TIMEOUT_MS = 60_000;

class PemSource {
  private readonly file?: WatchedFile;
  constructor(private readonly pem: Pem | undefined, field: string) {
    if (pem !== undefined && 'file' in pem) this.file = new WatchedFile(pem.file, field);
  }
  async read(target: string): Promise<Buffer | undefined> {
    if (this.pem === undefined) return undefined;
    if ('data' in this.pem) return this.pem.data;
    return this.file!.read(target);
  }
  get generation(): number {
    return this.file?.generation ?? 0;
  }
}

export class KubeApiClient {
  private readonly ca: PemSource;
  private readonly cert: PemSource;
  private readonly key: PemSource;
  private readonly tokenFile?: WatchedFile;
  private readonly passwordFile?: WatchedFile;
  private agent: Agent | undefined;
  private builtFrom = '';
  private closed = false;
  /** Requests in flight, each with its deadline timer. */
  private readonly inFlight = new Map<AbortController, NodeJS.Timeout>();

  constructor(private readonly connection: ApiConnection) {
    this.ca = new PemSource(connection.tls.ca, 'tls_config.ca_file');
    this.cert = new PemSource(connection.tls.cert, 'tls_config.cert_file');
    this.key = new PemSource(connection.tls.key, 'tls_config.key_file');
    const credentialsFile = connection.authorization?.credentialsFile;
    if (credentialsFile !== undefined) this.tokenFile = new WatchedFile(credentialsFile, 'authorization.credentials_file');
    const passwordFile = connection.basicAuth?.passwordFile;
    if (passwordFile !== undefined) this.passwordFile = new WatchedFile(passwordFile, 'basic_auth.password_file');
  }

  get server(): string {
    return this.connection.server;
  }

  /** The URL of `path` with `query`, without credentials (what errors name). */
  url(path: string, query: Record<string, string | undefined>): string {
    const url = new URL(this.connection.server + path);
    for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== '') url.searchParams.set(name, value);
    return url.href;
  }

  private async dispatcher(target: string): Promise<Dispatcher> {
    if (this.closed) throw new ScrapewireError('ERR_USAGE', 'request after close()', { target });
    const https = this.connection.server.startsWith('https:');
    const [ca, cert, key] = https ? await Promise.all([this.ca.read(target), this.cert.read(target), this.key.read(target)]) : [];
    const generations = `${this.ca.generation}:${this.cert.generation}:${this.key.generation}`;
    if (this.agent !== undefined && generations === this.builtFrom) return this.agent;
    const previous = this.agent;
    // Watches are long-lived requests: one connection each (no pipelining), no cap on their number.
    this.agent = new Agent({
      keepAliveTimeout: 60_000,
      headersTimeout: LIST_TIMEOUT_MS,
      bodyTimeout: 0,
      connect: {
        ca, cert, key,
        servername: this.connection.tls.serverName,
        rejectUnauthorized: !this.connection.tls.insecureSkipVerify,
        timeout: CONNECT_TIMEOUT_MS,
      },
    });
    this.builtFrom = generations;
    previous?.close().catch(() => undefined);
    return this.agent;
  }

  private async headers(target: string): Promise<Record<string, string>> {
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': USER_AGENT };
    const auth = this.connection.authorization;
    if (auth !== undefined) {
      const credentials = this.tokenFile !== undefined ? await this.tokenFile.readTrimmed(target) : (auth.credentials ?? '');
      headers.authorization = `${auth.type} ${credentials}`;
    } else if (this.connection.basicAuth !== undefined) {
      const basic = this.connection.basicAuth;
      const password = this.passwordFile !== undefined ? await this.passwordFile.readTrimmed(target) : (basic.password ?? '');
      headers.authorization = `Basic ${Buffer.from(`${basic.username}:${password}`).toString('base64')}`;
    }
    return headers;
  }

  private async open(url: string, signal: AbortSignal): Promise<Dispatcher.ResponseData> {
    const target = url;
    const [dispatcher, headers] = await Promise.all([this.dispatcher(target), this.headers(target)]);
    let response: Dispatcher.ResponseData;
    try {
      response = await request(url, { method: 'GET', headers, dispatcher, signal });
    } catch (err) {
      if (signal.aborted && signal.reason instanceof ScrapewireError) throw signal.reason;
      const code = (err as { code?: string }).code;
      throw new KubeApiError(`request failed: ${code ?? (err as Error).message}`, 0, target, err);
    }
    if (response.statusCode < 200 || response.statusCode > 299) {
      // The API server explains itself in a Status object; a few hundred bytes of it suffice.
      const text = (await readLimited(response.body, 4096, target).catch(() => Buffer.alloc(0))).toString('utf8');
      let message = text;
      try { message = String((JSON.parse(text) as { message?: unknown }).message ?? text); } catch { /* not JSON */ }
      throw new KubeApiError(`server returned HTTP status ${response.statusCode}${message === '' ? '' : `: ${message.slice(0, 300)}`}`, response.statusCode, target);
    }
    return response;
  }

  /** One LIST page. */
  async list(path: string, query: Record<string, string | undefined>): Promise<ListPage> {
    const url = this.url(path, { ...query, limit: String(LIST_PAGE_SIZE) });
    const controller = this.track(LIST_TIMEOUT_MS, url);
    try {
      const response = await this.open(url, controller.signal);
      const body = await readLimited(response.body, MAX_BODY_BYTES, url);
      let list: { items?: unknown; metadata?: { resourceVersion?: unknown; continue?: unknown } };
      try {
        list = JSON.parse(body.toString('utf8'));
      } catch (err) {
        throw new ScrapewireError('ERR_PARSE', `the list is not JSON: ${(err as Error).message}`, { target: url, cause: err });
      }
      if (list === null || typeof list !== 'object' || !Array.isArray(list.items)) {
        throw new ScrapewireError('ERR_PARSE', 'not a list: no items array', { target: url });
      }
      return {
        items: list.items,
        resourceVersion: typeof list.metadata?.resourceVersion === 'string' ? list.metadata.resourceVersion : '',
        continueToken: typeof list.metadata?.continue === 'string' ? list.metadata.continue : '',
      };
    } finally {
      this.untrack(controller);
    }
  }

  /**
   * A WATCH from `resourceVersion`: yields events as lines arrive, until the server ends the
   * stream (after `timeoutSeconds`) or `signal` aborts. A stream the server has not ended 30 s
   * after `timeoutSeconds` is cut (a connection that died silently).
   */
  async *watch(path: string, query: Record<string, string | undefined>, timeoutSeconds: number, signal: AbortSignal): AsyncGenerator<WatchEvent> {
    const url = this.url(path, { ...query, watch: '1', allowWatchBookmarks: 'true', timeoutSeconds: String(timeoutSeconds) });
    const controller = this.track((timeoutSeconds + 30) * 1000, url);
    const abort = () => controller.abort(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    try {
      const response = await this.open(url, controller.signal);
      let pending = '';
      try {
        for await (const chunk of response.body) {
          pending += (chunk as Buffer).toString('utf8');
          let newline: number;
          while ((newline = pending.indexOf('\n')) !== -1) {
            const line = pending.slice(0, newline).trim();
            pending = pending.slice(newline + 1);
            if (line !== '') yield parseEvent(line, url);
          }
          if (pending.length > MAX_EVENT_BYTES) throw new ScrapewireError('ERR_PARSE', `a watch event is longer than ${MAX_EVENT_BYTES} bytes`, { target: url });
        }
      } catch (err) {
        if (err instanceof ScrapewireError) throw err;
        if (controller.signal.aborted && controller.signal.reason instanceof ScrapewireError) throw controller.signal.reason;
        throw new KubeApiError(`watch broken: ${(err as { code?: string }).code ?? (err as Error).message}`, 0, url, err);
      } finally {
        discardBody(response.body);
      }
      if (pending.trim() !== '') yield parseEvent(pending.trim(), url);
    } finally {
      signal.removeEventListener('abort', abort);
      this.untrack(controller);
    }
  }

  private track(timeoutMs: number, target: string): AbortController {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new KubeApiError(`no answer within ${timeoutMs} ms`, 0, target)), timeoutMs);
    timer.unref();
    this.inFlight.set(controller, timer);
    return controller;
  }

  private untrack(controller: AbortController): void {
    clearTimeout(this.inFlight.get(controller));
    this.inFlight.delete(controller);
  }

  /** Aborts every request and watch, and closes the connections. */
  async close(): Promise<void> {
    this.closed = true;
    for (const controller of this.inFlight.keys()) controller.abort(new ScrapewireError('ERR_USAGE', 'discovery stopped', { target: this.connection.server }));
    const agent = this.agent;
    this.agent = undefined;
    await agent?.destroy().catch(() => undefined);
  }
}

function parseEvent(line: string, target: string): WatchEvent {
  let event: { type?: unknown; object?: unknown };
  try {
    event = JSON.parse(line);
  } catch (err) {
    throw new ScrapewireError('ERR_PARSE', `a watch event is not JSON: ${(err as Error).message}`, { target, cause: err });
  }
  const types = ['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR'];
  if (event === null || typeof event !== 'object' || !types.includes(event.type as string) || event.object === null || typeof event.object !== 'object') {
    throw new ScrapewireError('ERR_PARSE', `not a watch event: ${line.slice(0, 200)}`, { target });
  }
  return event as WatchEvent;
}

async function readLimited(body: Dispatcher.ResponseData['body'], limit: number, target: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      discardBody(body);
      throw new ScrapewireError('ERR_BODY_SIZE_LIMIT', `body larger than ${limit} bytes`, { target });
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
