/**
 * `scrapewire/remote`: the delivery layer alone. Give the remote writer finished remote-write
 * requests (from `Core.encodeRequests`); it batches them, sends them with retries, keeps them on
 * disk while the receiver is down, and reports what it does as events.
 *
 * @packageDocumentation
 * @module scrapewire/remote
 */
export { RemoteWriter, type RemoteWriterOptions } from './remote-writer';
export { createRemoteWriter, validateEndpoints, type CreateRemoteWriterOptions, type CreatedRemoteWriter } from './create';
export type { RemoteWriteOptions, BasicAuthOptions, AuthorizationOptions, TlsOptions, RelabelRuleOptions, DurationText, SizeText } from '../config/document';
export type { RemoteWriteConfig, QueueConfig, MetadataConfig } from '../config/types';
export { TypedEmitter, DELIVERY_EVENTS, type DeliveryEvents, type SentEvent, type FailedEvent, type RetriedEvent, type DroppedEvent, type QueueEvent } from '../events';
export { ScrapewireError, type ErrorCode } from '../errors';
export type { EncodedRequest } from '../core/types';
export { SendQueue, type EnqueueResult, type SendQueueStats, type SendQueueOptions } from './send-queue';
export type { OutgoingRequest } from './outgoing-request';
export { remoteWriteMetrics, type RemoteWriteMetrics } from './metrics';
export { silentLogger, type Logger } from '../logger';
export { USER_AGENT } from './http-sender';
export { RW1, RW2, type RemoteWriteProtocol } from '../remote-write-protocol';
