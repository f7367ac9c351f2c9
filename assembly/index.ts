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
// Calling order (Commands in capitals):
//   INIT -> SET_LIMITS -> SET_OPTION* -> TARGET_LABELS? (a job's target and external labels; again on a new instance)
//   per scrape: BEGIN -> (write at inputPtr, feed; while RESOLVE: decide, RESUME_FEED)* -> FINISH
//     deciding, in feed-time batches then the rest after FINISH: AUTO_RESOLVE(from, to) first when
//     target labels are set, then keep/DROP/REWRITE/FORGET per new series still pending -> RESOLVE_DONE
//   then, any number of times: ENCODE_BEGIN -> encodeNext* (COMPRESS_OUTPUT each) ; ENCODE_METADATA_FROM*
//   on error: ABORT_SCRAPE (or the next BEGIN)
//   rebuild: read the old instance (Query.SERIES_REF_LIMIT, seriesState, labelsPtr, Query.SNAPSHOT_*,
//     Query.STALE_*, Query.KEEPS_PREVIOUS) -> INIT a new one -> RESTORE -> IMPORT_SERIES* -> IMPORT_SAMPLE*
//     -> IMPORT_STALE* -> IMPORT_PREVIOUS*
//   report series: REPORT_SERIES once per series, REPORT_TOUCH before FINISH, REPORT_SAMPLE after it,
//     REPORT_CLEAR when the target stops
//   a batch instance (batch.ts): BATCH_INPUT, write, BATCH_COMPRESS_RW1 or _RW2, read at Query.BATCH_OUTPUT

// command(op, a, b, c, d, e, f): a Command (enums.ts), every call below not made per chunk, per new
// series or per request: init, limits and options (SET_OPTION), begin/finish/abort, the host's
// decisions but keep, encodeBegin, metadata, compressing, the rebuild imports, the report series,
// a batch instance's merge; and the getters (QUERY: counters and sizes, the first error, the
// columns, the last request, what a rebuild reads). One export instead of ~70: V8 builds wrapper
// objects per export per instance (command.ts). src/core/wasm.ts gives each its name back.
export { command } from "./command";
export {
  inputPtr,       // where the host writes the next chunk
  inputSpace,     // how many bytes fit at inputPtr
  feed,           // feed(length): parses the complete lines written; Status (RESOLVE: paused for decisions)
} from "./scrape";
export {
  newSeriesRef,   // newSeriesRef(i): the i-th series this scrape created (Query.NEW_SERIES_COUNT of them)
  seriesState,    // seriesState(ref): a SeriesState (enums.ts)
  labelsPtr,      // labelsPtr(ref): the series' labels as 1.0 `repeated Label` bytes in a scratch buffer (0: dropped)
  labelsLen,      // labelsLen(ref): their length
  keep,           // keep(ref): encoded as parsed
} from "./resolve";
export {
  encodeNext,     // writes the next request (at Query.OUTPUT_PTR); its length (0: done)
} from "./encode";
