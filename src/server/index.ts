/** The collector's own HTTP server, self metrics and logger. */
export { startServer, isLoopbackAddress } from './server';
export { createWebHandler, type WebHandler, type MountOptions, type RequestListener } from './web-handler';
export { createSelfMetricsRegistry, type SelfMetricsOptions } from './self-metrics';
export { createLogger, secretPaths, type LoggerOptions, type LogLevel } from './logger';
export { buildTargetsResponse, toActiveTarget, type ApiActiveTarget, type TargetsApiResponse } from './targets-api';
export type {
  CollectorControl,
  Logger,
  RunningServer,
  ServerOptions,
  TargetHealth,
  TargetProvider,
  TargetStatus,
  WebHandlerOptions,
  ExtraRoute,
} from './types';
export { DEFAULT_WEB_LIMITS, type WebLimits } from './limits';
export { parseWebConfig, type WebConfig, type ClientAuthType } from './web-config';
