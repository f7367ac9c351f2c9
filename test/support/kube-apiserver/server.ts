/**
 * A Kubernetes API server stand-in on 127.0.0.1 that speaks the real JSON protocol over HTTP or
 * HTTPS, for discovery tests (no real API server runs here):
 *
 * - LIST `/api/v1/{pods,nodes,services,endpoints,namespaces}`, `/apis/discovery.k8s.io/v1/
 *   endpointslices`, `/apis/networking.k8s.io/v1/ingresses`, cluster-wide or under
 *   `/namespaces/<ns>/`, with `labelSelector`, `fieldSelector` (unknown fields are a 400),
 *   `limit` and `continue` (a continue token from before a compaction is a 410);
 *   `metadata.resourceVersion` is the store's current version.
 * - WATCH (`?watch=1`): a chunked stream of JSON lines `{"type", "object"}`: first the events
 *   after the given resourceVersion (or, without one, ADDED for every current object), then live
 *   events; an object that starts or stops matching the selectors is ADDED or DELETED, as the
 *   API server does. A resourceVersion older than the last compaction gets an ERROR event with
 *   a Status of code 410 and the stream ends. `allowWatchBookmarks=true` streams get BOOKMARK
 *   events (on `bookmark()`); `timeoutSeconds` ends the stream.
 * - With `token`, any request without `Authorization: Bearer <token>` is a 401 Status.
 *
 * One resourceVersion counter for the whole store, as etcd's revision. Every request is recorded.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Json } from './objects';
import { parseFieldSelector, parseLabelSelector } from './selectors';

export type Resource = 'pods' | 'nodes' | 'services' | 'endpoints' | 'namespaces' | 'endpointslices' | 'ingresses';

const LIST_KIND: Record<Resource, [string, string]> = {
  pods: ['PodList', 'v1'], nodes: ['NodeList', 'v1'], services: ['ServiceList', 'v1'], endpoints: ['EndpointsList', 'v1'],
  namespaces: ['NamespaceList', 'v1'], endpointslices: ['EndpointSliceList', 'discovery.k8s.io/v1'], ingresses: ['IngressList', 'networking.k8s.io/v1'],
};
const KIND_RESOURCE: Record<string, Resource> = {
  Pod: 'pods', Node: 'nodes', Service: 'services', Endpoints: 'endpoints', Namespace: 'namespaces', EndpointSlice: 'endpointslices', Ingress: 'ingresses',
};
const CLUSTER_SCOPED: Resource[] = ['nodes', 'namespaces'];

interface StoredEvent {
  rv: number;
  resource: Resource;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  old?: Json;
  object: Json;
}

interface Watch {
  resource: Resource;
  namespace: string;
  matches(object: Json): boolean;
  bookmarks: boolean;
  res: ServerResponse;
}

export interface SeenApiRequest {
  path: string;
  query: Record<string, string>;
  authorization?: string;
}

function meta(object: Json): Json {
  return object.metadata as Json;
}

function status(code: number, reason: string, message: string): Json {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

export class KubeApiStandIn {
  origin = '';
  readonly requests: SeenApiRequest[] = [];
  private server!: http.Server | https.Server;
  private readonly store = new Map<string, Json>();
  private readonly history: StoredEvent[] = [];
  private readonly watches = new Set<Watch>();
  private revision = 100;
  private compactedAt = 0;
  /** Answer every request with this status (a broken API server); undefined: serve normally. */
  failWith: number | undefined;
  /** Answer the next `times` requests whose path matches with HTTP `code` (a flaky API server). */
  private readonly failures: Array<{ path: RegExp; times: number; code: number }> = [];

  failNext(path: RegExp, times: number, code = 500): void {
    this.failures.push({ path, times, code });
  }

  static async start(options: { tls?: https.ServerOptions; token?: string } = {}): Promise<KubeApiStandIn> {
    const standIn = new KubeApiStandIn(options.token);
    const handler = (req: IncomingMessage, res: ServerResponse) => standIn.handle(req, res);
    standIn.server = options.tls === undefined ? http.createServer(handler) : https.createServer(options.tls, handler);
    await new Promise<void>((resolve) => standIn.server.listen(0, '127.0.0.1', resolve));
    const { port } = standIn.server.address() as AddressInfo;
    standIn.origin = `${options.tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`;
    return standIn;
  }

  /** The bearer token accepted (undefined: any request); tests rotate it. */
  token: string | undefined;

  private constructor(token?: string) {
    this.token = token;
  }

  get resourceVersion(): number {
    return this.revision;
  }

  private key(resource: Resource, namespace: string, name: string): string {
    return `${resource}/${namespace}/${name}`;
  }

  private keyOf(object: Json): [Resource, string] {
    const resource = KIND_RESOURCE[String(object.kind)];
    if (resource === undefined) throw new Error(`unknown kind ${String(object.kind)}`);
    const namespace = CLUSTER_SCOPED.includes(resource) ? '' : String(meta(object).namespace ?? 'default');
    return [resource, this.key(resource, namespace, String(meta(object).name))];
  }

  /** Creates or replaces objects (ADDED or MODIFIED), each at a new resourceVersion. */
  apply(...objects: Json[]): void {
    for (const input of objects) {
      const object = structuredClone(input);
      const [resource, key] = this.keyOf(object);
      this.revision++;
      meta(object).resourceVersion = String(this.revision);
      const old = this.store.get(key);
      this.store.set(key, object);
      this.record({ rv: this.revision, resource, type: old === undefined ? 'ADDED' : 'MODIFIED', old, object });
    }
  }

  /** Deletes objects (by kind, namespace and name); unknown ones are ignored. */
  delete(...objects: Json[]): void {
    for (const input of objects) {
      const [resource, key] = this.keyOf(input);
      const old = this.store.get(key);
      if (old === undefined) continue;
      this.store.delete(key);
      this.revision++;
      const object = structuredClone(old);
      meta(object).resourceVersion = String(this.revision);
      this.record({ rv: this.revision, resource, type: 'DELETED', old, object });
    }
  }

  get(kind: string, namespace: string, name: string): Json | undefined {
    const resource = KIND_RESOURCE[kind];
    return this.store.get(this.key(resource, CLUSTER_SCOPED.includes(resource) ? '' : namespace, name));
  }

  /** Forgets the history: watches from an older resourceVersion now get 410 Gone. */
  compact(): void {
    this.compactedAt = this.revision;
    this.history.length = 0;
  }

  /** Sends a BOOKMARK at the current resourceVersion to every watch that allows them. */
  bookmark(): void {
    for (const watch of this.watches) {
      if (!watch.bookmarks) continue;
      const [kind, apiVersion] = LIST_KIND[watch.resource];
      this.send(watch, { type: 'BOOKMARK', object: { kind: kind.replace(/List$/, ''), apiVersion, metadata: { resourceVersion: String(this.revision) } } });
    }
  }

  /** Sends every open watch an ERROR 410 (its resourceVersion is gone) and ends it. */
  expireWatches(): void {
    for (const watch of [...this.watches]) {
      this.send(watch, { type: 'ERROR', object: status(410, 'Expired', `too old resource version: 1 (${this.revision})`) });
      this.endWatch(watch);
    }
  }

  /** Ends every open watch normally (as its timeoutSeconds would). */
  endWatches(): void {
    for (const watch of [...this.watches]) this.endWatch(watch);
  }

  get openWatches(): number {
    return this.watches.size;
  }

  /** Cuts every connection (an API server restart). */
  dropConnections(): void {
    this.server.closeAllConnections();
    this.watches.clear();
  }

  async close(): Promise<void> {
    this.endWatches();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private record(event: StoredEvent): void {
    this.history.push(event);
    for (const watch of this.watches) this.deliver(watch, event);
  }

  private scopeMatches(watch: { resource: Resource; namespace: string }, resource: Resource, object: Json): boolean {
    return watch.resource === resource && (watch.namespace === '' || meta(object).namespace === watch.namespace);
  }

  /** The event as a watch with selectors sees it (objects entering or leaving the selection). */
  private deliver(watch: Watch, event: StoredEvent): void {
    if (!this.scopeMatches(watch, event.resource, event.object)) return;
    const now = event.type !== 'DELETED' && watch.matches(event.object);
    const before = event.old !== undefined && watch.matches(event.old);
    let type: string | undefined;
    if (event.type === 'DELETED') type = before ? 'DELETED' : undefined;
    else if (now && before) type = 'MODIFIED';
    else if (now) type = 'ADDED';
    else if (before) type = 'DELETED';
    if (type !== undefined) this.send(watch, { type, object: event.object });
  }

  private send(watch: Watch, event: Json): void {
    if (!watch.res.writableEnded) watch.res.write(`${JSON.stringify(event)}\n`);
  }

  private endWatch(watch: Watch): void {
    this.watches.delete(watch);
    if (!watch.res.writableEnded) watch.res.end();
  }

  private reply(res: ServerResponse, code: number, body: Json): void {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const query = Object.fromEntries(url.searchParams);
    this.requests.push({ path: url.pathname, query, authorization: req.headers.authorization });
    if (this.token !== undefined && req.headers.authorization !== `Bearer ${this.token}`) {
      this.reply(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
      return;
    }
    const failure = this.failures.find((f) => f.times > 0 && f.path.test(url.pathname));
    if (failure !== undefined) failure.times--;
    const failCode = this.failWith ?? failure?.code;
    if (failCode !== undefined) {
      this.reply(res, failCode, status(failCode, 'InternalError', 'the stand-in was told to fail'));
      return;
    }
    const route = /^\/(?:api\/v1|apis\/(?:discovery\.k8s\.io|networking\.k8s\.io)\/v1)(?:\/namespaces\/([^/]+))?\/([a-z]+)$/.exec(url.pathname);
    const resource = route?.[2] as Resource | undefined;
    if (route === null || resource === undefined || !(resource in LIST_KIND) || (route[1] !== undefined && CLUSTER_SCOPED.includes(resource))) {
      this.reply(res, 404, status(404, 'NotFound', `the server could not find the requested resource (${url.pathname})`));
      return;
    }
    const namespace = route[1] === undefined ? '' : decodeURIComponent(route[1]);
    let matches: (object: Json) => boolean;
    try {
      const labels = parseLabelSelector(query.labelSelector ?? '');
      const fields = parseFieldSelector(query.fieldSelector ?? '', resource);
      matches = (object) => labels((meta(object).labels as Record<string, string> | undefined) ?? {}) && fields(object);
    } catch (err) {
      this.reply(res, 400, status(400, 'BadRequest', (err as Error).message));
      return;
    }
    if (query.watch === '1' || query.watch === 'true') this.watch(res, resource, namespace, matches, query);
    else this.list(res, resource, namespace, matches, query);
  }

  private current(resource: Resource, namespace: string, matches: (object: Json) => boolean): Json[] {
    return [...this.store.entries()]
      .filter(([key, object]) => key.startsWith(`${resource}/`) && this.scopeMatches({ resource, namespace }, resource, object) && matches(object))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([, object]) => object);
  }

  private list(res: ServerResponse, resource: Resource, namespace: string, matches: (object: Json) => boolean, query: Record<string, string>): void {
    let offset = 0;
    if (query.continue !== undefined && query.continue !== '') {
      const token = JSON.parse(Buffer.from(query.continue, 'base64').toString('utf8')) as { rv: number; offset: number };
      if (token.rv < this.compactedAt) {
        this.reply(res, 410, status(410, 'Expired', 'The provided continue parameter is too old to display a consistent list result.'));
        return;
      }
      offset = token.offset;
    }
    const all = this.current(resource, namespace, matches);
    const limit = query.limit === undefined ? all.length : Math.max(1, Number(query.limit));
    const items = all.slice(offset, offset + limit).map((object) => {
      const { kind: _kind, apiVersion: _apiVersion, ...rest } = object;
      return rest;
    });
    const listMeta: Json = { resourceVersion: String(this.revision) };
    if (offset + limit < all.length) {
      listMeta.continue = Buffer.from(JSON.stringify({ rv: this.revision, offset: offset + limit })).toString('base64');
      listMeta.remainingItemCount = all.length - offset - limit;
    }
    const [kind, apiVersion] = LIST_KIND[resource];
    this.reply(res, 200, { kind, apiVersion, metadata: listMeta, items });
  }

  private watch(res: ServerResponse, resource: Resource, namespace: string, matches: (object: Json) => boolean, query: Record<string, string>): void {
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const watch: Watch = { resource, namespace, matches, bookmarks: query.allowWatchBookmarks === 'true', res };
    const from = query.resourceVersion === undefined || query.resourceVersion === '' || query.resourceVersion === '0' ? undefined : Number(query.resourceVersion);
    if (from !== undefined && from < this.compactedAt) {
      this.send(watch, { type: 'ERROR', object: status(410, 'Expired', `too old resource version: ${from} (${this.compactedAt})`) });
      res.end();
      return;
    }
    if (from === undefined) {
      for (const object of this.current(resource, namespace, matches)) this.send(watch, { type: 'ADDED', object });
    } else {
      for (const event of this.history) if (event.rv > from) this.deliver(watch, event);
    }
    this.watches.add(watch);
    const timeout = Number(query.timeoutSeconds ?? 0);
    const timer = timeout > 0 ? setTimeout(() => this.endWatch(watch), timeout * 1000) : undefined;
    timer?.unref();
    res.on('close', () => {
      if (timer !== undefined) clearTimeout(timer);
      this.watches.delete(watch);
    });
  }
}
