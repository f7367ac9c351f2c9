/**
 * `scrapewire check [--format text|openmetrics] [FILE]` validates an exposition (the equivalent of
 * `promtool check metrics`), and `scrapewire check config FILE` validates a configuration.
 *
 * `check config` runs the validation `scrapewire run` runs at start, through the same code:
 * the loader with the collector's defaults (which judges every relabel rule with the relabel
 * compiler), then the checks the collector makes on a loaded configuration before it scrapes
 * (validateForRun). A file it accepts starts; one it refuses is refused by `run` with the same
 * message. Plugins registered by an embedding agent are not known here; the built-in ones are.
 */
import { createReadStream } from 'node:fs';
import { Core, ScrapewireError, type ExpositionFormat } from '../core';
import { DEFAULT_SCRAPE_INTERVAL_MS } from '../collector/collector';
import { loadConfigFile } from '../config/load';
import type { Config } from '../config/types';
import { BUILTIN_PLUGINS } from '../plugins/builtin';
import { checkPluginJobs, PluginRegistry } from '../plugins/registry';
import { sendingLabelsOf } from '../scrape/scrape-manager';

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

/**
 * The refusals the collector makes at start on a configuration the loader accepted, each through
 * the function the collector calls: the endpoints' shared write_relabel_configs (ScrapeManager),
 * the built-in plugins' settings, the enabled pattern (PluginRegistry) and the jobs the enabled
 * plugins read (checkPluginJobs). Throws the same ScrapewireError they throw there. (remote_write
 * entries are validated by the loader alone.)
 */
export function validateForRun(config: Config): void {
  sendingLabelsOf(config);
  const enabled = new PluginRegistry().registerFactories(BUILTIN_PLUGINS, config.plugins.settings).enabled(config.plugins.enabled);
  const problem = checkPluginJobs(enabled, config.scrape_configs.map((job) => job.job_name));
  if (problem !== undefined) throw problem;
}

/**
 * The defaults the collector loads its file with (Collector.loadConfig): scrapewire scrapes every
 * second, so a job's scrape_timeout is checked against that interval, not Prometheus's 1m.
 */
const COLLECTOR_PARSE_OPTIONS = { defaultScrapeInterval: DEFAULT_SCRAPE_INTERVAL_MS, defaultScrapeTimeout: DEFAULT_SCRAPE_INTERVAL_MS };

export async function checkConfig(file: string, io: CommandIo): Promise<number> {
  try {
    const config = await loadConfigFile(file, COLLECTOR_PARSE_OPTIONS);
    validateForRun(config);
    io.stdout.write(`${file}: valid (${config.scrape_configs.length} scrape configs, ${config.remote_write.length} remote writes)\n`);
    for (const warning of config.warnings) io.stdout.write(`warning: ${warning}\n`);
    return 0;
  } catch (err) {
    if (err instanceof ScrapewireError && (err.code === 'ERR_CONFIG' || err.code === 'ERR_REMOTE_WRITE' || err.code === 'ERR_PLUGIN')) {
      io.stdout.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
