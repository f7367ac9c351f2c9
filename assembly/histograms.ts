// Native histograms: the scrape's switches (scrape_native_histograms,
// always_scrape_classic_histograms, native_histogram_bucket_limit,
// native_histogram_min_bucket_factor), set by the host with setHistogramOptions.

/** scrape_native_histograms: a protobuf histogram with native parts is read as one histogram sample. */
export let scrapeNativeHistograms: bool = false;
/** always_scrape_classic_histograms: its classic series are read as well. */
export let alwaysScrapeClassicHistograms: bool = false;
/** native_histogram_bucket_limit (0: none). */
export let bucketLimit: u32 = 0;
/** The largest schema kept (native_histogram_min_bucket_factor), 8 when no factor is set. */
export let maxSchema: i32 = 8;

/** setHistogramOptions(scrapeNative, alwaysClassic, bucketLimit, maxSchema): from the next begin. */
export function setHistogramOptions(native: bool, alwaysClassic: bool, limit: u32, schema: i32): void {
  scrapeNativeHistograms = native;
  alwaysScrapeClassicHistograms = alwaysClassic;
  bucketLimit = limit;
  maxSchema = schema;
}

/** Appends the native histogram of the Histogram message [at, end) (step 2: not stored yet). */
export function appendNativeHistogram(at: usize, end: usize, family: u32, gauge: bool): bool {
  return true;
}
