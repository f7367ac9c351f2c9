// Sorting labels by name: a new series' (below) and an exemplar's (sortEncodedLabels). Label
// sets are small (a cAdvisor series has ~17), and an insertion sort is the fastest there; but a page may hold one line of tens of thousands of
// labels, and insertion sort is quadratic: 16,000 labels in reverse order took ~1.2 s, blocking
// the host's event loop (issue 10). Runs of up to INSERTION_RUN labels are insertion-sorted, then
// merged bottom-up: O(n log n) for any input, the same work as before for a normal series.
//
// Entries are parseLabels' (labels.ts): 16 bytes { nameOffset u32, nameLen u32, valueOffset u32,
// valueLen u32 }, names at `text + nameOffset`, except nameOffset 0xFFFFFFFF: `__name__`.

import { ByteBuffer, INITIAL_BUFFER_BYTES } from "./buffer";
import { compareLabelNamesAt, skipLabel } from "./label";

const INSERTION_RUN: u32 = 16;
/** An entry's nameOffset when it is the metric name: its name is `__name__`. */
export const METRIC_NAME_ENTRY: u32 = 0xFFFFFFFF;

let entries: usize = 0;
let text: usize = 0;
let metricNameLabel: usize = 0;
let merged: ByteBuffer = changetype<ByteBuffer>(0);

// @ts-ignore: decorator
@inline function namePtr(e: usize): usize {
  const offset = load<u32>(e);
  return offset == METRIC_NAME_ENTRY ? metricNameLabel : text + offset;
}

/** Compares the names of entries i and j (byte order, then length). */
function compare(i: u32, j: u32): i32 {
  const a = entries + (<usize>i << 4);
  const b = entries + (<usize>j << 4);
  const la = load<u32>(a, 4);
  const lb = load<u32>(b, 4);
  const c = memory.compare(namePtr(a), namePtr(b), <usize>min<u32>(la, lb));
  return c != 0 ? c : <i32>la - <i32>lb;
}

/**
 * Writes to `order` the `count` entry indices at `entryBase` sorted by name (`order` is cleared
 * first). `textBase` holds the names; `nameLabel` is the 8 bytes `__name__`.
 */
export function sortLabelEntries(entryBase: usize, count: u32, textBase: usize, nameLabel: usize, order: ByteBuffer): void {
  entries = entryBase;
  text = textBase;
  metricNameLabel = nameLabel;
  order.clear();
  const out = order.reserve(count << 2);
  order.length = count << 2;
  for (let i: u32 = 0; i < count; i++) store<u32>(out + (<usize>i << 2), i);
  // Runs of INSERTION_RUN, insertion-sorted in place.
  for (let start: u32 = 0; start < count; start += INSERTION_RUN) {
    insertionSort(out, start, min<u32>(start + INSERTION_RUN, count));
  }
  if (count <= INSERTION_RUN) return;
  // Bottom-up merges between `order` and a scratch buffer of the same size.
  if (changetype<usize>(merged) == 0) merged = ByteBuffer.create(INITIAL_BUFFER_BYTES);
  merged.clear();
  merged.reserve(count << 2);
  let from = out;
  let to = merged.data;
  for (let width = INSERTION_RUN; width < count; width <<= 1) {
    for (let left: u32 = 0; left < count; left += width << 1) {
      const middle = min<u32>(left + width, count);
      const right = min<u32>(left + (width << 1), count);
      merge(from, to, left, middle, right);
    }
    const swap = from;
    from = to;
    to = swap;
  }
  if (from != out) memory.copy(out, from, <usize>count << 2);
}

function insertionSort(order: usize, start: u32, end: u32): void {
  for (let i = start + 1; i < end; i++) {
    const e = load<u32>(order + (<usize>i << 2));
    let j = i;
    while (j > start) {
      const prev = load<u32>(order + (<usize>(j - 1) << 2));
      if (compare(prev, e) <= 0) break;
      store<u32>(order + (<usize>j << 2), prev);
      j--;
    }
    store<u32>(order + (<usize>j << 2), e);
  }
}

/** Merges the sorted runs [left, middle) and [middle, right) of `from` into `to`. */
function merge(from: usize, to: usize, left: u32, middle: u32, right: u32): void {
  let i = left;
  let j = middle;
  let k = left;
  while (i < middle && j < right) {
    const a = load<u32>(from + (<usize>i << 2));
    const b = load<u32>(from + (<usize>j << 2));
    if (compare(a, b) <= 0) { store<u32>(to + (<usize>k << 2), a); i++; }
    else { store<u32>(to + (<usize>k << 2), b); j++; }
    k++;
  }
  if (i < middle) memory.copy(to + (<usize>k << 2), from + (<usize>i << 2), <usize>(middle - i) << 2);
  else if (j < right) memory.copy(to + (<usize>k << 2), from + (<usize>j << 2), <usize>(right - j) << 2);
}

let labelStarts: ByteBuffer = changetype<ByteBuffer>(0);
let labelCopy: ByteBuffer = changetype<ByteBuffer>(0);

/**
 * Sorts the remote-write `repeated Label` bytes [p, p+len) by name, in place (exemplar labels:
 * a few, so an insertion sort). Returns false when two labels have the same name.
 */
export function sortEncodedLabels(p: usize, len: u32): bool {
  if (changetype<usize>(labelStarts) == 0) {
    labelStarts = ByteBuffer.create(64);
    labelCopy = ByteBuffer.create(256);
  }
  labelStarts.clear();
  const end = p + len;
  let at = p;
  while (at < end) {
    labelStarts.pushU32(<u32>(at - p));
    at = skipLabel(at);
  }
  const n = labelStarts.length >> 2;
  const starts = labelStarts.data;
  for (let i: u32 = 1; i < n; i++) {
    const e = load<u32>(starts + (<usize>i << 2));
    let j = i;
    while (j > 0) {
      const prev = load<u32>(starts + (<usize>(j - 1) << 2));
      const c = compareLabelNamesAt(p + prev, p + e);
      if (c == 0) return false;
      if (c < 0) break;
      store<u32>(starts + (<usize>j << 2), prev);
      j--;
    }
    store<u32>(starts + (<usize>j << 2), e);
  }
  labelCopy.clear();
  for (let i: u32 = 0; i < n; i++) {
    const label = p + load<u32>(starts + (<usize>i << 2));
    labelCopy.pushBytes(label, <u32>(skipLabel(label) - label));
  }
  memory.copy(p, labelCopy.data, len);
  return true;
}
