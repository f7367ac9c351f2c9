/**
 * A small pure-TypeScript reference parser for the Prometheus text format 0.0.4 and
 * OpenMetrics 1.0 text. It is written to be obviously correct, not fast: it is the baseline
 * of the differential tests (WASM core vs reference) and of the benchmarks.
 *
 * Both formats: the input must be UTF-8; errors are ScrapewireError('ERR_PARSE') with the
 * 1-based line and 1-based byte column of the offending byte. The rules of each format are
 * listed in text.ts and openmetrics.ts.
 */

import type { ExpositionFormat } from '../../src/core/types';
import { assertUtf8 } from './cursor';
import { parseOpenMetrics } from './openmetrics';
import { parseText } from './text';
import type { RefParse } from './types';

export type { RefExemplar, RefFamily, RefParse, RefSample } from './types';

const encoder = new TextEncoder();

export interface ReferenceOptions {
  /**
   * Text 0.0.4 as who reads it. `expfmt` (default): as the Go client's parser, strictly: UTF-8
   * throughout, a line feed after the last line, one HELP and one TYPE per name, TYPE before
   * the samples. `prometheus`: as Prometheus' scraper and scrapewire's core: a last line without
   * a line feed is a line, HELP and TYPE may come again (the last one wins) and after samples,
   * and only lines that are not plain comments must be UTF-8. OpenMetrics has one reading.
   */
  textDialect?: 'expfmt' | 'prometheus';
  /** Also return `sampleFamilies`: for each sample, the index of its family in `families`. */
  sampleFamilies?: boolean;
}

/**
 * Parses a whole exposition. A string is encoded to UTF-8 first (so columns are still byte
 * columns). Throws ScrapewireError('ERR_PARSE', ...) at the first error.
 */
export function parseReference(input: string | Uint8Array, format: ExpositionFormat, options: ReferenceOptions = {}): RefParse {
  const bytes = typeof input === 'string' ? encoder.encode(input) : input;
  const prometheus = format === 'text' && options.textDialect === 'prometheus';
  // OpenMetrics and Prometheus' reading check UTF-8 line by line, so the first error by line wins.
  if (format === 'text' && !prometheus) assertUtf8(bytes);
  const parsed = format === 'openmetrics' ? parseOpenMetrics(bytes) : parseText(bytes, prometheus);
  if (options.sampleFamilies !== true) delete parsed.sampleFamilies;
  return parsed;
}
