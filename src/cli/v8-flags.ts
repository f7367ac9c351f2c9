/**
 * V8 settings of the collector process (`scrapewire run`), chosen by measurement: bench/RESULTS.md,
 * "idle baseline" (npm run bench -- idle-rss).
 *
 * Flags that V8 reads when it compiles are set here, at run time, before anything is compiled:
 * NODE_OPTIONS refuses them and a single executable takes no node flags, so this reaches
 * `npm start`, the binary and `npx scrapewire run` alike. Flags the heap reads when the process
 * starts (--max-semi-space-size) cannot be set here: `npm start` passes them on node's command
 * line and deploy/Dockerfile sets them in NODE_OPTIONS.
 */
import { setFlagsFromString } from 'node:v8';

/**
 * --no-wasm-loop-unrolling: TurboFan's compile of undici's HTTP parser (llhttp, WebAssembly; one
 * 33 KB function) takes 42.6 MB of compiler memory at once, 29.2 MB without loop unrolling. That
 * compile happens a second or so into every run (when the parser gets hot), and it is the
 * process's peak: HWM 106 -> 96 MiB on the bundled configuration. The core's steady scrape of a
 * 20 MB page took the same time either way (49-50 ms).
 */
export const COMPILE_FLAGS: readonly string[] = ['--no-wasm-loop-unrolling'];

/** Sets COMPILE_FLAGS; call before the first WebAssembly module is compiled. */
export function applyCompileFlags(): void {
  for (const flag of COMPILE_FLAGS) setFlagsFromString(flag);
}
