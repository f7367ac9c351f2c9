// scrapewire core: the exported ABI, and only that. One instance = one scrape source; the host
// wrapper is src/core/core.ts (batches: src/core/batch-codec.ts). Pointers are byte offsets in
// the instance's memory, valid until the next call (any call may grow it).
//
// Memory (raw TLSF blocks from `heap.alloc`, no managed objects; it grows with live series and
// the longest line, never with the size of a page, and never shrinks: the host rebuilds):
//   input window  maxLineBytes + 16, at inputPtr (scrape.ts)     label pairs  each once, encoded (pairs.ts)
//   series        records in segments + hash index (series.ts)  symbols      2.0 strings (symbols.ts)
//   snapshot      ref u32, value f64, timestamp f64 (snapshot.ts)  scrape arena  metadata, exemplars (families.ts)
//   output        the request being encoded, room for it compressed (encode.ts, snappy.ts)
//
// Calling order:
//   init -> setLimits -> targetLabels? (a job's target/external labels, merged by autoResolve)
//   per scrape: begin -> (write at inputPtr, feed; while RESOLVE: decide, resumeFeed)* -> finish
//     deciding (feed-time batches, then the rest after finish): autoResolve(from, to) first when
//     target labels are set, then keep/drop/rewrite/forget per new series -> resolveDone
//   then, any number of times: encodeBegin -> encodeNext* (compressOutput) ; encodeMetadata
//   on error: abortScrape (or the next begin) ; a rebuild: read the old instance
//     (seriesRefLimit, seriesState, labelsPtr, snapshot*, keepsPrevious...) -> init a new one ->
//     restore -> importSeries* -> importSample* -> importStale* -> importPrevious*

export { init } from "./init";                         // init(maxLineBytes, evictAfterScrapes): allocates the window and tables
export { setLimits } from "./limits";                  // sample, series, label count/name/value length limits, memory pages (0: none); from the next begin
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
  newSeriesCount, // series this scrape created
  newSeriesRef,   // newSeriesRef(i): the i-th of them
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
  encodeNext,     // writes the next request at outputPtr; its length (0: done)
  encodeMetadata, // a 1.0 metadata-only request for this scrape's families at outputPtr; its length (0: none)
  outputPtr,      // the last request written
  compressOutput, // snappy-compresses it (never grows memory); the compressed length
  compressedPtr,  // the compressed request
  requestSamples, // samples in the last request
} from "./encode";
export {
  snapshotLength, snapshotRefs, snapshotValues, snapshotTimestamps, // this scrape's samples, as columns
  staleCount, staleRefsPtr,                                           // series that went stale with it
} from "./snapshot";
export {
  statFamilies, statSkippedLines, statBytes, statDuplicates, statEvicted, statSeries, statLabelArenaBytes,
  statLabelTextBytes, statLabelPairs, statIndexBytes, statSymbolBytes, statSymbols, // counters and sizes (stats.ts)
} from "./stats";
export {
  errorCode, errorLine, errorColumn, // the scrape's first error: an ErrorCode (status.ts), its 1-based line and byte column
  errorTextPtr, errorTextLen,        // what came there (0: no position; length 0: the end of the line; over 40: cut)
} from "./status";
export {
  seriesLastSeen, seriesRefLimit, currentEpoch, lastTimestamp, keepsPrevious, previousCount, previousRefsPtr, // read the old instance
  restore, importSeries, importSample, importStale, importPrevious, // fill the new one (importSeries: labels at rewriteBufferPtr)
} from "./rebuild";
// batchInput(length), batchCompressRw1(length), batchCompressRw2(count, length), batchOutput: a
// dedicated instance's merge of several requests into one, compressed once (batch.ts).
export { batchInput, batchCompressRw1, batchCompressRw2, batchOutput } from "./batch";
