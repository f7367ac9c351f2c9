// Counters and sizes the host reports (Core.finish's summary, Core.memoryStats, self metrics).
// Byte counts go out as f64: u64 would need BigInt on the host.

import { countFamilies } from "./families";
import { skippedLines, bytesConsumed, evictedCount } from "./scrape";
import { duplicateSamples } from "./scrape-state";
import { seriesCount, labelArenaBytes, labelTextBytes, indexBytes } from "./series";
import { pairCount } from "./pairs";
import { symbolBytes, symbolCount } from "./symbols";

export function statFamilies(): u32 { return countFamilies(); }
export function statSkippedLines(): u32 { return skippedLines; }
export function statBytes(): f64 { return bytesConsumed; }
export function statDuplicates(): u32 { return duplicateSamples; }
export function statEvicted(): u32 { return evictedCount; }
export function statSeries(): u32 { return seriesCount(); }
export function statLabelArenaBytes(): f64 { return <f64>labelArenaBytes(); }
export function statLabelTextBytes(): f64 { return <f64>labelTextBytes(); }
export function statLabelPairs(): u32 { return pairCount(); }
export function statIndexBytes(): f64 { return <f64>indexBytes(); }
export function statSymbolBytes(): f64 { return <f64>symbolBytes(); }
export function statSymbols(): u32 { return symbolCount(); }
