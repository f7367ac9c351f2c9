// The core's getters and option setters, each as one export (`query`, `setOption`) instead of one
// export apiece: V8 builds wrapper objects for every export of every instance, and a small target
// is one instance (enums.ts, Query). Nothing here is on a per-sample or per-series path.

import { CoreOption, Query } from "./enums";
import {
  statFamilies, statSkippedLines, statBytes, statDuplicates, statEvicted, statSeries, statLabelArenaBytes,
  statLabelTextBytes, statLabelPairs, statIndexBytes, statSymbolBytes, statSymbols,
} from "./stats";
import { histogramCount, setHistogramOptions, setEncodeHistograms } from "./histograms";
import { errorCode, errorLine, errorColumn, errorTextPtr, errorTextLen } from "./status";
import { snapshotLength, snapshotRefs, snapshotValues, snapshotTimestamps, staleCount, staleRefsPtr } from "./snapshot";
import { newSeriesCount } from "./resolve";
import { outputPtr, compressedPtr, requestSamples, metadataEntries, metadataNext } from "./encode";
import { seriesLastSeen, seriesRefLimit, currentEpoch, lastTimestamp, keepsPrevious, previousCount, previousRefsPtr } from "./rebuild";
import { batchOutput } from "./batch";
import { setNhcb } from "./nhcb";
import { setCreatedTimestampZeroIngestion } from "./start-timestamps";
import { setEncodeExemplars } from "./rw1-exemplars";

/** The value `what` names (a Query); `arg` is the ref for SERIES_LAST_SEEN. NaN for an unknown `what`. */
export function query(what: u32, arg: u32): f64 {
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
export function setOption(option: u32, a: u32, b: u32, c: u32, d: i32): void {
  switch (option) {
    case CoreOption.HISTOGRAMS: setHistogramOptions(a != 0, b != 0, c, d); break;
    case CoreOption.ENCODE_HISTOGRAMS: setEncodeHistograms(a != 0); break;
    case CoreOption.ENCODE_EXEMPLARS: setEncodeExemplars(a != 0); break;
    case CoreOption.NHCB: setNhcb(a != 0); break;
    case CoreOption.CREATED_TIMESTAMP_ZERO_INGESTION: setCreatedTimestampZeroIngestion(a != 0); break;
  }
}
