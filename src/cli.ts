/**
 * The scrapewire command line.
 *
 *   scrapewire [run] [flags]                               the collector (see RUN_FLAGS)
 *   scrapewire check [--format text|openmetrics] [FILE]   validate an exposition
 *   scrapewire check config FILE                           validate a configuration
 *   scrapewire encode [options] [FILE]                     exposition -> remote-write request(s)
 */
import { parseArgs } from 'node:util';
import { version } from './version';
import { ScrapewireError } from './core';
import { checkConfig, checkMetrics, parseFormat, type CommandIo } from './cli/check';
import { encodeExposition, parseProtocol } from './cli/encode';
import { RUN_FLAGS, runCollector } from './cli/run';
import { parentPort, workerData } from 'node:worker_threads';
import { isScrapeWorker } from './scrape/workers/worker-script';
import { runScrapeWorker } from './scrape/workers/worker-main';
import type { WorkerSetup } from './scrape/workers/protocol';

const USAGE = `Usage: scrapewire [command] [options]

Commands:
  run [flags]   (the default)
      Run the collector. Without --config.file it runs a bundled demo configuration that needs
      nothing else: it scrapes itself and a demo page every second and delivers to a built-in
      remote-write sink (see /sink). Stop it with Ctrl-C or SIGTERM; SIGHUP reloads the config.
  check [--format text|openmetrics] [FILE]
      Validate an exposition (stdin without FILE). Prints "FILE: F families, S series, N samples"
      and exits 0, or prints "line L, column C: reason" for the first error and exits 1.
  check config FILE
      Validate a configuration file; prints the first error as FILE:LINE: message and exits 1.
  encode [--format text|openmetrics] [--protocol rw1|rw2] [--timestamp MS]
         [--compress snappy|none] [--max-samples N] [FILE]
      Write the remote-write request(s) for an exposition to stdout. MS is the scrape timestamp
      for samples without one (default: now). With more than one request (--max-samples), each
      is preceded by its length as a varint.
  version, --version
      Print scrapewire's version.
  help, --help
      Show this text.

${RUN_FLAGS}`;

export async function main(argv: string[], io: CommandIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    // `scrapewire` alone, or with only flags, runs the collector.
    if (command === undefined || (command.startsWith('--') && command !== '--help' && command !== '--version')) return await runCollector(argv, io);
    switch (command) {
      case 'version':
      case '--version':
        io.stdout.write(`scrapewire ${version}\n`);
        return 0;
      case 'run':
        return await runCollector(rest, io);
      case 'check': {
        if (rest[0] === 'config') {
          if (rest[1] === undefined) throw new ScrapewireError('ERR_USAGE', 'check config needs a FILE');
          return await checkConfig(rest[1], io);
        }
        const { values, positionals } = parseArgs({ args: rest, options: { format: { type: 'string' } }, allowPositionals: true });
        return await checkMetrics(positionals[0], parseFormat(values.format), io);
      }
      case 'encode': {
        const { values, positionals } = parseArgs({
          args: rest,
          options: {
            format: { type: 'string' },
            protocol: { type: 'string' },
            timestamp: { type: 'string' },
            compress: { type: 'string' },
            'max-samples': { type: 'string' },
          },
          allowPositionals: true,
        });
        const timestampMs = values.timestamp === undefined ? Date.now() : Number(values.timestamp);
        if (!Number.isSafeInteger(timestampMs)) throw new ScrapewireError('ERR_USAGE', `--timestamp must be an integer of milliseconds, not "${values.timestamp}"`);
        const compress = values.compress ?? 'snappy';
        if (compress !== 'snappy' && compress !== 'none') throw new ScrapewireError('ERR_USAGE', `--compress must be "snappy" or "none", not "${compress}"`);
        const maxSamples = values['max-samples'] === undefined ? 0 : Number(values['max-samples']);
        if (!Number.isSafeInteger(maxSamples) || maxSamples < 0) throw new ScrapewireError('ERR_USAGE', `--max-samples must be a positive integer`);
        return await encodeExposition(
          { file: positionals[0], format: parseFormat(values.format), protocol: parseProtocol(values.protocol), timestampMs, compress, maxSamplesPerRequest: maxSamples },
          io,
        );
      }
      case 'help':
      case '--help':
      case '-h':
        io.stdout.write(USAGE);
        return 0;
      default:
        throw new ScrapewireError('ERR_USAGE', `unknown command "${command}"`);
    }
  } catch (err) {
    if (err instanceof ScrapewireError && err.code === 'ERR_STORAGE_LOCKED') {
      // Another process runs on this --storage.path: say who, without a stack trace.
      io.stderr.write(`scrapewire: ${err.message}\n`);
      return 1;
    }
    if (err instanceof ScrapewireError && (err.code === 'ERR_USAGE' || err.code === 'ERR_CONFIG')) {
      io.stderr.write(`scrapewire: ${err.message}\n${err.code === 'ERR_USAGE' ? `\n${USAGE}` : ''}`);
      return 2;
    }
    if (err instanceof TypeError && (err as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`scrapewire: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      io.stderr.write(`scrapewire: ${(err as Error).message}\n`);
      return 2;
    }
    throw err;
  }
}

if (isScrapeWorker()) {
  // This file started as a scrape worker thread (the bundle is both: scrape/workers/worker-script.ts).
  runScrapeWorker(parentPort!, workerData as WorkerSetup);
} else if (require.main === module) {
  main(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
