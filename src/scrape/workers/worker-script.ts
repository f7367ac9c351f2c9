/**
 * Where a scrape worker's code comes from, in each way scrapewire runs:
 *
 * - the bundle (dist/bundle/scrapewire.cjs, `npm start`): the bundle's own file, whose entry
 *   (src/cli.ts) runs the worker instead of the CLI when started as one (`isScrapeWorker`);
 * - the single executable (a Node SEA): there is no file to start, so the bundle travels as the
 *   asset "scrapewire.cjs" (scripts/build-binary.js) and the worker evaluates its text;
 * - the library built by tsc (dist/src): worker-entry.js beside this file;
 * - TypeScript sources run by jest: the tsc build of the same entry (dist/src), which `npm test`
 *   builds first.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { isMainThread, workerData } from 'node:worker_threads';
import { ScrapewireError } from '../../errors';

/** Set by esbuild (scripts/build-bundle.js `define`) in the bundle only. */
declare const SCRAPEWIRE_BUNDLE: boolean | undefined;

/** The bundle asset of the single executable. */
export const BUNDLE_ASSET = 'scrapewire.cjs';

/** True in a thread started as a scrape worker (its workerData says so). */
export function isScrapeWorker(): boolean {
  return !isMainThread && (workerData as { scrapewireScrapeWorker?: unknown } | null)?.scrapewireScrapeWorker === true;
}

function inBundle(): boolean {
  return typeof SCRAPEWIRE_BUNDLE !== 'undefined' && SCRAPEWIRE_BUNDLE;
}

function seaAsset(): string | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const sea = require('node:sea') as { isSea(): boolean; getAsset(key: string, encoding: string): string };
    if (!sea.isSea()) return undefined;
    try {
      return sea.getAsset(BUNDLE_ASSET, 'utf8');
    } catch (err) {
      throw new ScrapewireError('ERR_USAGE', `--scrape.workers > 1: this executable carries no "${BUNDLE_ASSET}" asset to start workers from (built before workers existed?): ${(err as Error).message}`);
    }
  } catch (err) {
    if (err instanceof ScrapewireError) throw err;
    return undefined; // node:sea is absent before Node 20.12
  }
}

/** The worker's script: a file, or code to evaluate. Throws ERR_USAGE when there is none. */
export function workerScript(): { filename: string; eval: boolean } {
  const code = seaAsset();
  if (code !== undefined) return { filename: code, eval: true };
  if (inBundle()) return { filename: __filename, eval: false };
  const candidates = [
    path.join(__dirname, 'worker-entry.js'),
    // TypeScript sources (jest): the tsc build of the same entry.
    path.resolve(__dirname, '..', '..', '..', 'dist', 'src', 'scrape', 'workers', 'worker-entry.js'),
  ];
  const found = candidates.find((file) => existsSync(file));
  if (found === undefined) throw new ScrapewireError('ERR_USAGE', `--scrape.workers > 1: the worker entry is missing (looked for ${candidates.join(', ')}); run npm run build`);
  return { filename: found, eval: false };
}
