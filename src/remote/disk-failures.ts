/**
 * How one endpoint's queue owns the failures of its disk (ENOSPC, EIO, a read-only file system):
 * appends go through here, so a failing disk is counted
 * (scrapewire_remote_write_disk_errors_total{operation}), paused for DISK_RETRY_MS after each
 * failure (a full disk is not hit by every request), and logged once when a failing spell starts
 * and once when it ends. Other disk problems are logged at most every DISK_LOG_INTERVAL_MS per
 * kind, since a failing disk fails every request. What becomes of a refused request is the
 * queue's decision (send-queue.ts).
 */
import type { DiskRef, DiskStore } from './disk-store';
import type { Logger } from '../logger';
import type { RemoteWriteMetrics } from './metrics';
import type { QueuedRequest } from './queued-request';
import { DiskQueueError } from './segment-file';

/** After a disk write fails, the disk is not tried again for this long. */
export const DISK_RETRY_MS = 1000;
/** Repeated disk problems of one kind are logged at most this often (they are all counted). */
const DISK_LOG_INTERVAL_MS = 10_000;

export class DiskFailures {
  private retryAtMs = 0;
  private failing = false;
  private readonly loggedAtMs = new Map<string, number>();

  constructor(
    private readonly endpoint: string,
    private readonly memoryBudgetBytes: number,
    private readonly metrics: RemoteWriteMetrics,
    private readonly logger: Logger,
  ) {}

  /**
   * The store's append, owning its failures: 'failed' when the disk refused the request or failed
   * less than DISK_RETRY_MS ago; undefined when it does not fit the disk budget.
   */
  append(store: DiskStore, request: QueuedRequest): DiskRef | undefined | 'failed' {
    if (Date.now() < this.retryAtMs) return 'failed';
    let ref: DiskRef | undefined;
    try {
      ref = store.append(request);
    } catch (error) {
      if (!(error instanceof DiskQueueError)) throw error;
      this.count(error, false);
      this.retryAtMs = Date.now() + DISK_RETRY_MS;
      if (!this.failing) {
        this.failing = true;
        this.logger.error(
          { endpoint: this.endpoint, err: error.message, errno: error.errno, bytesWritten: error.bytesWritten, memoryBudgetBytes: this.memoryBudgetBytes },
          'remote write disk queue: a write failed; requests stay in memory within memory_budget, the disk is retried every second, and what does not fit is dropped and counted (reason disk_error)',
        );
      }
      return 'failed';
    }
    if (this.failing) {
      this.failing = false;
      this.logger.info({ endpoint: this.endpoint }, 'remote write disk queue: the disk accepts writes again');
    }
    return ref;
  }

  /** Lifts the pause: the next append tries the disk whatever failed before (shutdown's last try). */
  retryNow(): void {
    this.retryAtMs = 0;
  }

  /** Counts a failed disk operation and, unless the caller logs it itself, logs it (rate-limited). */
  count(error: DiskQueueError, log = true): void {
    this.metrics.diskErrors.inc({ endpoint: this.endpoint, operation: error.operation });
    if (log) this.log(error.operation, 'warn', { operation: error.operation, file: error.file, errno: error.errno, err: error.message }, 'remote write disk queue: a disk operation failed');
  }

  /** Logs a disk problem at most once per DISK_LOG_INTERVAL_MS per key. */
  log(key: string, level: 'warn' | 'error', fields: object, message: string): void {
    const now = Date.now();
    if (now - (this.loggedAtMs.get(key) ?? -Infinity) < DISK_LOG_INTERVAL_MS) return;
    this.loggedAtMs.set(key, now);
    this.logger[level]({ endpoint: this.endpoint, ...fields }, message);
  }
}
