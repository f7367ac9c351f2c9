/**
 * The remote writer from plain options, for an agent that has no configuration file: endpoints
 * written as a prometheus.yml's remote_write entries (`{ url, queue_config: {...} }`), validated
 * by the configuration's one validator (src/config/document.ts) with its defaults and messages.
 *
 * ```ts
 * import { createRemoteWriter } from 'scrapewire/remote';
 * const writer = createRemoteWriter({ endpoints: [{ url: 'http://127.0.0.1:8428/api/v1/write' }], storageDir: 'data/queue' });
 * writer.on('dropped', (event) => console.warn(event));
 * core.encodeRequests(RW1, {}, (request) => writer.write({ ...request, shardKey: 'app', newestTimestampMs: Date.now() }));
 * await writer.close(10_000);      // deliver until the deadline, then persist the rest
 * ```
 */
import { Registry } from 'prom-client';
import { configFromDocument, type RemoteWriteOptions } from '../config/document';
import type { RemoteWriteConfig } from '../config/types';
import type { Logger } from '../logger';
import { RemoteWriter } from './remote-writer';

/** What createRemoteWriter takes: endpoints as plain options, storage, registry, logger. */
export interface CreateRemoteWriterOptions {
  /** The endpoints, as remote_write entries; only `url` is required. */
  endpoints: readonly RemoteWriteOptions[];
  /** Root of the disk queues (one subdirectory per endpoint); absent: memory only, nothing survives a restart. */
  storageDir?: string;
  /** Where the scrapewire_remote_write_* metrics go. Default: a registry of the writer's own (`writer.registry`). */
  registry?: Registry;
  logger?: Logger;
}

/** A RemoteWriter with its registry. */
export interface CreatedRemoteWriter extends RemoteWriter {
  /** The registry its metrics are in. */
  readonly registry: Registry;
}

/** Validates the endpoints (throws ConfigError, ERR_CONFIG, naming `remote_write[i].field`) and opens the writer. */
export function createRemoteWriter(options: CreateRemoteWriterOptions): CreatedRemoteWriter {
  const endpoints = validateEndpoints(options.endpoints);
  const registry = options.registry ?? new Registry();
  const writer = new RemoteWriter({ endpoints, registry, logger: options.logger, storageDir: options.storageDir });
  return Object.defineProperty(writer, 'registry', { value: registry, enumerable: true }) as CreatedRemoteWriter;
}

/** remote_write entries as plain options, validated and defaulted as in a configuration file. */
export function validateEndpoints(endpoints: readonly RemoteWriteOptions[]): RemoteWriteConfig[] {
  return configFromDocument({ remote_write: [...endpoints] }, '<remote writer options>').remote_write;
}
