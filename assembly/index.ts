// scrapewire core: the exported ABI, and only that. One instance = one scrape source; the host
// wrapper is src/core/core.ts (batches: src/core/batch-codec.ts). Pointers are byte offsets in
// the instance's memory, valid until the next call (any call may grow it). Only numbers cross:
// the core's own functions pass v128 hash keys, no export does (asconfig disables AS112 for them).
//
// Memory: raw TLSF blocks (`heap.alloc`), no managed objects. It grows with live series and the
// longest line, never with the size of a page, and never shrinks (the host rebuilds instead).
//   input window   maxLineBytes + 16 at inputPtr (scrape.ts); between scrapes the requests are
//                  encoded there (encode.ts: parsing and encoding touch the same pages)
//   series         records in segments of 1,024, the 96-bit-keyed index (series.ts)
//   label pairs    each distinct label once, encoded (pairs.ts); 2.0 symbols (symbols.ts)
//   snapshot       ref u32, value f64, timestamp f64 columns (snapshot.ts)
//   scrape arena   family names, HELP and UNIT, exemplar labels (families.ts)
//   output         a request larger than the window, and room for it compressed (encode.ts, snappy.ts)
//
// Calling order:
//   init -> setLimits -> setOption* -> targetLabels? (a job's target and external labels; again on a new instance)
//   per scrape: begin -> (write at inputPtr, feed; while RESOLVE: decide, resumeFeed)* -> finish
//     deciding, in feed-time batches then the rest after finish: autoResolve(from, to) first when
//     target labels are set, then keep/drop/rewrite/forget per new series still pending -> resolveDone
//   then, any number of times: encodeBegin -> encodeNext* (compressOutput each) ; encodeMetadataFrom*
//   on error: abortScrape (or the next begin)
//   rebuild: read the old instance (Query.SERIES_REF_LIMIT, seriesState, labelsPtr, Query.SNAPSHOT_*,
//     Query.STALE_*, Query.KEEPS_PREVIOUS) -> init a new one -> restore -> importSeries* -> importSample* -> importStale*
//     -> importPrevious*

export { init } from "./init";                         // init(maxLineBytes, evictAfterScrapes): allocates the window and tables
export { setLimits } from "./limits";                  // sample, series, label count/name/value length limits, memory pages (0: none); from the next begin
// query(what, arg): a value the host reads a few times a scrape (a Query, enums.ts: counters and
// sizes, the first error, the columns, the last request, what a rebuild reads); setOption(option,
// a, b, c, d): a CoreOption (histograms, nhcb, created timestamps, what requests carry). One
// export each instead of ~40: V8 builds wrappers per export per instance (query.ts).
export { query, setOption } from "./query";
export {
  begin,          // begin(format, timestampMs, honorTimestamps, skipErrors, strictOpenMetrics, resolveBatch): a scrape starts
  inputPtr,       // where the host writes the next chunk
  inputSpace,     // how many bytes fit at inputPtr
  feed,           // feed(length): parses the complete lines written; Status (RESOLVE: paused for decisions)
  resumeFeed,     // goes on after RESOLVE once the new series so far are decided
  finish,         // end of body: a last line without newline, staleness, eviction; Status
  abortScrape,    // the host gave up on the scrape: nothing of it is kept
} from "./scrape";
export {
  newSeriesRef,   // newSeriesRef(i): the i-th series this scrape created (Query.NEW_SERIES_COUNT of them)
  seriesState,    // seriesState(ref): a SeriesState (enums.ts)
  labelsPtr,      // labelsPtr(ref): the series' labels as 1.0 `repeated Label` bytes in a scratch buffer (0: dropped)
  labelsLen,      // labelsLen(ref): their length
  keep,           // keep(ref): encoded as parsed
  drop,           // drop(ref): never encoded, decision remembered
  rewriteBufferPtr, // rewriteBufferPtr(length): room for labels the host writes (rewrite, targetLabels, importSeries)
  rewrite,        // rewrite(ref, length): the series' labels become the sorted labels at rewriteBufferPtr
  targetLabels,   // targetLabels(targetLen, externalLen, honorLabels): a job's labels at rewriteBufferPtr (0, 0: none)
  autoResolve,    // autoResolve(from, to): merges target labels into pending new series; returns how many are left to the host
  forget,         // forget(ref): evicts the series now (the next scrape decides again)
  resolveDone,    // every series still pending is kept; returns the samples kept
} from "./resolve";
export {
  encodeBegin,    // encodeBegin(protocol, maxSamples, includeStale): a Protocol (enums.ts), samples per request (0: all)
  encodeNext,     // writes the next request (at Query.OUTPUT_PTR); its length (0: done)
  encodeMetadataFrom, // encodeMetadataFrom(first, max): a 1.0 metadata-only request for this scrape's families from family index `first`, at most `max` entries (0: all), at Query.OUTPUT_PTR; its length (0: none left)
  compressOutput, // snappy-compresses the last request (never grows memory); the compressed length (at Query.COMPRESSED_PTR)
} from "./encode";
export {
  restore,            // restore(epoch, timestampMs): a new instance continues the old one's scrape numbering
  importSeries,       // importSeries(length, state, lastSeen): a kept series, its labels at rewriteBufferPtr; its new ref
  importSample,       // importSample(ref, value, timestampMs): one sample of the old instance's last scrape
  importStale,        // importStale(ref): one series the old instance's last scrape found stale
  importPrevious,     // importPrevious(ref): one series of the old instance's staleness reference
} from "./rebuild";
// batchInput(length), batchCompressRw1(length), batchCompressRw2(count, length) (the result at
// Query.BATCH_OUTPUT): a dedicated instance's merge of several requests into one, compressed once (batch.ts).
export { batchInput, batchCompressRw1, batchCompressRw2 } from "./batch";
// A target's report series in the same instance as its page (report.ts): reportSeries(length)
// makes one from final labels at rewriteBufferPtr (not indexed) and returns its ref; per scrape
// reportTouch() before finish, reportSample(ref, value) after it; reportClear() lets them go stale.
export { reportSeries, reportTouch, reportSample, reportClear } from "./report";
