/**
 * Self-metrics of remote write, registered once per prom-client Registry and labelled by
 * endpoint name, so several endpoints (and several writers in tests) share one set.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What the unpersisted-requests gauge reads when /metrics is collected. */
export interface UnpersistedSource {
  readonly name: string;
  /** Its requests held in memory only. */
  stats(): { unpersistedRequests: number };
}

/** The scrapewire_remote_write_* metrics of a registry, shared by its writers. */
export interface RemoteWriteMetrics {
  /**
   * Requests held in memory only (not yet on disk, not yet acknowledged): what a SIGKILL would
   * lose. Computed when collected, from the queues registered with `watch`.
   */
  unpersistedRequests: Gauge<'endpoint'>;
  /** Reports `queue`'s requests held in memory only when the metrics are collected. */
  watch(queue: UnpersistedSource): void;
  samplesSent: Counter<'endpoint'>;
  requestsSent: Counter<'endpoint'>;
  /** Failed attempts (each one is retried or dropped), by reason: network, http_503... */
  requestsFailed: Counter<'endpoint' | 'reason'>;
  requestsRetried: Counter<'endpoint'>;
  samplesDropped: Counter<'endpoint' | 'reason'>;
  requestsDropped: Counter<'endpoint' | 'reason'>;
  /** 2.0 receivers' own count (X-Prometheus-Remote-Write-Samples-Written). */
  samplesWrittenReported: Counter<'endpoint'>;
  protocolFallbacks: Counter<'endpoint'>;
  diskTornRecords: Counter<'endpoint'>;
  diskTornBytes: Counter<'endpoint'>;
  /** Disk-queue operations that failed (ENOSPC, EIO...), by operation: write, fsync, read... */
  diskErrors: Counter<'endpoint' | 'operation'>;
  /** Segments moved aside unread on start (reason unknown_version: another build's format). */
  diskSegmentsSetAside: Counter<'endpoint' | 'reason'>;
  /** Compressed bytes queued by storage (memory, disk), and uncompressed bytes in open batches (batch). */
  queueBytes: Gauge<'endpoint' | 'storage'>;
  /** Requests in flight at most, and open batches at most (shard-tuner.ts). */
  shards: Gauge<'endpoint'>;
  /** What the last measurement asked for, before tolerance and clamping to min/max_shards. */
  shardsDesired: Gauge<'endpoint'>;
  reshards: Counter<'endpoint'>;
  /** Samples in each request sent: how full batches are. */
  samplesPerRequest: Histogram<'endpoint'>;
  queueRequests: Gauge<'endpoint'>;
  newestSentTimestamp: Gauge<'endpoint'>;
  sendDuration: Histogram<'endpoint'>;
}

const byRegistry = new WeakMap<Registry, RemoteWriteMetrics>();

/** The remote-write metrics of `registry`, registered on first use. */
export function remoteWriteMetrics(registry: Registry): RemoteWriteMetrics {
  const existing = byRegistry.get(registry);
  if (existing) return existing;
  const registers = [registry];
  const p = 'scrapewire_remote_write_';
  const watched = new Set<UnpersistedSource>();
  const metrics: RemoteWriteMetrics = {
    unpersistedRequests: new Gauge({
      name: `${p}unpersisted_requests`,
      help: 'Requests held in memory only (neither on disk nor acknowledged): what a SIGKILL would lose.',
      labelNames: ['endpoint'],
      registers,
      collect() {
        for (const queue of watched) this.set({ endpoint: queue.name }, queue.stats().unpersistedRequests);
      },
    }),
    watch: (queue) => { watched.add(queue); },
    samplesSent: new Counter({ name: `${p}samples_sent_total`, help: 'Samples in requests the receiver acknowledged with a 2xx.', labelNames: ['endpoint'], registers }),
    requestsSent: new Counter({ name: `${p}requests_sent_total`, help: 'Requests the receiver acknowledged with a 2xx.', labelNames: ['endpoint'], registers }),
    requestsFailed: new Counter({ name: `${p}requests_failed_total`, help: 'Send attempts that did not succeed, by reason.', labelNames: ['endpoint', 'reason'], registers }),
    requestsRetried: new Counter({ name: `${p}requests_retried_total`, help: 'Send attempts that were repeats of an earlier failed attempt.', labelNames: ['endpoint'], registers }),
    samplesDropped: new Counter({ name: `${p}samples_dropped_total`, help: 'Samples given up on purpose, by reason.', labelNames: ['endpoint', 'reason'], registers }),
    requestsDropped: new Counter({ name: `${p}requests_dropped_total`, help: 'Requests given up on purpose, by reason.', labelNames: ['endpoint', 'reason'], registers }),
    samplesWrittenReported: new Counter({ name: `${p}samples_written_reported_total`, help: 'Samples a 2.0 receiver reported as written.', labelNames: ['endpoint'], registers }),
    protocolFallbacks: new Counter({ name: `${p}protocol_fallbacks_total`, help: 'Switches from remote write 2.0 to 1.0 after a 415 or a 2xx without Written headers.', labelNames: ['endpoint'], registers }),
    diskTornRecords: new Counter({ name: `${p}disk_torn_records_total`, help: 'Torn or corrupt records found at a segment tail and truncated.', labelNames: ['endpoint'], registers }),
    diskTornBytes: new Counter({ name: `${p}disk_torn_bytes_total`, help: 'Bytes truncated from segment tails.', labelNames: ['endpoint'], registers }),
    diskErrors: new Counter({ name: `${p}disk_errors_total`, help: 'Disk-queue operations that failed (ENOSPC, EIO...), by operation.', labelNames: ['endpoint', 'operation'], registers }),
    diskSegmentsSetAside: new Counter({ name: `${p}disk_segments_set_aside_total`, help: 'Disk-queue segments moved aside unread (reason unknown_version: written by another scrapewire build), kept for it.', labelNames: ['endpoint', 'reason'], registers }),
    queueBytes: new Gauge({ name: `${p}queue_bytes`, help: 'Compressed bytes queued, by storage (memory, disk); uncompressed bytes in open batches (batch).', labelNames: ['endpoint', 'storage'], registers }),
    shards: new Gauge({ name: `${p}shards`, help: 'Shards: requests in flight at most, and open batches at most.', labelNames: ['endpoint'], registers }),
    shardsDesired: new Gauge({ name: `${p}shards_desired`, help: 'Shards the last measurement of throughput and backlog asked for, before tolerance and min/max_shards.', labelNames: ['endpoint'], registers }),
    reshards: new Counter({ name: `${p}reshards_total`, help: 'Changes of the number of shards.', labelNames: ['endpoint'], registers }),
    samplesPerRequest: new Histogram({
      name: `${p}request_samples`,
      help: 'Samples in each request acknowledged by the receiver.',
      labelNames: ['endpoint'],
      buckets: [1, 10, 50, 100, 250, 500, 1000, 2000, 5000, 10000],
      registers,
    }),
    queueRequests: new Gauge({ name: `${p}queue_requests`, help: 'Requests queued and not yet acknowledged or dropped.', labelNames: ['endpoint'], registers }),
    newestSentTimestamp: new Gauge({ name: `${p}newest_sent_timestamp_seconds`, help: 'Newest sample timestamp in an acknowledged request.', labelNames: ['endpoint'], registers }),
    sendDuration: new Histogram({
      name: `${p}send_duration_seconds`,
      help: 'Duration of one send attempt, any outcome.',
      labelNames: ['endpoint'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
  };
  byRegistry.set(registry, metrics);
  return metrics;
}
