// The instance's pool of memory pages. Every context's heap (tlsf.ts) grows by runs of whole
// 64 KiB pages taken here, and a context that goes away gives its runs back for the others'
// growth (WebAssembly memory never shrinks; this is how it is reused). The pool's state sits at a
// fixed address (memory.data), not in globals: globals are swapped per context
// (scripts/wasm-contexts.js), the pool belongs to the instance. Free runs are a list, taken
// first fit and split; adjacent free runs are not merged.

/** Run header, the first 16 bytes of every run: the next run (u32, 0: none), its pages (u32). */
export const RUN_HEADER: usize = 16;

// [0] the first free run (u32, 0: none); [4] 1 once the pages after the static data are in the pool.
const POOL: usize = memory.data(16);

/** The current context's runs (a list through their headers) and its pages: globals, swapped with it. */
let contextRuns: usize = 0;
let contextPages: u32 = 0;

/** Pages of memory the current context's heap holds. */
export function ownedPages(): u32 { return contextPages; }

// @ts-ignore: decorator
@inline export function runPages(run: usize): u32 { return load<u32>(run, 4); }

/**
 * A run of at least `needed` pages for the current context; with `double`, as many pages as the
 * context holds already when the pool has them or the memory can grow by them (the heap doubles,
 * as TLSF's own growth did).
 */
export function takeRun(needed: u32, double: bool): usize {
  if (load<u32>(POOL, 4) == 0) {
    // First use: the pages after the static data and the stack are free.
    store<u32>(POOL, 1, 4);
    const first = <u32>((__heap_base + 0xffff) >>> 16);
    const size = <u32>memory.size();
    if (size > first) giveBack(<usize>first << 16, size - first);
  }
  const wanted = double ? max<u32>(needed, contextPages) : needed;
  let pages = wanted;
  let run = findFree(wanted);
  if (run == 0 && wanted != needed) {
    pages = needed;
    run = findFree(needed);
  }
  if (run == 0) {
    pages = wanted;
    let grown = memory.grow(<i32>wanted);
    if (grown < 0) {
      pages = needed;
      grown = memory.grow(<i32>needed);
      if (grown < 0) unreachable(); // out of memory
    }
    run = <usize>grown << 16;
  }
  store<u32>(run, <u32>contextRuns);
  store<u32>(run, pages, 4);
  contextRuns = run;
  contextPages += pages;
  return run;
}

/** Unlinks a free run of at least `pages` pages, the rest of it left free; 0 if there is none. */
function findFree(pages: u32): usize {
  let prev = POOL; // a run's next is at its offset 0, as the list head is at POOL's
  let run = <usize>load<u32>(POOL);
  while (run != 0) {
    const have = runPages(run);
    const next = <usize>load<u32>(run);
    if (have >= pages) {
      if (have > pages) {
        const rest = run + (<usize>pages << 16);
        store<u32>(rest, <u32>next);
        store<u32>(rest, have - pages, 4);
        store<u32>(prev, <u32>rest);
      } else {
        store<u32>(prev, <u32>next);
      }
      return run;
    }
    prev = run;
    run = next;
  }
  return 0;
}

function giveBack(run: usize, pages: u32): void {
  store<u32>(run, load<u32>(POOL));
  store<u32>(run, pages, 4);
  store<u32>(POOL, <u32>run);
}

/** Every run of the current context goes back to the pool. */
export function releaseRuns(): void {
  let run = contextRuns;
  while (run != 0) {
    const next = <usize>load<u32>(run);
    giveBack(run, runPages(run));
    run = next;
  }
  contextRuns = 0;
  contextPages = 0;
}

/** Pages in the pool, free for any context. */
export function freePages(): u32 {
  let n: u32 = 0;
  let run = <usize>load<u32>(POOL);
  while (run != 0) {
    n += runPages(run);
    run = <usize>load<u32>(run);
  }
  return n;
}
