/**
 * Self-metrics of remote write, registered once per prom-client Registry and labelled by
 * endpoint name, so several endpoints (and several writers in tests) share one set.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What the gauges computed at collection (unpersisted requests, bytes in open batches) read from a queue. */
export interface UnpersistedSource {
  readonly name: string;
  /** Its requests held in memory only, and the bytes of its open batches. */
  stats(): { unpersistedRequests: number; batchBytes: number };
}

function createMetrics(registry: Registry) {
  const registers = [registry];
  const p = 'scrapewire_remote_write_';
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) => new Counter<L>({ name: p + name, help, labelNames, registers });
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]) => new Gauge<L>({ name: p + name, help, labelNames, registers });
  const endpoint = ['endpoint'] as const;
  const watched = new Set<UnpersistedSource>();
  return {
    samplesSent: counter('samples_sent_total', 'Samples in requests the receiver acknowledged with a 2xx.', endpoint),
    requestsSent: counter('requests_sent_total', 'Requests the receiver acknowledged with a 2xx.', endpoint),
    /** Failed attempts (each one is retried or dropped), by reason: network, http_503... */
    requestsFailed: counter('requests_failed_total', 'Send attempts that did not succeed, by reason.', ['endpoint', 'reason']),
    requestsRetried: counter('requests_retried_total', 'Send attempts that were repeats of an earlier failed attempt.', endpoint),
    /** 2.0 receivers' own count (X-Prometheus-Remote-Write-Samples-Written). */
    samplesWrittenReported: counter('samples_written_reported_total', 'Samples a 2.0 receiver reported as written.', endpoint),
    protocolFallbacks: counter('protocol_fallbacks_total', 'Switches from remote write 2.0 to 1.0 after a 415 or a 2xx without Written headers.', endpoint),
    sendDuration: new Histogram({
      name: `${p}send_duration_seconds`,
      help: 'Duration of one send attempt, any outcome.',
      labelNames: endpoint,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    /** Samples in each request sent: how full batches are. */
    samplesPerRequest: new Histogram({
      name: `${p}request_samples`,
      help: 'Samples in each request acknowledged by the receiver.',
      labelNames: endpoint,
      buckets: [1, 10, 50, 100, 250, 500, 1000, 2000, 5000, 10000],
      registers,
    }),
    newestSentTimestamp: gauge('newest_sent_timestamp_seconds', 'Newest sample timestamp in an acknowledged request.', endpoint),
    samplesDropped: counter('samples_dropped_total', 'Samples given up on purpose, by reason.', ['endpoint', 'reason']),
    requestsDropped: counter('requests_dropped_total', 'Requests given up on purpose, by reason.', ['endpoint', 'reason']),
    diskTornRecords: counter('disk_torn_records_total', 'Torn or corrupt records found at a segment tail and truncated.', endpoint),
    diskTornBytes: counter('disk_torn_bytes_total', 'Bytes truncated from segment tails.', endpoint),
    /** Disk-queue operations that failed (ENOSPC, EIO...), by operation: write, fsync, read... */
    diskErrors: counter('disk_errors_total', 'Disk-queue operations that failed (ENOSPC, EIO...), by operation.', ['endpoint', 'operation']),
    /** Segments moved aside unread on start (reason unknown_version: another build's format). */
    diskSegmentsSetAside: counter('disk_segments_set_aside_total', 'Disk-queue segments moved aside unread (reason unknown_version: written by another scrapewire build), kept for it.', ['endpoint', 'reason']),
    /**
     * Requests held in memory only (not yet on disk, not yet acknowledged): what a SIGKILL would
     * lose. Computed when collected, from the queues registered with `watch`.
     */
    unpersistedRequests: new Gauge({
      name: `${p}unpersisted_requests`,
      help: 'Requests held in memory only (neither on disk nor acknowledged): what a SIGKILL would lose.',
      labelNames: endpoint,
      registers,
      collect() {
        for (const queue of watched) this.set({ endpoint: queue.name }, queue.stats().unpersistedRequests);
      },
    }),
    /** Reports `queue`'s requests held in memory only, and its open batches' bytes, when the metrics are collected. */
    watch: (queue: UnpersistedSource): void => { watched.add(queue); },
    /**
     * Compressed bytes queued by storage (memory, disk), and uncompressed bytes in open batches
     * (batch). `batch` is read from the watched queues when collected: set on every request a
     * queue took, it cost ~1.5 KB of garbage per scrape (prom-client hashes a Gauge's labels
     * with a sort and makes a new entry on each set; bench/RESULTS.md, 2026-12-03).
     */
    queueBytes: new Gauge({
      name: `${p}queue_bytes`,
      help: 'Compressed bytes queued, by storage (memory, disk); uncompressed bytes in open batches (batch).',
      labelNames: ['endpoint', 'storage'] as const,
      registers,
      collect() {
        for (const queue of watched) this.set({ endpoint: queue.name, storage: 'batch' }, queue.stats().batchBytes);
      },
    }),
    queueRequests: gauge('queue_requests', 'Requests queued and not yet acknowledged or dropped.', endpoint),
    /** Requests in flight at most, and open batches at most (shard-tuner.ts). */
    shards: gauge('shards', 'Shards: requests in flight at most, and open batches at most.', endpoint),
    /** What the last measurement asked for, before tolerance and clamping to min/max_shards. */
    shardsDesired: gauge('shards_desired', 'Shards the last measurement of throughput and backlog asked for, before tolerance and min/max_shards.', endpoint),
    reshards: counter('reshards_total', 'Changes of the number of shards.', endpoint),
  };
}

const byRegistry = new WeakMap<Registry, ReturnType<typeof createMetrics>>();

/** The remote-write metrics of `registry`, registered on first use. */
export function remoteWriteMetrics(registry: Registry) {
  const existing = byRegistry.get(registry);
  if (existing) return existing;
  const metrics = createMetrics(registry);
  byRegistry.set(registry, metrics);
  return metrics;
}

/** The scrapewire_remote_write_* metrics of a registry, shared by its writers (remoteWriteMetrics). */
export type RemoteWriteMetrics = ReturnType<typeof remoteWriteMetrics>;
