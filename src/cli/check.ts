/**
 * `scrapewire check [--format text|openmetrics] [FILE]` validates an exposition (the equivalent of
 * `promtool check metrics`), and `scrapewire check config FILE` validates a configuration.
 */
import { createReadStream } from 'node:fs';
import { Core, ScrapewireError, type ExpositionFormat } from '../core';
import { loadConfigFile } from '../config/load';

export interface CommandIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** Opens FILE, or stdin when there is none (or it is "-"). */
export function openInput(file: string | undefined, io: CommandIo): AsyncIterable<Uint8Array> {
  if (file === undefined || file === '-') return io.stdin as AsyncIterable<Uint8Array>;
  return createReadStream(file, { highWaterMark: 64 * 1024 });
}

export function parseFormat(value: string | undefined): ExpositionFormat {
  if (value === undefined || value === 'text') return 'text';
  if (value === 'openmetrics') return 'openmetrics';
  throw new ScrapewireError('ERR_USAGE', `--format must be "text" or "openmetrics", not "${value}"`);
}

/** Returns the process exit code: 0 valid, 1 invalid. */
export async function checkMetrics(file: string | undefined, format: ExpositionFormat, io: CommandIo): Promise<number> {
  const core = Core.create();
  try {
    const summary = await core.scrape(openInput(file, io), { format, timestampMs: Date.now() });
    const samples = summary.samples + core.duplicateSamples;
    io.stdout.write(`${file ?? 'stdin'}: ${summary.families} families, ${summary.samples} series, ${samples} samples\n`);
    return 0;
  } catch (err) {
    if (err instanceof ScrapewireError && err.line !== undefined) {
      io.stdout.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

export async function checkConfig(file: string, io: CommandIo): Promise<number> {
  try {
    const config = await loadConfigFile(file);
    io.stdout.write(`${file}: valid (${config.scrape_configs.length} scrape configs, ${config.remote_write.length} remote writes)\n`);
    for (const warning of config.warnings) io.stdout.write(`warning: ${warning}\n`);
    return 0;
  } catch (err) {
    if (err instanceof ScrapewireError && err.code === 'ERR_CONFIG') {
      io.stdout.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
