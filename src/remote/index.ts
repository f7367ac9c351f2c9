/** The delivery layer: remote write with memory and disk queues. */
export { RemoteWriter, type RemoteWriterOptions } from './remote-writer';
export { SendQueue, RW1, RW2, type RequestProducer, type EnqueueResult, type SendQueueStats, type SendQueueOptions } from './send-queue';
export { endpointOptions, type RemoteWriteInput, type EndpointOptions, type RemoteWriteMessage } from './endpoint-config';
export { remoteWriteMetrics, type RemoteWriteMetrics } from './metrics';
export { silentLogger, type Logger } from './logger';
export { USER_AGENT } from './http-sender';
