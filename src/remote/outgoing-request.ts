/**
 * What a producer (src/scrape/sample-sink.ts) hands to the remote writer: one finished request,
 * owned by the receiver of it (an uncompressed copy out of the core's memory, never a view), plus
 * what the queue needs to order, batch and count it.
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
}
