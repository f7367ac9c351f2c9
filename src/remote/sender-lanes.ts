/**
 * One endpoint's senders: up to `shards` requests in flight at once, each sent until it is
 * acknowledged, dropped (counted) or the queue closes, with retries and backoff, and the 2.0 ->
 * 1.0 fallback.
 *
 * Ordering. Every queued request carries the ordering keys of the targets in it (one for a
 * target's own request, several for a batch). A request is started only when no older request
 * sharing one of its keys is still queued or in flight, and is retried in place until it is
 * done. So a target's requests reach the receiver in the order they were written, and every
 * series (which belongs to one target) keeps its timestamps in order, across retries, restarts
 * and changes in the number of shards. Requests of other targets may overtake each other.
 *
 * Fallback. A 415 to a 2.0 request (or a 2xx without Written headers) switches the endpoint to
 * 1.0 for the life of the process: producers are asked for 1.0 from then on, and requests
 * already queued in 2.0 are converted when they are sent (rw2-to-rw1.ts), so none is lost.
 */
import { setMaxListeners } from 'node:events';
import type { RemoteWriteConfig } from '../config/types';
import type { BatchCodec } from '../core/batch-codec';
import { RW1, RW2, type RemoteWriteProtocol } from '../remote-write-protocol';
import { retryDelay } from './backoff';
import type { HttpSender, SendOutcome } from './http-sender';
import type { DeliveryEventSink } from '../events';
import type { Logger } from '../logger';
import type { RemoteWriteMetrics } from './metrics';
import type { Entry, QueueEntries } from './queue-entries';
import { rw2ToRw1 } from './rw2-to-rw1';
import { snappyUncompress } from './snappy';
import { safeUrlOf } from './http-sender';

/** Unfinished requests looked at per pump, oldest first: bounds the work of one pump in a backlog. */
const SCAN_LIMIT = 4096;

export interface SenderLanesOptions {
  config: RemoteWriteConfig;
  entries: QueueEntries;
  sender: HttpSender;
  codec: BatchCodec;
  metrics: RemoteWriteMetrics;
  logger: Logger;
  random: () => number;
  /** Starting number of requests in flight at once. */
  shards: number;
  /** An acknowledged request: its samples and how long its successful attempt took. */
  onSent?: (samples: number, seconds: number) => void;
  /** A send failed in a retryable way (the queue now keeps everything on disk). */
  onFailing?: () => void;
  /** Where sends, failures and retries are reported as events (the remote writer). */
  events?: DeliveryEventSink;
}

export class SenderLanes {
  private readonly name: string;
  private readonly safeUrl: string;
  private current: RemoteWriteProtocol;
  private concurrency: number;
  private inflight = 0;
  private readonly running = new Set<Promise<void>>();
  private closed = false;
  private readonly abort = new AbortController();
  private lastSuccessMs = 0;

  constructor(private readonly options: SenderLanesOptions) {
    this.name = options.config.name;
    this.safeUrl = safeUrlOf(options.config.url);
    this.current = options.config.protobuf_message;
    this.concurrency = options.shards;
    // Every request in flight and every backoff listens to this one signal: up to max_shards
    // listeners by design, not a leak (Node warns past 10).
    setMaxListeners(0, this.abort.signal);
  }

  /** The protocol the endpoint takes now: its configured one until a fallback to 1.0. */
  get protocol(): RemoteWriteProtocol {
    return this.current;
  }

  /** Requests allowed in flight at once. */
  get shards(): number {
    return this.concurrency;
  }

  set shards(n: number) {
    this.concurrency = n;
    this.pump();
  }

  /** When the last send was acknowledged (Date.now()), 0 before the first. */
  get lastSuccessAtMs(): number {
    return this.lastSuccessMs;
  }

  /** Starts every request the ordering rule and the number of shards allow. */
  pump(): void {
    if (this.closed) return;
    let free = this.concurrency - this.inflight;
    if (free <= 0) return;
    const claimed = new Set<number>();
    this.options.entries.scan(SCAN_LIMIT, (entry) => {
      let blocked = false;
      for (const key of entry.keys) {
        if (claimed.has(key)) blocked = true;
        else claimed.add(key);
      }
      if (blocked || entry.state !== 'pending') return true; // an older request of a key is queued or in flight
      entry.state = 'inflight';
      this.inflight++;
      const run = this.run(entry);
      this.running.add(run);
      void run.finally(() => this.running.delete(run));
      return --free > 0;
    });
  }

  private async run(entry: Entry): Promise<void> {
    try {
      await this.deliver(entry);
    } catch (error) {
      this.options.logger.error({ endpoint: this.name, err: error }, 'remote write: unexpected error in a sender');
      if (entry.state === 'inflight') entry.state = 'pending';
      await this.sleep(this.options.config.queue_config.max_backoff);
    } finally {
      this.inflight--;
      if (entry.state === 'inflight') entry.state = 'pending';
      this.options.entries.updateGauges();
      this.pump();
    }
  }

  /** The body to send in the endpoint's protocol: a 2.0 request queued before a fallback is converted. */
  private bodyToSend(protocol: RemoteWriteProtocol, body: Uint8Array): { protocol: RemoteWriteProtocol; body: Uint8Array } {
    if (protocol === RW1 || this.current === RW2) return { protocol, body };
    return { protocol: RW1, body: this.options.codec.encode(RW1, [rw2ToRw1(snappyUncompress(body))]) };
  }

  /** Sends one request until it is acknowledged, dropped, or the queue is closed. */
  private async deliver(entry: Entry): Promise<void> {
    const { entries, metrics, logger, config, events } = this.options;
    const endpoint = this.name;
    const failed = (reason: string, status: number | undefined, retrying: boolean): void => {
      if (events?.listening('failed')) events.emit('failed', { endpoint, samples: entry.samples, reason, status, retrying });
    };
    let attempt = 0;
    /** Retryable failures so far: the backoff step (1 = first retry, min_backoff). */
    let failures = 0;
    let failing = false;
    for (;;) {
      if (this.closed) return;
      const request = entries.withBody(entry);
      if (request === undefined) return; // unreadable: dropped and counted
      let outgoing: { protocol: RemoteWriteProtocol; body: Uint8Array };
      try {
        outgoing = this.bodyToSend(request.protocol, request.body);
      } catch (error) {
        logger.error({ endpoint: this.name, seq: entry.seq, err: (error as Error).message }, 'remote write: a queued 2.0 request could not be converted for a receiver that refused 2.0; dropped');
        entries.finish(entry, 'dropped', 'unsupported_protocol');
        return;
      }
      if (attempt > 0) {
        metrics.requestsRetried.inc({ endpoint: this.name });
        if (events?.listening('retried')) events.emit('retried', { endpoint, samples: entry.samples, attempt: attempt + 1 });
      }
      const startedAt = performance.now();
      const stopTimer = metrics.sendDuration.startTimer({ endpoint: this.name });
      const outcome: SendOutcome = await this.options.sender.send(outgoing.protocol, outgoing.body, this.abort.signal);
      stopTimer();
      if (this.closed) return; // aborted by close(): the entry stays queued (it is persisted there)
      attempt++;
      switch (outcome.kind) {
        case 'ok':
          if (outgoing.protocol === RW2 && outcome.written.samples !== undefined) metrics.samplesWrittenReported.inc({ endpoint: this.name }, outcome.written.samples);
          if (entries.recovered() || failing) logger.info({ endpoint: this.name, url: this.safeUrl }, 'remote write: receiver accepting again');
          this.lastSuccessMs = Date.now();
          entries.finish(entry, 'sent');
          this.options.onSent?.(entry.samples, (performance.now() - startedAt) / 1000);
          if (events?.listening('sent')) events.emit('sent', { endpoint, samples: entry.samples, attempts: attempt, durationMs: performance.now() - startedAt });
          return;
        case 'drop':
          metrics.requestsFailed.inc({ endpoint: this.name, reason: outcome.reason });
          logger.error({ endpoint: this.name, url: this.safeUrl, status: outcome.status, samples: entry.samples, receiverError: outcome.errorText }, 'remote write: receiver rejected the request; dropped, not retried');
          failed(outcome.reason, outcome.status, false);
          entries.finish(entry, 'dropped', outcome.reason);
          return;
        case 'unsupported':
          metrics.requestsFailed.inc({ endpoint: this.name, reason: `http_${outcome.status}` });
          failed(`http_${outcome.status}`, outcome.status, true);
          if (this.current === RW2) {
            this.current = RW1;
            metrics.protocolFallbacks.inc({ endpoint: this.name });
            logger.warn({ endpoint: this.name, url: this.safeUrl, status: outcome.status, receiverError: outcome.errorText }, 'remote write: receiver does not accept 2.0; falling back to 1.0 for this endpoint');
          }
          continue; // resend at once as 1.0; not a backoff case
        case 'retry': {
          metrics.requestsFailed.inc({ endpoint: this.name, reason: outcome.reason });
          if (!failing) logger.warn({ endpoint: this.name, url: this.safeUrl, status: outcome.status, receiverError: outcome.errorText }, 'remote write: send failed; retrying with backoff');
          failed(outcome.reason, outcome.status, true);
          failing = true;
          failures++;
          entries.degrade();
          this.options.onFailing?.();
          const queue = config.queue_config;
          await this.sleep(retryDelay(failures, outcome.retryAfterMs, queue.min_backoff, queue.max_backoff, this.options.random));
          continue;
        }
      }
    }
  }

  /** Stops starting requests, aborts those in flight (they stay queued) and waits for the senders to return. */
  async stop(): Promise<void> {
    this.closed = true;
    this.abort.abort();
    await Promise.allSettled([...this.running]);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.abort.signal.aborted) return resolve();
      const onAbort = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.abort.signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      this.abort.signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
