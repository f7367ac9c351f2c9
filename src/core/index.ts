export { Core } from './core';
export { ScrapewireError } from '../errors';
export type { ErrorCode } from '../errors';
export type { CoreErrorReason } from './status';
export { decodeLabels, encodeLabels } from './label-codec';
export * from './types';
export { DEFAULT_MAX_MEMORY_BYTES } from './limits';
export { RW1, RW2 } from '../remote-write-protocol';
