// Canonical key text: the key text a client writes for a label set (sorted, escaped, without
// empty values, as client_golang writes it): `name{a="1",b="2"}`, `name` alone without labels,
// names that need it quoted (`{"my.metric","la.bel"="1"}`). Distinct label sets give distinct
// texts. Its hash finds a series whatever spelling the page used (newseries.ts), and under
// either format's seed: canonical text means the same in both.

import { ByteBuffer, INITIAL_BUFFER_BYTES } from "./buffer";
import { Char, isLegacyName, isMetricNameLabel } from "./chars";
import { Format } from "./enums";
import { hash128, Seed } from "./hash";
import { insertKey } from "./series";
import { readLabel, labelName, labelNameLen, labelValue, labelValueLen } from "./label";

/** The canonical text of the last renderCanonical() call. */
export let rendered: ByteBuffer = changetype<ByteBuffer>(0);
/** Bit f: canonical keys were inserted with format f's seed (so lookups under it can hit). */
export let canonicalFormats: u8 = 0;

export function initCanonical(): void {
  rendered = ByteBuffer.create(INITIAL_BUFFER_BYTES);
}

/** The index key of the key text [p, p+len) under `format`'s seed. */
// @ts-ignore: decorator
@inline export function rawKey(p: usize, len: usize, format: Format): v128 {
  return hash128(p, len, <u64>Seed.RAW ^ <u64>format);
}

/** Canonical keys are now in the index under `format`'s seed. */
// @ts-ignore: decorator
@inline export function canonicalKeysIn(format: Format): void { canonicalFormats |= <u8>(1 << <u8>format); }

// The canonical key text is written to `rendered` (renderCanonical) or, when `matching`, only
// compared with the raw key text at [matchAt, matchEnd) (matchesCanonical): most lines are
// already canonical, and then nothing needs writing.
let matching: bool = false;
let matched: bool = true;
let matchAt: usize = 0;
let matchEnd: usize = 0;

// @ts-ignore: decorator
@inline function outBytes(p: usize, len: usize): void {
  if (!matching) rendered.pushBytes(p, <u32>len);
  else if (matched && matchAt + len <= matchEnd && memory.compare(matchAt, p, len) == 0) matchAt += len;
  else matched = false;
}

// @ts-ignore: decorator
@inline function outByte(c: u8): void {
  if (!matching) rendered.pushU8(c);
  else if (matched && matchAt < matchEnd && load<u8>(matchAt) == c) matchAt++;
  else matched = false;
}

/** [p, p+len) quoted, with \\, \" and \n escaped. */
function outQuoted(p: usize, len: u32): void {
  outByte(<u8>Char.QUOTE);
  const end = p + len;
  let from = p;
  // 16 bytes at a time while none needs escaping (label values rarely do).
  const backslash = i8x16.splat(<i8>Char.BACKSLASH);
  const quote = i8x16.splat(<i8>Char.QUOTE);
  const newline = i8x16.splat(<i8>Char.NEWLINE);
  while (p + 16 <= end) {
    const v = v128.load(p);
    if (v128.any_true(v128.or(v128.or(i8x16.eq(v, backslash), i8x16.eq(v, quote)), i8x16.eq(v, newline)))) break;
    p += 16;
  }
  while (p < end) {
    const c = load<u8>(p);
    if (c == Char.BACKSLASH || c == Char.QUOTE || c == Char.NEWLINE) {
      outBytes(from, <usize>(p - from));
      outByte(<u8>Char.BACKSLASH);
      outByte(c == Char.NEWLINE ? <u8>Char.LOWER_N : c);
      from = p + 1;
    }
    p++;
  }
  outBytes(from, <usize>(end - from));
  outByte(<u8>Char.QUOTE);
}

/** The canonical key text of the sorted remote-write 1.0 labels [labels, labels+len). */
function outCanonical(labels: usize, len: u32): void {
  const end = labels + len;
  // The metric name first.
  let p = labels;
  let name: usize = 0;
  let nameLen: u32 = 0;
  let others: u32 = 0;
  while (p < end) {
    p = readLabel(p);
    if (isMetricNameLabel(labelName, labelNameLen)) {
      name = labelValue;
      nameLen = labelValueLen;
    } else {
      others++;
    }
  }
  const legacy = isLegacyName(name, nameLen, true);
  if (legacy) outBytes(name, nameLen);
  if (legacy && others == 0) return;
  outByte(<u8>Char.OPEN_BRACE);
  let first = true;
  if (!legacy) { outQuoted(name, nameLen); first = false; }
  p = labels;
  while (p < end && (!matching || matched)) {
    p = readLabel(p);
    if (isMetricNameLabel(labelName, labelNameLen)) continue;
    if (!first) outByte(<u8>Char.COMMA);
    first = false;
    const value = labelValue;
    const valueLen = labelValueLen;
    if (isLegacyName(labelName, labelNameLen, false)) outBytes(labelName, labelNameLen);
    else outQuoted(labelName, labelNameLen);
    outByte(<u8>Char.EQUAL);
    outQuoted(value, valueLen);
  }
  outByte(<u8>Char.CLOSE_BRACE);
}

/** Writes the canonical key text of the labels [labels, labels+len) to `rendered`. */
export function renderCanonical(labels: usize, len: u32): void {
  rendered.clear();
  outCanonical(labels, len);
}

/** Whether the raw key text [raw, rawEnd) is exactly the canonical key text of the labels. */
export function matchesCanonical(labels: usize, len: u32, raw: usize, rawEnd: usize): bool {
  matching = true;
  matched = true;
  matchAt = raw;
  matchEnd = rawEnd;
  outCanonical(labels, len);
  matching = false;
  return matched && matchAt == matchEnd;
}

/** Inserts the canonical key of a series whose labels are [labels, labels+len) (Core.rebuild). */
export function insertCanonicalKey(ref: u32, labels: usize, len: u32): void {
  renderCanonical(labels, len);
  insertKey(ref, rawKey(rendered.data, rendered.length, Format.TEXT));
  canonicalKeysIn(Format.TEXT);
}
