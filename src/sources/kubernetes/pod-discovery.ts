/**
 * PodDiscovery: polls the kubelet's `/pods` (this node's pods, no API server load) and hands
 * the annotated pods' scrape targets to `onTargets` whenever the set changes.
 *
 * ```ts
 * const discovery = new PodDiscovery({ node: nodeSettingsFromEnv(), intervalMs: 30_000,
 *   onTargets: (targets) => scrapeManager.setPodTargets(targets) });
 * await discovery.start();   // first poll done (or failed: see onError)
 * ...
 * await discovery.stop();
 * ```
 *
 * The request goes through HttpScraper, with the same token file and CA as the kubelet
 * sources: a rotated token is used by the next poll, a bad CA fails it, timeouts and a body
 * size limit apply. A failed poll keeps the last good target set (a kubelet restart must not
 * make every pod's series go stale) and is reported to `onError` and the logger.
 *
 * Polls never overlap: the next one is scheduled when the previous one settles. The timer is
 * unref'd, so an embedding process is not kept alive by discovery alone.
 */
import { ScrapewireError } from '../../core/errors';
import { HttpScraper } from '../../scrape/http-scraper';
import { kubeletHttpOptions } from './kubelet-sources';
import { resolveNodeSettings, type NodeSettings } from './node-settings';
import { podTargets, type PodTarget } from './pod-targets';

export const DEFAULT_POD_DISCOVERY_INTERVAL_MS = 30_000;
/** A PodList of 110 pods (the default per-node maximum) is a few MB; this leaves room for fat specs. */
export const DEFAULT_POD_LIST_LIMIT_BYTES = 64 << 20;

/** The subset of pino's API PodDiscovery logs through. */
export interface DiscoveryLogger {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface PodDiscoveryOptions {
  node: NodeSettings;
  /** Time between polls. Default 30 s. */
  intervalMs?: number;
  /** Called with the full target set (sorted by id) after the first successful poll and whenever it changes. */
  onTargets(targets: PodTarget[]): void;
  /** Called when a poll fails; the last good target set stays in force. */
  onError?(error: ScrapewireError): void;
  logger?: DiscoveryLogger;
  /** Limit on the /pods body. Default 64 MiB. */
  bodySizeLimitBytes?: number;
}

export class PodDiscovery {
  private readonly scraper: HttpScraper;
  private readonly intervalMs: number;
  private current: PodTarget[] | undefined;
  private fingerprint = '';
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private stopped = false;
  private pollCount = 0;

  constructor(private readonly options: PodDiscoveryOptions) {
    const resolved = resolveNodeSettings(options.node);
    this.intervalMs = options.intervalMs ?? DEFAULT_POD_DISCOVERY_INTERVAL_MS;
    if (!Number.isFinite(this.intervalMs) || this.intervalMs <= 0) {
      throw new ScrapewireError('ERR_CONFIG', 'pod discovery intervalMs: must be a positive number of ms');
    }
    this.scraper = new HttpScraper({
      ...kubeletHttpOptions(resolved, '/pods'),
      bodySizeLimitBytes: options.bodySizeLimitBytes ?? DEFAULT_POD_LIST_LIMIT_BYTES,
      // The kubelet answers JSON whatever Accept says; do not advertise OpenMetrics for it.
      acceptOpenMetrics: false,
    });
  }

  /** The URL polled (without credentials). */
  get url(): string {
    return this.scraper.target;
  }

  /** The last good target set, or undefined before the first successful poll. */
  get targets(): PodTarget[] | undefined {
    return this.current;
  }

  /** Polls made so far, successful or not. */
  get polls(): number {
    return this.pollCount;
  }

  /**
   * One poll: fetches /pods and returns its targets, calling onTargets if the set changed.
   * Rejects with a ScrapewireError naming the URL (ERR_HTTP_STATUS, ERR_SCRAPE_TIMEOUT,
   * ERR_CONFIG for an unreadable token or CA, ERR_PARSE for a body that is not a PodList).
   */
  async refresh(): Promise<PodTarget[]> {
    this.pollCount++;
    const response = await this.scraper.scrape();
    const chunks: Uint8Array[] = [];
    try {
      for await (const chunk of response.body) chunks.push(chunk);
    } finally {
      response.discard();
    }
    let podList: unknown;
    try {
      podList = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch (err) {
      throw new ScrapewireError('ERR_PARSE', `the pod list is not JSON: ${(err as Error).message}`, { target: this.url, cause: err });
    }
    if (!Array.isArray((podList as { items?: unknown } | null)?.items)) {
      throw new ScrapewireError('ERR_PARSE', 'not a PodList: no items array', { target: this.url });
    }
    const { targets, problems } = podTargets(podList);
    for (const problem of problems) this.options.logger?.warn({ target: this.url }, `pod skipped: ${problem}`);
    const fingerprint = JSON.stringify(targets);
    if (this.current === undefined || fingerprint !== this.fingerprint) {
      this.current = targets;
      this.fingerprint = fingerprint;
      if (!this.stopped) this.options.onTargets(targets);
    }
    return targets;
  }

  /** Polls now, then every intervalMs until stop(). Resolves after the first poll, which may have failed (see onError). */
  start(): Promise<void> {
    if (this.polling !== undefined || this.timer !== undefined) return this.polling ?? Promise.resolve();
    this.stopped = false;
    return this.poll();
  }

  private poll(): Promise<void> {
    this.timer = undefined;
    this.polling = this.refresh()
      .then(
        () => undefined,
        (err: unknown) => {
          const error = err instanceof ScrapewireError ? err : new ScrapewireError('ERR_USAGE', String(err), { target: this.url, cause: err });
          if (this.stopped) return;
          this.options.logger?.warn({ err: error, target: this.url }, 'pod discovery failed; keeping the last target set');
          this.options.onError?.(error);
        },
      )
      .finally(() => {
        this.polling = undefined;
        if (!this.stopped) {
          this.timer = setTimeout(() => void this.poll(), this.intervalMs);
          this.timer.unref();
        }
      });
    return this.polling;
  }

  /** Stops polling, waits for a poll in flight, and closes the connection. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.polling;
    await this.scraper.close();
  }
}
