// Exemplars a Prometheus agent would not write again: one equal to its series' latest exemplar
// (tsdb/agent/db.go AppendExemplar: validateExemplar's GetLatestExemplar + exemplar.Equals:
// same labels, same value, and the same timestamp when either has one of its own). client_golang
// repeats a counter's exemplar on every scrape until a new one is observed; Prometheus sends it
// once. finish() marks such records (EXEMPLAR_DUPLICATE at offset 12 of the record) and both
// encoders leave them out. Kept per ref only once a scrape has had an exemplar:
// { labels hash u64, value f64, timestamp f64 (NaN: none of its own) }; a new or reused ref starts empty.

import { ByteBuffer } from "./buffer";
import { exemplars, EXEMPLAR_SIZE, refs, newRefs } from "./snapshot";
import { scrapeArena } from "./families";
import { hash64 } from "./hash";

/** Offset 12 of an exemplar record: 1 when it repeats its series' latest exemplar. */
export const EXEMPLAR_DUPLICATE: u32 = 1;

const LATEST_SIZE: u32 = 24;
const EXEMPLAR_SEED: u64 = 0x4558454D;
let latest: ByteBuffer = changetype<ByteBuffer>(0);

function latestSlot(ref: u32): usize {
  const need = (ref + 1) * LATEST_SIZE;
  if (latest.length < need) {
    const at = latest.reserve(need - latest.length);
    memory.fill(at, 0, need - latest.length);
    latest.length = need;
  }
  return latest.data + <usize>ref * LATEST_SIZE;
}

/** End of a scrape (finish): marks the exemplars that repeat their series' latest one, and records the latest. */
export function markDuplicateExemplars(): void {
  const n = exemplars.length / EXEMPLAR_SIZE;
  if (changetype<usize>(latest) == 0) {
    if (n == 0) return;
    latest = ByteBuffer.create(1024);
  }
  // A ref created by this scrape may be a reused one: it has no latest exemplar.
  const created = newRefs.length >> 2;
  for (let k: u32 = 0; k < created; k++) {
    const ref = load<u32>(newRefs.data + (<usize>k << 2));
    if ((ref + 1) * LATEST_SIZE <= latest.length) memory.fill(latest.data + <usize>ref * LATEST_SIZE, 0, LATEST_SIZE);
  }
  for (let k: u32 = 0; k < n; k++) {
    const e = exemplars.data + <usize>k * EXEMPLAR_SIZE;
    const ref = load<u32>(refs.data + (<usize>load<u32>(e) << 2));
    // 0 is no exemplar yet: a hash of 0 is taken as 1.
    let h = hash64(scrapeArena.data + <usize>load<u32>(e, 4), load<u32>(e, 8), EXEMPLAR_SEED);
    if (h == 0) h = 1;
    const value = load<f64>(e, 16);
    const ts = load<f64>(e, 24);
    const slot = latestSlot(ref);
    const lastTs = load<f64>(slot, 16);
    const sameTs = (isNaN(ts) && isNaN(lastTs)) || ts == lastTs;
    if (load<u64>(slot) == h && load<f64>(slot, 8) == value && sameTs) {
      store<u32>(e, EXEMPLAR_DUPLICATE, 12);
      continue;
    }
    store<u64>(slot, h);
    store<f64>(slot, value, 8);
    store<f64>(slot, ts, 16);
  }
}

/** Whether the exemplar record `e` repeats its series' latest exemplar (left out of requests). */
// @ts-ignore: decorator
@inline export function isDuplicateExemplar(e: usize): bool { return load<u32>(e, 12) == EXEMPLAR_DUPLICATE; }
