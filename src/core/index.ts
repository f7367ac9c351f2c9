export { Core } from './core';
export type { EncodeOptions, SnapshotView, CoreMemoryStats } from './core';
export { ScrapewireError } from './errors';
export type { ErrorCode } from './errors';
export { decodeLabels, encodeLabels } from './labels';
export * from './types';
export { DEFAULT_MAX_MEMORY_BYTES } from './limits';
export { RW1, RW2 } from '../remote-write-protocol';
