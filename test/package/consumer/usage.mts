// Type-checked against the installed package by test/package/installed.test.ts with tsc --noEmit,
// copied as usage.mts (ES module), usage.cts (CommonJS) and usage.ts (bundler resolution).
// Every line uses a real type from the package; the @ts-expect-error lines prove the types are
// not `any` (an unused @ts-expect-error is itself an error).
import { Core, ScrapewireError, RW2, type ErrorCode, type Label, type ScrapeSummary } from 'scrapewire/core';
import {
  Collector, ConfigError, parseConfig, type CollectorOptions, type Config, type LocalTarget, type RequestListener, type ScrapeEvent,
} from 'scrapewire/collector';
import { RemoteWriter, createRemoteWriter, type RemoteWriterOptions, type RemoteWriteOptions, type SentEvent } from 'scrapewire/remote';
import * as scrapewire from 'scrapewire';

const core: Core = Core.create({ maxLineBytes: 1 << 16 });
const labels: readonly Label[] = [['job', 'types']];
core.setTargetLabels(labels);

export function scrape(body: Uint8Array[]): Promise<ScrapeSummary> {
  return core.scrape(body, { format: 'openmetrics', timestampMs: Date.now() });
}

export function encoded(): number {
  return core.encode(RW2, { compress: true }, (request: Uint8Array, samples: number) => {
    void request.byteLength;
    void samples;
  });
}

const config: Config = parseConfig('', 'agent.yml');
export const options: CollectorOptions = { config, listenAddress: '127.0.0.1:0', storagePath: '/tmp/queue' };
export const start: (options?: CollectorOptions) => Promise<Collector> = Collector.start;
export const endpoints: RemoteWriterOptions['endpoints'] = parseConfig('remote_write: [{url: "http://127.0.0.1:1/api/v1/write"}]', 'rw.yml').remote_write;
export const writerClass: typeof RemoteWriter = RemoteWriter;
export const code: ErrorCode = new ScrapewireError('ERR_PARSE', 'reason').code;
export const configErrorIsScrapewireError: ScrapewireError = new ConfigError([]);
export const sameCore: typeof scrapewire.Core = Core;
export const sameCollector: typeof scrapewire.Collector = Collector;

// Embedding: no port of its own, an in-process target, typed events, a mounted handler.
export const local: LocalTarget = { job: 'service', source: () => 'service_up 1\n' };
export async function embedded(signal: AbortSignal): Promise<RequestListener> {
  const collector = await Collector.start({ listen: false, config: { remote_write: [{ url: 'http://127.0.0.1:1/w' }] }, localTargets: [local], signal });
  collector.on('scrape', (event: ScrapeEvent) => void event.up);
  collector.on('dropped', (event) => void event.reason.length);
  await collector.flush({ signal });
  return collector.handler({ prefix: '/scrapewire' });
}
export const endpoint: RemoteWriteOptions = { url: 'http://127.0.0.1:1/w', queue_config: { max_samples_per_send: 500, batch_send_deadline: '1s' } };
export const writer = (): RemoteWriter => createRemoteWriter({ endpoints: [endpoint] }).on('sent', (event: SentEvent) => void event.samples);
// @ts-expect-error not an event of the collector
export const noSuchEvent = (collector: Collector): Collector => collector.on('scraped', () => undefined);
// @ts-expect-error a remote_write entry needs a url
export const noUrl: RemoteWriteOptions = { name: 'x' };

// @ts-expect-error format is 'text' or 'openmetrics'
void core.scrape([], { format: 'json', timestampMs: 0 });
// @ts-expect-error not an error code
export const notACode: ErrorCode = 'ERR_NOT_A_CODE';
// @ts-expect-error the core entry point has no Collector
export type NoCollector = import('scrapewire/core').Collector;
// @ts-expect-error there is no such entry point
export type NoSuchEntry = import('scrapewire/nothing').Anything;
