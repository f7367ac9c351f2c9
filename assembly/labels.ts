// A new key's label set, parsed in full: the metric name (bare or quoted, before the braces or
// inside them), each label unescaped and validated, the label limits checked label by label,
// then sorted by name and encoded as the series' remote-write 1.0 `repeated Label` bytes
// (`encoded`). Runs once per series; a known series never comes here (line.ts).
//
// Entries are 16 bytes { nameOffset u32, nameLen u32, valueOffset u32, valueLen u32 } into
// `scratch`, where names and values are unescaped; entry 0 is the metric name, whose nameOffset
// is METRIC_NAME_ENTRY (its name is `__name__`, not in `scratch`).

import { ByteBuffer, INITIAL_BUFFER_BYTES } from "./buffer";
import { Char, isNameChar, isLabelStart, isLabelChar } from "./chars";
import { Format } from "./enums";
import { ErrorCode } from "./status";
import { format, fail, failCame } from "./scrape-state";
import { skipBlanks, unquote, validUtf8 } from "./tokens";
import { labelCountFits, labelLengthError } from "./limits";
import { sortLabelEntries, METRIC_NAME_ENTRY } from "./labelsort";
import { labelSize, writeLabel } from "./label";

/** Unescaped names and values of the label set being parsed (also the exemplar parser's). */
export let scratch: ByteBuffer = changetype<ByteBuffer>(0);
let entries: ByteBuffer = changetype<ByteBuffer>(0);
let order: ByteBuffer = changetype<ByteBuffer>(0);
/** The label set as sorted remote-write 1.0 labels (encodeLabelSet). */
export let encoded: ByteBuffer = changetype<ByteBuffer>(0);
/** `__name__`, the metric name entry's name. */
let nameLabel: usize = 0;

export function initLabels(): void {
  scratch = ByteBuffer.create(INITIAL_BUFFER_BYTES);
  entries = ByteBuffer.create(256);
  order = ByteBuffer.create(64);
  encoded = ByteBuffer.create(INITIAL_BUFFER_BYTES);
  nameLabel = heap.alloc(8);
  const name = "__name__";
  for (let i = 0; i < 8; i++) store<u8>(nameLabel + i, <u8>name.charCodeAt(i));
}

/**
 * Parses the label set of the key [keyStart, keyEnd) into entries. Returns false on error
 * (reported). With `checkLimits`, the label limits (limits.ts) are checked label by label, so
 * that a line of 20,000 labels stops at the first one over label_limit, before anything is
 * sorted or interned.
 */
export function parseLabels(keyStart: usize, keyEnd: usize, checkLimits: bool = true): bool {
  scratch.clear();
  entries.clear();
  // Labels with a value (an empty value is an absent label), the metric name included.
  let labelCount: u32 = 1;
  let p = keyStart;
  let c = <u32>load<u8>(p);
  // The metric name, bare or quoted, before the braces.
  if (c != Char.OPEN_BRACE) {
    addNameEntry();
    const nameOffset = scratch.length;
    if (c == Char.QUOTE) {
      p = unquote(p, keyEnd, scratch);
      if (p == 0) return false;
    } else {
      const start = p;
      while (p < keyEnd && isNameChar(load<u8>(p))) p++;
      scratch.pushBytes(start, <u32>(p - start));
    }
    setEntryValue(0, nameOffset, scratch.length - nameOffset);
    p = skipBlanks(p, keyEnd);
  }
  if (p == keyEnd) return checkHasName(keyStart) && metricNameFits(keyStart, checkLimits);
  // p is at '{'.
  p++;
  let first = true;
  while (true) {
    p = skipBlanks(p, keyEnd);
    if (p >= keyEnd) return fail(ErrorCode.EXPECTED_COMMA_OR_BRACE, p);
    c = load<u8>(p);
    if (c == Char.CLOSE_BRACE) {
      if (!first && format == Format.OPENMETRICS && load<u8>(p - 1) == Char.COMMA) return fail(ErrorCode.INVALID_LABEL_NAME, p);
      break;
    }
    if (!first) {
      // after a label: ',' then the next label (a trailing comma is fine in text format)
      if (c != Char.COMMA) return fail(ErrorCode.EXPECTED_COMMA_OR_BRACE, p);
      p = skipBlanks(p + 1, keyEnd);
      if (p >= keyEnd) return fail(ErrorCode.EXPECTED_COMMA_OR_BRACE, p);
      c = load<u8>(p);
      if (c == Char.CLOSE_BRACE) {
        if (format == Format.OPENMETRICS) return fail(ErrorCode.INVALID_LABEL_NAME, p);
        break;
      }
    }
    first = false;
    // Label name (bare or quoted); a quoted string alone is the metric name: {"my.metric", ...}
    const labelAt = p;
    const nameOffset = scratch.length;
    let quotedName = false;
    if (c == Char.QUOTE) {
      p = unquote(p, keyEnd, scratch);
      if (p == 0) return false;
      quotedName = true;
      if (!validUtf8(scratch.data + nameOffset, scratch.length - nameOffset)) return failCame(ErrorCode.INVALID_UTF8, p, scratch.data + nameOffset, scratch.data + scratch.length);
    } else {
      if (!isLabelStart(c)) return fail(ErrorCode.INVALID_LABEL_NAME, p);
      const start = p;
      while (p < keyEnd && isLabelChar(load<u8>(p))) p++;
      scratch.pushBytes(start, <u32>(p - start));
    }
    const nameLen = scratch.length - nameOffset;
    p = skipBlanks(p, keyEnd);
    if (p >= keyEnd) return fail(ErrorCode.EXPECTED_EQUAL, p);
    c = load<u8>(p);
    if (quotedName && (c == Char.COMMA || c == Char.CLOSE_BRACE)) {
      // The metric name inside the braces.
      if (entries.length != 0 && load<u32>(entries.data) == METRIC_NAME_ENTRY) return fail(ErrorCode.INVALID_METRIC_NAME, p);
      if (nameLen == 0) return fail(ErrorCode.INVALID_METRIC_NAME, p);
      // Move it to entry 0.
      const nameEntryOffset = entries.length;
      addNameEntry();
      setEntryValue(nameEntryOffset >> 4, nameOffset, nameLen);
      moveEntryFirst(nameEntryOffset);
      continue;
    }
    if (nameLen == 0) return fail(ErrorCode.INVALID_LABEL_NAME, p);
    if (c != Char.EQUAL) return fail(ErrorCode.EXPECTED_EQUAL, p);
    p = skipBlanks(p + 1, keyEnd);
    if (p >= keyEnd || load<u8>(p) != Char.QUOTE) return fail(ErrorCode.EXPECTED_LABEL_VALUE, p);
    const valueOffset = scratch.length;
    p = unquote(p, keyEnd, scratch);
    if (p == 0) return false;
    const valueLen = scratch.length - valueOffset;
    if (!validUtf8(scratch.data + valueOffset, valueLen)) return failCame(ErrorCode.INVALID_UTF8, p, scratch.data + valueOffset, scratch.data + scratch.length);
    if (checkLimits && valueLen != 0) {
      if (!labelCountFits(++labelCount)) return fail(ErrorCode.LABEL_LIMIT, labelAt);
      const lengthError = labelLengthError(nameLen, valueLen);
      if (lengthError != ErrorCode.NONE) return fail(lengthError, labelAt);
    }
    entries.pushU32(nameOffset);
    entries.pushU32(nameLen);
    entries.pushU32(valueOffset);
    entries.pushU32(valueLen);
  }
  return checkHasName(keyStart) && metricNameFits(keyStart, checkLimits);
}

/**
 * For a reader that decodes labels itself (the protobuf exposition): starts a label set whose
 * metric name, written by the caller at [nameOffset, nameOffset + nameLen) in `scratch`, is entry 0.
 */
export function beginLabelEntries(): void {
  scratch.clear();
  entries.clear();
  addNameEntry();
}

/** Sets the metric name entry's value (bytes already in `scratch`). */
export function setMetricNameEntry(offset: u32, len: u32): void { setEntryValue(0, offset, len); }

/** Adds a label whose name and value are already in `scratch`. */
export function addLabelEntry(nameOffset: u32, nameLen: u32, valueOffset: u32, valueLen: u32): void {
  entries.pushU32(nameOffset);
  entries.pushU32(nameLen);
  entries.pushU32(valueOffset);
  entries.pushU32(valueLen);
}

/** The label length limits on `__name__` and its value, the metric name (entry 0). */
function metricNameFits(keyStart: usize, checkLimits: bool): bool {
  if (!checkLimits) return true;
  const lengthError = labelLengthError(8, load<u32>(entries.data, 12));
  return lengthError == ErrorCode.NONE || fail(lengthError, keyStart);
}

/** Adds the metric name's entry, its value not known yet. */
function addNameEntry(): void {
  entries.pushU32(METRIC_NAME_ENTRY);
  entries.pushU32(8);
  entries.pushU32(0);
  entries.pushU32(0);
}
function setEntryValue(i: u32, offset: u32, len: u32): void {
  store<u32>(entries.data + (<usize>i << 4), offset, 8);
  store<u32>(entries.data + (<usize>i << 4), len, 12);
}
function moveEntryFirst(at: u32): void {
  const tmp0 = load<u64>(entries.data + at);
  const tmp1 = load<u64>(entries.data + at, 8);
  memory.copy(entries.data + 16, entries.data, at);
  store<u64>(entries.data, tmp0);
  store<u64>(entries.data, tmp1, 8);
}
function checkHasName(keyStart: usize): bool {
  if (entries.length == 0 || load<u32>(entries.data) != METRIC_NAME_ENTRY) return fail(ErrorCode.INVALID_METRIC_NAME, keyStart);
  return true;
}

// @ts-ignore: decorator
@inline function entryNamePtr(e: usize): usize {
  const off = load<u32>(e);
  return off == METRIC_NAME_ENTRY ? nameLabel : scratch.data + off;
}

/** Whether entries a and b have the same name. */
function sameName(a: usize, b: usize): bool {
  const len = load<u32>(a, 4);
  return len == load<u32>(b, 4) && memory.compare(entryNamePtr(a), entryNamePtr(b), <usize>len) == 0;
}

/**
 * Sorts the parsed labels by name and encodes them into `encoded`, leaving out labels with empty
 * values (an empty value is an absent label, as in Prometheus). Returns false on error
 * (reported at the key): a name twice, a metric name that is not UTF-8.
 */
export function encodeLabelSet(keyStart: usize): bool {
  const count = entries.length >> 4;
  sortLabelEntries(entries.data, count, scratch.data, nameLabel, order);
  encoded.clear();
  for (let k: u32 = 0; k < count; k++) {
    const e = entries.data + (<usize>load<u32>(order.data + (<usize>k << 2)) << 4);
    const nameLen = load<u32>(e, 4);
    const namePtr = entryNamePtr(e);
    if (k > 0) {
      const prev = entries.data + (<usize>load<u32>(order.data + (<usize>(k - 1) << 2)) << 4);
      if (sameName(prev, e)) return failCame(ErrorCode.DUPLICATE_LABEL, keyStart, namePtr, namePtr + nameLen);
    }
    const valueLen = load<u32>(e, 12);
    if (valueLen == 0) continue;
    const valuePtr = scratch.data + load<u32>(e, 8);
    const at = encoded.reserve(labelSize(nameLen, valueLen));
    encoded.length += <u32>(writeLabel(at, namePtr, nameLen, valuePtr, valueLen) - at);
  }
  const metricName = scratch.data + load<u32>(entries.data, 8); // entry 0 is __name__
  const metricNameLen = load<u32>(entries.data, 12);
  if (!validUtf8(metricName, metricNameLen)) return failCame(ErrorCode.INVALID_UTF8, keyStart, metricName, metricName + metricNameLen);
  return true;
}
