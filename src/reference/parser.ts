/**
 * A small pure-TypeScript reference parser for the Prometheus text format 0.0.4 and
 * OpenMetrics 1.0 text. It is written to be obviously correct, not fast: it is the baseline
 * of the differential tests (WASM core vs reference) and of the benchmarks.
 *
 * Both formats: the input must be UTF-8; errors are ScrapewireError('ERR_PARSE') with the
 * 1-based line and 1-based byte column of the offending byte. The rules of each format are
 * listed in text.ts and openmetrics.ts.
 */

import type { ExpositionFormat } from '../core/types';
import { assertUtf8 } from './cursor';
import { parseOpenMetrics } from './openmetrics';
import { parseText } from './text';
import type { RefParse } from './types';

export type { RefExemplar, RefFamily, RefParse, RefSample } from './types';

const encoder = new TextEncoder();

/**
 * Parses a whole exposition. A string is encoded to UTF-8 first (so columns are still byte
 * columns). Throws ScrapewireError('ERR_PARSE', ...) at the first error.
 */
export function parseReference(input: string | Uint8Array, format: ExpositionFormat): RefParse {
  const bytes = typeof input === 'string' ? encoder.encode(input) : input;
  assertUtf8(bytes);
  return format === 'openmetrics' ? parseOpenMetrics(bytes) : parseText(bytes);
}
