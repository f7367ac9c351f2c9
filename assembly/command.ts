// `command`: every call of the ABI that is not made per chunk, per new series or per request, as
// one export (enums.ts, Command), with the getters (Query) and option setters (CoreOption) behind
// it. V8 builds wrapper objects for every export of every instance (~0.27 KiB of V8 heap each),
// and a small target is one instance: 81 exports were ~22 KiB of it (bench/RESULTS.md, 2026-12-03:
// 1,000 bare instances, 24.7 KiB per instance with 81 exports, 4.7 KiB with 10).

import { Command, CoreOption, Query } from "./enums";
import {
  statFamilies, statSkippedLines, statBytes, statDuplicates, statEvicted, statSeries, statLabelArenaBytes,
  statLabelTextBytes, statLabelPairs, statIndexBytes, statSymbolBytes, statSymbols,
} from "./stats";
import { histogramCount, setHistogramOptions, setEncodeHistograms } from "./histograms";
import { errorCode, errorLine, errorColumn, errorTextPtr, errorTextLen } from "./status";
import { snapshotLength, snapshotRefs, snapshotValues, snapshotTimestamps, staleCount, staleRefsPtr } from "./snapshot";
import { batchOutput, batchInput, batchCompressRw1, batchCompressRw2 } from "./batch";
import { init } from "./init";
import { setLimits } from "./limits";
import { begin, resumeFeed, finish, abortScrape } from "./scrape";
import { newSeriesCount, drop, rewriteBufferPtr, rewrite, targetLabels, autoResolve, forget, resolveDone } from "./resolve";
import { encodeBegin, encodeMetadataFrom, compressOutput, outputPtr, compressedPtr, requestSamples, metadataEntries, metadataNext } from "./encode";
import {
  restore, importSeries, importSample, importStale, importPrevious,
  seriesLastSeen, seriesRefLimit, currentEpoch, lastTimestamp, keepsPrevious, previousCount, previousRefsPtr,
} from "./rebuild";
import { reportSeries, reportTouch, reportSample, reportClear } from "./report";
import { setNhcb } from "./nhcb";
import { setCreatedTimestampZeroIngestion } from "./start-timestamps";
import { setEncodeExemplars } from "./rw1-exemplars";

/** The value `what` names (a Query); `arg` is the ref for SERIES_LAST_SEEN. NaN for an unknown `what`. */
function query(what: u32, arg: u32): f64 {
  switch (what) {
    case Query.STAT_FAMILIES: return statFamilies();
    case Query.STAT_SKIPPED_LINES: return statSkippedLines();
    case Query.STAT_BYTES: return statBytes();
    case Query.STAT_DUPLICATES: return statDuplicates();
    case Query.STAT_EVICTED: return statEvicted();
    case Query.STAT_SERIES: return statSeries();
    case Query.STAT_LABEL_ARENA_BYTES: return statLabelArenaBytes();
    case Query.STAT_LABEL_TEXT_BYTES: return statLabelTextBytes();
    case Query.STAT_LABEL_PAIRS: return statLabelPairs();
    case Query.STAT_INDEX_BYTES: return statIndexBytes();
    case Query.STAT_SYMBOL_BYTES: return statSymbolBytes();
    case Query.STAT_SYMBOLS: return statSymbols();
    case Query.HISTOGRAM_COUNT: return histogramCount();
    case Query.ERROR_CODE: return <f64>errorCode();
    case Query.ERROR_LINE: return errorLine();
    case Query.ERROR_COLUMN: return errorColumn();
    case Query.ERROR_TEXT_PTR: return <f64>errorTextPtr();
    case Query.ERROR_TEXT_LEN: return errorTextLen();
    case Query.SNAPSHOT_LENGTH: return snapshotLength();
    case Query.SNAPSHOT_REFS: return <f64>snapshotRefs();
    case Query.SNAPSHOT_VALUES: return <f64>snapshotValues();
    case Query.SNAPSHOT_TIMESTAMPS: return <f64>snapshotTimestamps();
    case Query.STALE_COUNT: return staleCount();
    case Query.STALE_REFS_PTR: return <f64>staleRefsPtr();
    case Query.NEW_SERIES_COUNT: return newSeriesCount();
    case Query.OUTPUT_PTR: return <f64>outputPtr();
    case Query.COMPRESSED_PTR: return <f64>compressedPtr();
    case Query.REQUEST_SAMPLES: return requestSamples();
    case Query.METADATA_ENTRIES: return metadataEntries();
    case Query.METADATA_NEXT: return metadataNext();
    case Query.SERIES_LAST_SEEN: return seriesLastSeen(arg);
    case Query.SERIES_REF_LIMIT: return seriesRefLimit();
    case Query.CURRENT_EPOCH: return currentEpoch();
    case Query.LAST_TIMESTAMP: return lastTimestamp();
    case Query.KEEPS_PREVIOUS: return keepsPrevious() ? 1 : 0;
    case Query.PREVIOUS_COUNT: return previousCount();
    case Query.PREVIOUS_REFS_PTR: return <f64>previousRefsPtr();
    case Query.BATCH_OUTPUT: return <f64>batchOutput();
  }
  return NaN;
}

/** Sets the option `option` names (a CoreOption) from up to four numbers; an unknown one is ignored. */
function setOption(option: u32, a: u32, b: u32, c: u32, d: i32): void {
  switch (option) {
    case CoreOption.HISTOGRAMS: setHistogramOptions(a != 0, b != 0, c, d); break;
    case CoreOption.ENCODE_HISTOGRAMS: setEncodeHistograms(a != 0); break;
    case CoreOption.ENCODE_EXEMPLARS: setEncodeExemplars(a != 0); break;
    case CoreOption.NHCB: setNhcb(a != 0); break;
    case CoreOption.CREATED_TIMESTAMP_ZERO_INGESTION: setCreatedTimestampZeroIngestion(a != 0); break;
  }
}

// @ts-ignore: decorator
@inline function u(x: f64): u32 { return <u32>x; } // saturating: NaN (an argument not passed) is 0
// @ts-ignore: decorator
@inline function flag(x: f64): bool { return <u32>x != 0; }

/** Does what `op` names (a Command) with a..f; its result, 0 when it has none, NaN for an unknown `op`. */
export function command(op: u32, a: f64, b: f64, c: f64, d: f64, e: f64, f: f64): f64 {
  switch (op) {
    case Command.QUERY: return query(u(a), u(b));
    case Command.SET_OPTION: setOption(u(a), u(b), u(c), u(d), <i32>e); return 0;
    case Command.INIT: init(u(a), u(b)); return 0;
    case Command.SET_LIMITS: setLimits(u(a), u(b), u(c), u(d), u(e), u(f)); return 0;
    case Command.BEGIN: begin(<u8>u(a), b, flag(c), flag(d), flag(e), u(f)); return 0;
    case Command.RESUME_FEED: return resumeFeed();
    case Command.FINISH: return finish();
    case Command.ABORT_SCRAPE: abortScrape(); return 0;
    case Command.DROP: drop(u(a)); return 0;
    case Command.REWRITE_BUFFER_PTR: return <f64>rewriteBufferPtr(u(a));
    case Command.REWRITE: rewrite(u(a), u(b)); return 0;
    case Command.TARGET_LABELS: targetLabels(u(a), u(b), flag(c)); return 0;
    case Command.AUTO_RESOLVE: return autoResolve(u(a), u(b));
    case Command.FORGET: forget(u(a)); return 0;
    case Command.RESOLVE_DONE: return resolveDone();
    case Command.ENCODE_BEGIN: encodeBegin(<u8>u(a), u(b), flag(c)); return 0;
    case Command.ENCODE_METADATA_FROM: return encodeMetadataFrom(u(a), u(b));
    case Command.COMPRESS_OUTPUT: return compressOutput();
    case Command.RESTORE: restore(u(a), b); return 0;
    case Command.IMPORT_SERIES: return importSeries(u(a), <u8>u(b), u(c));
    case Command.IMPORT_SAMPLE: importSample(u(a), b, c); return 0;
    case Command.IMPORT_STALE: importStale(u(a)); return 0;
    case Command.IMPORT_PREVIOUS: importPrevious(u(a)); return 0;
    case Command.REPORT_SERIES: return reportSeries(u(a));
    case Command.REPORT_TOUCH: reportTouch(); return 0;
    case Command.REPORT_SAMPLE: reportSample(u(a), b); return 0;
    case Command.REPORT_CLEAR: reportClear(); return 0;
    case Command.BATCH_INPUT: return <f64>batchInput(u(a));
    case Command.BATCH_COMPRESS_RW1: return batchCompressRw1(u(a));
    case Command.BATCH_COMPRESS_RW2: return batchCompressRw2(u(a), u(b));
  }
  return NaN;
}
