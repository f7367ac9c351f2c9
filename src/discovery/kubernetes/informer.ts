/**
 * An informer: the current objects of one resource (in one namespace or all, with the job's
 * selectors), kept up to date by LIST then WATCH, as client-go's reflector keeps them:
 *
 * 1. LIST every page; the store becomes exactly what was listed (objects gone since the last
 *    list are reported deleted, so a re-list after a long outage removes vanished pods).
 * 2. WATCH from the list's resourceVersion; each event updates the store and is reported at once.
 *    BOOKMARK events only move the resourceVersion forward (allowWatchBookmarks=true), so a
 *    re-watch after the server ends the stream does not replay or miss anything.
 * 3. A watch that ends normally (its timeoutSeconds ran out) is started again from the last
 *    resourceVersion. `410 Gone` (an ERROR event with code 410, or the HTTP status on a too-old
 *    resourceVersion or an expired continue token) means that version is compacted away: list
 *    again from scratch.
 * 4. Any other failure is reported and retried after a backoff: 1 s doubling to 30 s, reset by
 *    a successful list or watch event.
 *
 * Objects are stored slimmed (objects.ts): only what discovery reads.
 */
import { ScrapewireError } from '../../errors';
import { KubeApiError, type KubeApiClient, type WatchEvent } from './api-client';
import { objectKey, type KubeObject } from './objects';

export interface InformerOptions<T extends KubeObject> {
  client: KubeApiClient;
  /** `/api/v1/pods`, `/api/v1/namespaces/<ns>/pods`, `/apis/discovery.k8s.io/v1/endpointslices`... */
  path: string;
  labelSelector?: string;
  fieldSelector?: string;
  slim(object: T): T;
  /** An object was added, changed (`object` set) or deleted (`object` undefined). */
  onChange(key: string, object: T | undefined): void;
  /** Each failure, with the URL in the error. */
  onError(error: Error): void;
  /** Called once, after the first LIST that succeeded (its changes already reported). */
  onSynced?(): void;
  /** First backoff after a failure, ms. Default 1000. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Watch timeoutSeconds: random in [min, 2 min) as client-go picks it. Default 300 s. */
  watchTimeoutSeconds?: number;
}

const GONE = 410;

export class Informer<T extends KubeObject> {
  readonly store = new Map<string, T>();
  private resourceVersion = '';
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;
  private synced = false;
  private backoffMs: number;
  private sleeper: { timer: NodeJS.Timeout; resolve: () => void } | undefined;
  /** Lists and watches made (for tests and self-metrics). */
  readonly stats = { lists: 0, watches: 0, events: 0, relistsAfterGone: 0, errors: 0 };

  constructor(private readonly options: InformerOptions<T>) {
    this.backoffMs = options.minBackoffMs ?? 1000;
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  /** Starts the loop; resolves after the first LIST succeeded or failed once. */
  start(): Promise<void> {
    let firstAttempt!: () => void;
    const attempted = new Promise<void>((resolve) => { firstAttempt = resolve; });
    this.running = this.loop(firstAttempt).catch(() => undefined).finally(() => firstAttempt());
    return attempted;
  }

  async stop(): Promise<void> {
    this.abort.abort(new ScrapewireError('ERR_USAGE', 'discovery stopped'));
    if (this.sleeper !== undefined) {
      clearTimeout(this.sleeper.timer);
      this.sleeper.resolve();
    }
    await this.running;
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  private query(): Record<string, string | undefined> {
    return { labelSelector: this.options.labelSelector, fieldSelector: this.options.fieldSelector };
  }

  private async loop(firstAttempt: () => void): Promise<void> {
    while (!this.stopped) {
      try {
        if (this.resourceVersion === '') {
          await this.list();
          firstAttempt();
        }
        await this.watch();
      } catch (err) {
        if (this.stopped) return;
        firstAttempt();
        if (err instanceof KubeApiError && err.status === GONE) {
          this.resourceVersion = '';
          this.stats.relistsAfterGone++;
          continue;
        }
        this.stats.errors++;
        this.options.onError(err as Error);
        await this.sleep(this.backoffMs);
        this.backoffMs = Math.min(this.backoffMs * 2, this.options.maxBackoffMs ?? 30_000);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.sleeper = undefined; resolve(); }, ms);
      timer.unref();
      this.sleeper = { timer, resolve };
    });
  }

  private async list(): Promise<void> {
    this.stats.lists++;
    const listed = new Map<string, T>();
    let continueToken = '';
    let resourceVersion = '';
    do {
      const page = await this.options.client.list(this.options.path, { ...this.query(), continue: continueToken || undefined });
      for (const item of page.items) {
        if (item === null || typeof item !== 'object') continue;
        const object = this.options.slim(item as T);
        listed.set(objectKey(object), object);
      }
      continueToken = page.continueToken;
      resourceVersion = page.resourceVersion;
    } while (continueToken !== '' && !this.stopped);
    if (this.stopped) return;
    // Replace the store by what was listed, reporting what changed.
    for (const key of [...this.store.keys()]) {
      if (!listed.has(key)) {
        this.store.delete(key);
        this.options.onChange(key, undefined);
      }
    }
    for (const [key, object] of listed) {
      const before = this.store.get(key);
      this.store.set(key, object);
      if (before === undefined || before.metadata?.resourceVersion !== object.metadata?.resourceVersion || object.metadata?.resourceVersion === undefined) {
        this.options.onChange(key, object);
      }
    }
    this.resourceVersion = resourceVersion;
    const first = !this.synced;
    this.synced = true;
    if (first) this.options.onSynced?.();
    this.backoffMs = this.options.minBackoffMs ?? 1000;
  }

  private async watch(): Promise<void> {
    this.stats.watches++;
    const base = this.options.watchTimeoutSeconds ?? 300;
    const timeoutSeconds = Math.floor(base * (1 + Math.random()));
    const events = this.options.client.watch(this.options.path, { ...this.query(), resourceVersion: this.resourceVersion }, timeoutSeconds, this.abort.signal);
    for await (const event of events) {
      if (this.stopped) return;
      this.apply(event);
    }
  }

  private apply(event: WatchEvent): void {
    this.stats.events++;
    const object = event.object as T & { code?: unknown; message?: unknown };
    if (event.type === 'ERROR') {
      const code = typeof object.code === 'number' ? object.code : 0;
      const message = typeof object.message === 'string' ? object.message : 'watch error';
      throw new KubeApiError(`watch error: ${message}`, code, this.options.client.url(this.options.path, this.query()));
    }
    const version = object.metadata?.resourceVersion;
    if (typeof version === 'string' && version !== '') this.resourceVersion = version;
    this.backoffMs = this.options.minBackoffMs ?? 1000;
    if (event.type === 'BOOKMARK') return;
    const slim = this.options.slim(object);
    const key = objectKey(slim);
    if (event.type === 'DELETED') {
      this.store.delete(key);
      this.options.onChange(key, undefined);
    } else {
      this.store.set(key, slim);
      this.options.onChange(key, slim);
    }
  }
}
