/**
 * Typed events of the library's long-lived objects (Collector, RemoteWriter): `on(name,
 * listener)` with the payload's type known from the name.
 *
 * A listener runs inside scrapewire's own work (a scrape completing, a request acknowledged), so
 * it must not be allowed to break it: a listener that throws is removed from nothing and stops
 * nothing; its error goes to `onListenerError` (the owner's logger) and the other listeners
 * still run. Payloads are plain objects built only when someone listens.
 */
import { EventEmitter } from 'node:events';
import type { ScrapewireError } from './errors';

/** `on`/`once`/`off` of a typed event source (the part its users see). */
export class TypedEmitter<Events extends Record<keyof Events, object>> {
  private readonly emitter = new EventEmitter();

  constructor(private readonly onListenerError: (error: unknown, event: string) => void = () => undefined) {
    // Many listeners of one event are normal for a long-lived agent (one per dashboard, test...).
    this.emitter.setMaxListeners(0);
  }

  /** Calls `listener` with every `event` from now on. */
  on<K extends keyof Events & string>(event: K, listener: (payload: Events[K]) => void): this {
    this.emitter.on(event, listener);
    return this;
  }

  /** Calls `listener` with the next `event` only. */
  once<K extends keyof Events & string>(event: K, listener: (payload: Events[K]) => void): this {
    this.emitter.once(event, listener);
    return this;
  }

  /** Removes a listener added with `on` or `once`. */
  off<K extends keyof Events & string>(event: K, listener: (payload: Events[K]) => void): this {
    this.emitter.off(event, listener);
    return this;
  }

  /** Listeners of `event` now. */
  listenerCount<K extends keyof Events & string>(event: K): number {
    return this.emitter.listenerCount(event);
  }

  /** True when someone listens: the payload is worth building. */
  protected listening<K extends keyof Events & string>(event: K): boolean {
    return this.emitter.listenerCount(event) > 0;
  }

  /** Calls each listener of `event` with `payload`; a throwing listener is reported, never rethrown. */
  protected emit<K extends keyof Events & string>(event: K, payload: Events[K]): void {
    for (const listener of this.emitter.rawListeners(event) as Array<(payload: Events[K]) => void>) {
      try {
        // rawListeners keeps `once` wrappers, which remove themselves when called.
        listener.call(this.emitter, payload);
      } catch (error) {
        try {
          this.onListenerError(error, event);
        } catch {
          // Nothing more to do for a failing error handler.
        }
      }
    }
  }
}

/** One scrape of one target, done (the `scrape` event). */
export interface ScrapeEvent {
  job: string;
  /** The target's URL (`local://name/...` for an in-process target). */
  target: string;
  /** Target labels (job, instance and the labels relabeling gave it). */
  labels: Record<string, string>;
  /** The scrape succeeded (the `up` series is 1). */
  up: boolean;
  /** Samples of the page kept after relabeling (0 when the scrape failed). */
  samples: number;
  /** Samples handed to the remote writer: the page, staleness markers and report series. */
  samplesWritten: number;
  durationMs: number;
  /** The scrape's timestamp (its start), in ms since the epoch. */
  timestampMs: number;
  /** Why it failed: ERR_HTTP_STATUS, ERR_SCRAPE_TIMEOUT, ERR_SAMPLE_LIMIT, ERR_LOCAL_SOURCE... */
  error?: ScrapewireError;
}

/** A request the receiver acknowledged (the `sent` event). */
export interface SentEvent {
  /** The remote_write entry's name. */
  endpoint: string;
  samples: number;
  /** Attempts it took: 1 when the first one succeeded. */
  attempts: number;
  /** Duration of the successful attempt. */
  durationMs: number;
}

/** An attempt that did not succeed (the `failed` event). */
export interface FailedEvent {
  endpoint: string;
  samples: number;
  /** `network`, `timeout`, `http_503`, `http_400`... as scrapewire_remote_write_requests_failed_total. */
  reason: string;
  /** HTTP status when the receiver answered. */
  status?: number;
  /** True when the request will be sent again (after a backoff, or converted to 1.0); false when it is dropped. */
  retrying: boolean;
}

/** A request sent again after a failed attempt (the `retried` event). */
export interface RetriedEvent {
  endpoint: string;
  samples: number;
  /** 2 for the first retry. */
  attempt: number;
}

/** Samples given up on purpose, counted in scrapewire_remote_write_samples_dropped_total (the `dropped` event). */
export interface DroppedEvent {
  endpoint: string;
  /** `http_4xx` refusals, `queue_full`, `disk_full`, `disk_error`, `shutdown`, `closed`, `encode_error`... */
  reason: string;
  samples: number;
  requests: number;
}

/** One endpoint's queue, every second and when it closes (the `queue` event). */
export interface QueueEvent {
  endpoint: string;
  /** `healthy` while sends succeed (requests kept in memory), `failing` while they fail (requests go to disk), `closed` after close(). */
  state: 'healthy' | 'failing' | 'closed';
  /** The protocol the endpoint takes now. */
  protocol: string;
  shards: number;
  /** Requests (batches) neither acknowledged nor dropped, and their samples: the backlog. */
  pendingRequests: number;
  pendingSamples: number;
  memoryBytes: number;
  diskBytes: number;
  /** What a SIGKILL now would lose. */
  unpersistedRequests: number;
}

/** The remote writer's events. */
export interface DeliveryEvents {
  sent: SentEvent;
  failed: FailedEvent;
  retried: RetriedEvent;
  dropped: DroppedEvent;
  queue: QueueEvent;
}

/** The collector's events: every scrape, and the remote writer's. */
export interface CollectorEvents extends DeliveryEvents {
  scrape: ScrapeEvent;
}

/** Where the send queues report delivery events (the remote writer, forwarding to its listeners). */
export interface DeliveryEventSink {
  /** Whether anyone listens to `event` (its payload is built only then). */
  listening(event: keyof DeliveryEvents & string): boolean;
  /** Reports `event` to its listeners. */
  emit<K extends keyof DeliveryEvents & string>(event: K, payload: DeliveryEvents[K]): void;
}

/** The names of the delivery events, for forwarding them. */
export const DELIVERY_EVENTS = ['sent', 'failed', 'retried', 'dropped', 'queue'] as const;
