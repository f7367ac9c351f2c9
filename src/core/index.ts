/**
 * `scrapewire/core`: the WebAssembly parser and remote-write encoder alone. Loads no dependency
 * (only `node:` built-ins): importing it does not load the collector, undici or prom-client.
 *
 * @packageDocumentation
 * @module scrapewire/core
 */
export { Core } from './core';
export { ScrapewireError } from '../errors';
export type { ErrorCode } from '../errors';
export type { CoreErrorReason } from './status';
export { decodeLabels, encodeLabels } from './label-codec';
export * from './types';
export { DEFAULT_MAX_MEMORY_BYTES } from './limits';
export { RW1, RW2 } from '../remote-write-protocol';
