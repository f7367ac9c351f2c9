// Type-checked against the installed package by test/package/installed.test.ts with tsc --noEmit,
// copied as usage.mts (ES module), usage.cts (CommonJS) and usage.ts (bundler resolution).
// Every line uses a real type from the package; the @ts-expect-error lines prove the types are
// not `any` (an unused @ts-expect-error is itself an error).
import { Core, ScrapewireError, RW2, type ErrorCode, type Label, type ScrapeSummary } from 'scrapewire/core';
import { Collector, ConfigError, parseConfig, type CollectorOptions, type Config } from 'scrapewire/collector';
import { RemoteWriter, type RemoteWriterOptions } from 'scrapewire/remote';
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

// @ts-expect-error format is 'text' or 'openmetrics'
void core.scrape([], { format: 'json', timestampMs: 0 });
// @ts-expect-error not an error code
export const notACode: ErrorCode = 'ERR_NOT_A_CODE';
// @ts-expect-error the core entry point has no Collector
export type NoCollector = import('scrapewire/core').Collector;
// @ts-expect-error there is no such entry point
export type NoSuchEntry = import('scrapewire/nothing').Anything;
