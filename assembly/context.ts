// Contexts: several targets' cores in one instance (src/core/core-pool.ts). A context is the
// values of every mutable global, saved and loaded by `contextSave`/`contextLoad`, which
// scripts/wasm-contexts.js adds to the release build after compiling, and the runs of pages its
// heap took from the instance's pool (runtime/pages.ts).

import { ownedPages, freePages } from "./runtime/pages";
import { releaseHeap } from "./runtime/tlsf";

/** Bytes of memory the current context's heap holds (its memory limit counts these). */
export function contextBytes(): f64 { return <f64>ownedPages() * 65536; }
/** Bytes of the instance's pool free for any context. */
export function poolFreeBytes(): f64 { return <f64>freePages() * 65536; }
// Where the host saves and loads a context's globals (contextSave/contextLoad): 1,264 bytes today.
const SCRATCH_BYTES: u32 = 4096;
const scratch: usize = memory.data(SCRATCH_BYTES);
export function contextScratch(): usize { return scratch; }
export function contextScratchBytes(): u32 { return SCRATCH_BYTES; }

/** The current context goes away: its pages go back to the pool. Load another context before any other call. */
export function contextRelease(): void { releaseHeap(); }
