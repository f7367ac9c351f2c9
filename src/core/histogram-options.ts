/**
 * The native histogram options of a core (CoreOptions) as the core's setHistogramOptions takes
 * them: native_histogram_min_bucket_factor becomes the largest schema kept, as Prometheus picks
 * it (scrape/scrape.go pickSchema): floor(-log2(log2(factor))) clamped to [-4, 8], a factor of 1
 * or less read as 1.00271 (schema 8).
 */
import type { CoreOptions } from './types';

export type HistogramOptions = Pick<CoreOptions, 'scrapeNativeHistograms' | 'alwaysScrapeClassicHistograms'
  | 'nativeHistogramBucketLimit' | 'nativeHistogramMinBucketFactor' | 'convertClassicHistogramsToNhcb' | 'createdTimestampZeroIngestion'>;

/** The schema Prometheus keeps for a min bucket factor (0 or absent: 8, the finest). */
export function pickSchema(factor: number | undefined): number {
  if (factor === undefined || factor === 0) return 8;
  const f = factor <= 1 ? 1.00271 : factor;
  const schema = Math.floor(-Math.log2(Math.log2(f)));
  return Math.min(8, Math.max(-4, schema));
}

/** [scrapeNative, alwaysClassic, bucketLimit, maxSchema] for the core. */
export function histogramOptions(options: HistogramOptions): [number, number, number, number] {
  return [
    options.scrapeNativeHistograms === true ? 1 : 0,
    options.alwaysScrapeClassicHistograms === true ? 1 : 0,
    options.nativeHistogramBucketLimit ?? 0,
    pickSchema(options.nativeHistogramMinBucketFactor),
  ];
}
