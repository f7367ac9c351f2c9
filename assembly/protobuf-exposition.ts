// The protobuf exposition (Content-Type application/vnd.google.protobuf;
// proto=io.prometheus.client.MetricFamily; encoding=delimited) as a stream: a sequence of
// [varint length][MetricFamily], cut anywhere by the chunks of the body.
//
// The unit the input window must hold whole is one field of a MetricFamily (a family can be
// megabytes: cAdvisor's hold a Metric per container), so the window's limit (maxLineBytes) reads
// "the longest line or Metric message". scrape.ts feeds units to protobufUnit() as it feeds
// lines to parseLine(): a unit not complete in the window is carried over to the next chunk.
//
// Per family: name (1), help (2) and type (3) are kept aside until the first Metric (4), which
// creates the family record (a family without metrics is skipped, metadata included, as
// Prometheus does); unit (5) may come after the metrics (Go and Java write fields in number
// order). A name or type after the family's metrics would need the family buffered whole: no
// writer does that, and it fails the scrape (PROTOBUF_FIELD_ORDER) instead.
//
// Errors: the "line" of an error is the MetricFamily's number in the page (1-based), the column
// the byte within the family message (after its length prefix), 1-based.

import { ByteBuffer } from "./buffer";
import { ErrorCode } from "./status";
import { hash64, Seed } from "./hash";
import { validUtf8 } from "./tokens";
import { setLineStart, bumpLine, setCurrentFamily, failHere, failCame } from "./scrape-state";
import {
  Family, MetricType, NO_FAMILY, F_TYPE, F_HELP, F_UNIT, F_DECLARED, F_SAMPLES, scrapeArena, familyAt, findFamily, addFamily,
} from "./families";
import { Wire, wireBad } from "./pbwire";
import { parseMetric, metricFamilyStarts } from "./protobuf-metric";

/** What protobufUnit() did with the bytes it was given. */
export const enum Unit {
  /** A unit was consumed: the next one starts at unitEnd. */
  DONE = 0,
  /** The unit at p is not complete before `end`: carry it over to the next chunk. */
  MORE = 1,
  /** An error was reported; unitEnd is where a skipping scrape goes on (0: it cannot). */
  ERROR = 2,
}

export let unitEnd: usize = 0;

/** Bytes of the current family still to come (0: between families). */
let familyLeft: u64 = 0;
/** Bytes of the current family consumed by earlier units (error columns count from its start). */
let familyDone: u32 = 0;
let inFamily: bool = false;
/** The family record once its first Metric came (NO_FAMILY before). */
let familyIndex: u32 = NO_FAMILY;
let familyType: i32 = 0;
let familyName: ByteBuffer = changetype<ByteBuffer>(0);
let familyHelp: ByteBuffer = changetype<ByteBuffer>(0);
let familyUnit: ByteBuffer = changetype<ByteBuffer>(0);
let sawHelp: bool = false;
let sawUnit: bool = false;

/** The family's type as the exposition numbers it (MetricType of client_model: COUNTER 0 ... GAUGE_HISTOGRAM 5). */
export const enum PbType { COUNTER = 0, GAUGE = 1, SUMMARY = 2, UNTYPED = 3, HISTOGRAM = 4, GAUGE_HISTOGRAM = 5 }

/** The family being read: its name and the hash of its name, and its type. */
export let currentName: usize = 0;
export let currentNameLen: u32 = 0;
export let currentNameHash: u64 = 0;
export let currentType: i32 = 0;

export function resetProtobuf(): void {
  if (changetype<usize>(familyName) == 0) {
    familyName = ByteBuffer.create(256);
    familyHelp = ByteBuffer.create(256);
    familyUnit = ByteBuffer.create(64);
  }
  familyLeft = 0;
  familyDone = 0;
  inFamily = false;
}

/** Whether the page may end here (not inside a family). */
export function protobufAtBoundary(): bool { return !inFamily; }

function startFamily(length: u64): void {
  inFamily = true;
  familyLeft = length;
  familyDone = 0;
  familyIndex = NO_FAMILY;
  familyType = PbType.COUNTER; // absent: the enum's first value (proto3 writers leave it out)
  familyName.clear();
  familyHelp.clear();
  familyUnit.clear();
  sawHelp = false;
  sawUnit = false;
}

/** The family message ended: its unit is applied (help too, when it came after the metrics). */
function endFamily(): void {
  inFamily = false;
  if (familyIndex != NO_FAMILY && sawUnit) setText(familyAt(familyIndex), false);
  bumpLine();
}

/** Copies the pending HELP (or UNIT) into the scrape arena for family `f`; a UNIT that is not UTF-8 is left out. */
function setText(f: Family, help: bool): void {
  const text = help ? familyHelp : familyUnit;
  if (text.length == 0 || !validUtf8(text.data, text.length)) {
    if (help) { f.helpLen = 0; f.flags &= ~F_HELP; } else { f.unitLen = 0; f.flags &= ~F_UNIT; }
    return;
  }
  const offset = scrapeArena.length;
  scrapeArena.pushBytes(text.data, text.length);
  if (help) { f.helpOffset = offset; f.helpLen = text.length; f.flags |= F_HELP; }
  else { f.unitOffset = offset; f.unitLen = text.length; f.flags |= F_UNIT; }
}

const TYPE_MAP: StaticArray<u8> = [
  <u8>MetricType.COUNTER, <u8>MetricType.GAUGE, <u8>MetricType.SUMMARY, <u8>MetricType.UNKNOWN,
  <u8>MetricType.HISTOGRAM, <u8>MetricType.GAUGEHISTOGRAM,
];

/** The first Metric of the family: its name, help and type are checked, its record made. */
function openFamily(at: usize): bool {
  const nameLen = familyName.length;
  if (nameLen == 0) return failHere(ErrorCode.INVALID_METRIC_NAME, at);
  if (!validUtf8(familyName.data, nameLen)) return failCame(ErrorCode.INVALID_UTF8, at, familyName.data, familyName.data + nameLen);
  if (familyHelp.length != 0 && !validUtf8(familyHelp.data, familyHelp.length)) {
    return failCame(ErrorCode.INVALID_UTF8, at, familyHelp.data, familyHelp.data + familyHelp.length);
  }
  if (familyType < 0 || familyType > PbType.GAUGE_HISTOGRAM) return failHere(ErrorCode.INVALID_TYPE, at);
  const nameHash = hash64(familyName.data, nameLen, Seed.NAME);
  let f = findFamily(nameHash);
  if (f == NO_FAMILY) f = addFamily(nameHash, familyName.data, nameLen);
  const fam = familyAt(f);
  fam.type = TYPE_MAP[familyType];
  fam.flags |= F_TYPE | F_DECLARED | F_SAMPLES;
  setText(fam, true);
  familyIndex = f;
  setCurrentFamily(f);
  currentName = familyName.data;
  currentNameLen = nameLen;
  currentNameHash = nameHash;
  currentType = familyType;
  metricFamilyStarts(f);
  return true;
}

// A varint header read at the stream level: it may be cut by the end of the chunk (MORE) or
// run past its message (bad).
let headerValue: u64 = 0;
let headerEnd: usize = 0;
const HEADER_OK: i32 = 0;
const HEADER_MORE: i32 = 1;
const HEADER_BAD: i32 = 2;

function readHeader(p: usize, end: usize, limit: usize, maxBytes: u32): i32 {
  let v: u64 = 0;
  let shift: u64 = 0;
  for (let i: u32 = 0; i < maxBytes; i++) {
    if (p >= limit) return HEADER_BAD;
    if (p >= end) return HEADER_MORE;
    const b = <u64>load<u8>(p++);
    v |= (b & 0x7F) << shift;
    if (b < 0x80) {
      headerValue = v;
      headerEnd = p;
      return HEADER_OK;
    }
    shift += 7;
  }
  return HEADER_BAD;
}

/** Reports a malformed page at `at`; returns Unit.ERROR (a scrape cannot go on after it). */
function malformed(at: usize): Unit {
  failHere(ErrorCode.INVALID_PROTOBUF, at);
  unitEnd = 0;
  return Unit.ERROR;
}

/**
 * Reads the unit at p (bytes up to `end` available): a family's length prefix, or one field of
 * the family. Returns what it did; unitEnd is where the next unit starts.
 */
export function protobufUnit(p: usize, end: usize): Unit {
  if (!inFamily) {
    // The length prefix: at most 5 bytes (Prometheus reads it as a 32-bit varint).
    setLineStart(p);
    const r = readHeader(p, end, <usize>-1, 5);
    if (r == HEADER_MORE) return Unit.MORE;
    if (r == HEADER_BAD || headerValue > 0xFFFFFFFF) return malformed(p);
    startFamily(headerValue);
    unitEnd = headerEnd;
    if (headerValue == 0) endFamily();
    return Unit.DONE;
  }
  // Columns count from the family message's first byte.
  setLineStart(p - <usize>familyDone);
  const limit = p + <usize>familyLeft;
  let r = readHeader(p, end, limit, 10);
  if (r == HEADER_MORE) return Unit.MORE;
  if (r == HEADER_BAD) return malformed(p);
  const tag = headerValue;
  const field = tag >> 3;
  const wt = <u32>tag & 7;
  let q = headerEnd;
  let valueEnd: usize = 0;
  let lenStart: usize = 0;
  if (wt == Wire.LEN) {
    r = readHeader(q, end, limit, 10);
    if (r == HEADER_MORE) return Unit.MORE;
    if (r == HEADER_BAD || headerValue > <u64>(limit - headerEnd)) return malformed(q);
    lenStart = headerEnd;
    valueEnd = headerEnd + <usize>headerValue;
  } else if (wt == Wire.VARINT) {
    r = readHeader(q, end, limit, 10);
    if (r == HEADER_MORE) return Unit.MORE;
    if (r == HEADER_BAD) return malformed(q);
    valueEnd = headerEnd;
  } else if (wt == Wire.I64 || wt == Wire.I32) {
    valueEnd = q + (wt == Wire.I64 ? 8 : 4);
    if (valueEnd > limit) return malformed(q);
  } else {
    return malformed(p);
  }
  if (valueEnd > end) return Unit.MORE;
  unitEnd = valueEnd;
  let ok = true;
  if (wt == Wire.LEN) {
    const len = <u32>(valueEnd - lenStart);
    if (field == 4) {
      ok = (familyIndex != NO_FAMILY || openFamily(p)) && parseMetric(lenStart, valueEnd);
    } else if (field == 1 || field == 2 || field == 5) {
      if (field == 1 && familyIndex != NO_FAMILY) ok = failHere(ErrorCode.PROTOBUF_FIELD_ORDER, p);
      else {
        const into = field == 1 ? familyName : field == 2 ? familyHelp : familyUnit;
        into.clear();
        into.pushBytes(lenStart, len);
        if (field == 2) {
          sawHelp = true;
          if (familyIndex != NO_FAMILY) setText(familyAt(familyIndex), true);
        }
        if (field == 5) sawUnit = true;
      }
    }
  } else if (wt == Wire.VARINT && field == 3) {
    if (familyIndex != NO_FAMILY) ok = failHere(ErrorCode.PROTOBUF_FIELD_ORDER, p);
    else familyType = <i32>headerValue;
  }
  const consumed = <u32>(valueEnd - p);
  familyDone += consumed;
  familyLeft -= <u64>consumed;
  if (familyLeft == 0) endFamily();
  if (!ok) {
    // A Metric that failed (labels) can be skipped; a family that cannot be read cannot.
    if (field != 4 || wireBad) unitEnd = 0;
    return Unit.ERROR;
  }
  return Unit.DONE;
}
