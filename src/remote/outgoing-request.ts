/**
 * What a producer (src/scrape/sample-sink.ts) hands to the remote writer: one finished request
 * (no callbacks to ask for it: its protocol, its uncompressed bytes, its samples), plus what the
 * queue needs to order, batch and count it. `body` may be a view into a core's memory: it is
 * valid only during `write`, and the queue copies it into the batch it joins.
 */
import type { EncodedRequest } from '../core/types';

export interface OutgoingRequest extends EncodedRequest {
  /**
   * Ordering key: the producing target (or source). Requests with the same key reach the
   * receiver in the order they were written; a batch holds several keys (send-queue.ts).
   */
  shardKey: string;
  /** Newest sample timestamp in the request, in ms. */
  newestTimestampMs: number;
  /** A remote-write 1.0 metadata request (no samples): sent on its own, never batched. */
  metadataOnly?: boolean;
  /** Entries (MetricMetadata) of a metadata request: what metadata_config.max_samples_per_send counts. */
  metadataEntries?: number;
}
