/**
 * What the host writes into a core: a job's target labels (merged by the core itself), and the
 * resolver's decisions on new series (keep, drop, or rewritten labels, encoded once). Each
 * series' labels are decoded for the resolver once, when it is new, never per sample.
 */
import type { CoreExports } from './wasm';
import { SeriesState } from './enums';
import { decodeLabels, encodeLabels } from './label-codec';
import type { NewSeries, NewSeriesResolver } from './types';
import type { Label } from '../labels';

/** A job's target and external labels, encoded (Core.setTargetLabels). */
export interface TargetLabelBytes {
  target: Uint8Array;
  external: Uint8Array;
  honorLabels: boolean;
}

/** Writes `length` bytes into the core's rewrite buffer (it may grow the memory: the view is taken after). */
function writeLabels(e: CoreExports, parts: readonly Uint8Array[]): number {
  const length = parts.reduce((sum, part) => sum + part.length, 0);
  let at = e.rewriteBufferPtr(length);
  const view = new Uint8Array(e.memory.buffer);
  for (const part of parts) {
    view.set(part, at);
    at += part.length;
  }
  return length;
}

/** Hands a core the target labels it merges into new series (undefined: none). */
export function setTargetLabelBytes(e: CoreExports, labels: TargetLabelBytes | undefined): void {
  if (labels === undefined) {
    e.targetLabels(0, 0, 0);
    return;
  }
  writeLabels(e, [labels.target, labels.external]);
  e.targetLabels(labels.target.length, labels.external.length, labels.honorLabels ? 1 : 0);
}

/** A series' labels (sorted, `__name__` included), decoded; [] for a dropped one. */
export function seriesLabels(e: CoreExports, ref: number): Label[] {
  const ptr = e.labelsPtr(ref);
  if (ptr === 0) return [];
  return decodeLabels(new Uint8Array(e.memory.buffer, ptr, e.labelsLen(ref)));
}

/**
 * The new series [start, end) of the scrape: the core merges target labels into those it can
 * (`autoResolve`), `resolve` decides the rest (their labels read with `labelsOf`: Core.labelsOf),
 * and its decisions are handed to the core.
 */
export function resolveNewSeries(
  e: CoreExports, resolve: NewSeriesResolver, start: number, end: number, autoResolve: boolean, labelsOf: (ref: number) => Label[],
): void {
  const pending = autoResolve ? e.autoResolve(start, end) : end - start;
  if (pending === 0) return;
  const batch: NewSeries[] = new Array(pending);
  let n = 0;
  for (let i = start; i < end; i++) {
    const ref = e.newSeriesRef(i);
    if (pending !== end - start && e.seriesState(ref) !== SeriesState.PENDING) continue;
    batch[n++] = { ref, labels: labelsOf(ref) };
  }
  const decisions = resolve(batch);
  if (!decisions) return;
  for (let i = 0; i < batch.length; i++) {
    const decision = decisions[i];
    const ref = batch[i].ref;
    if (decision === undefined || decision.action === 'keep') e.keep(ref);
    else if (decision.action === 'drop') e.drop(ref);
    else e.rewrite(ref, writeLabels(e, [encodeLabels(decision.labels)]));
  }
}
