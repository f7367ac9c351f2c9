/** The delivery layer: remote write with memory and disk queues. */
export { RemoteWriter, type RemoteWriterOptions } from './remote-writer';
export { SendQueue, type EnqueueResult, type SendQueueStats, type SendQueueOptions } from './send-queue';
export type { OutgoingRequest } from './outgoing-request';
export { remoteWriteMetrics, type RemoteWriteMetrics } from './metrics';
export { silentLogger, type Logger } from '../logger';
export { USER_AGENT } from './http-sender';
export { RW1, RW2, type RemoteWriteProtocol } from '../remote-write-protocol';
