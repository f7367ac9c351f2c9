// The remote-write `Label` message as the core stores every label: an element of `repeated
// Label` (TimeSeries.labels = 1: tag, length) holding the name (Label.name = 1) and the value
// (Label.value = 2). The one place it is encoded and decoded; the host's twin is
// src/core/labels.ts.
//
//   0x0A len(label)  0x0A len(name) name  0x12 len(value) value

import { writeLenPrefix, writeBytesField, readVarint, varintEnd, bytesFieldSize } from "./protobuf";
import { TimeSeriesTag, LabelTag } from "./rwschema";

/** Bytes of one encoded label with a name and a value of these lengths (framing included). */
// @ts-ignore: decorator
@inline export function labelSize(nameLen: u32, valueLen: u32): u32 {
  return bytesFieldSize(bytesFieldSize(nameLen) + bytesFieldSize(valueLen));
}

/** Writes one label at `w` (labelSize bytes); returns the address after it. */
export function writeLabel(w: usize, name: usize, nameLen: u32, value: usize, valueLen: u32): usize {
  w = writeLenPrefix(w, <u8>TimeSeriesTag.LABELS, bytesFieldSize(nameLen) + bytesFieldSize(valueLen));
  w = writeBytesField(w, <u8>LabelTag.NAME, name, nameLen);
  return writeBytesField(w, <u8>LabelTag.VALUE, value, valueLen);
}

// The label read by the last readLabel().
export let labelName: usize = 0;
export let labelNameLen: u32 = 0;
export let labelValue: usize = 0;
export let labelValueLen: u32 = 0;

/**
 * Reads the label at `p` (our own encoding: well formed) into labelName/labelNameLen and
 * labelValue/labelValueLen; returns the address after it.
 */
export function readLabel(p: usize): usize {
  readVarint(p + 1);
  labelNameLen = readVarint(varintEnd + 1);
  labelName = varintEnd;
  labelValueLen = readVarint(labelName + labelNameLen + 1);
  labelValue = varintEnd;
  return labelValue + labelValueLen;
}

/** Where the label at `p` ends, without reading it. */
// @ts-ignore: decorator
@inline export function skipLabel(p: usize): usize {
  const len = readVarint(p + 1);
  return varintEnd + len;
}

/** Byte order of the names of the labels at a and b (then the shorter first). */
export function compareLabelNamesAt(a: usize, b: usize): i32 {
  readLabel(a);
  const name = labelName;
  const nameLen = labelNameLen;
  readLabel(b);
  const c = memory.compare(name, labelName, <usize>min<u32>(nameLen, labelNameLen));
  return c != 0 ? c : <i32>nameLen - <i32>labelNameLen;
}

/** Labels in the `repeated Label` bytes at [p, p+len). */
export function countLabels(p: usize, len: u32): u32 {
  const end = p + len;
  let count: u32 = 0;
  while (p < end) {
    p = skipLabel(p);
    count++;
  }
  return count;
}
