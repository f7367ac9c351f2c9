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
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { setFlagsFromString } from 'node:v8';
import { coreModule } from '../core/wasm';

/**
 * --no-wasm-loop-unrolling: TurboFan's compile of undici's HTTP parser (llhttp, WebAssembly; one
 * 33 KB function) takes 42.6 MB of compiler memory at once, 29.2 MB without loop unrolling. That
 * compile happens a second or so into every run (when the parser gets hot), and it is the
 * process's peak: HWM 106 -> 96 MiB on the bundled configuration. The core's steady scrape of a
 * 20 MB page took the same time either way (49-50 ms). Since llhttp stays on Liftoff
 * (keepHttpParserOnBaseline), this flag only shapes the core's own TurboFan compiles; it was not
 * measured again on its own.
 */
export const COMPILE_FLAGS: readonly string[] = ['--no-wasm-loop-unrolling'];

/**
 * Flags in force while undici compiles llhttp (see keepHttpParserOnBaseline), and the defaults
 * they are put back to (V8 11.3, Node 20: `node --v8-options`).
 */
export const HTTP_PARSER_FLAGS: readonly string[] = ['--liftoff-only', '--no-wasm-lazy-compilation'];
export const HTTP_PARSER_FLAGS_RESTORED: readonly string[] = ['--no-liftoff-only', '--wasm-lazy-compilation'];

/** undici's diagnostics channels around a connection (undici/lib/core/diagnostics.js). */
const BEFORE_CONNECT = 'undici:client:beforeConnect';
const CONNECTED = 'undici:client:connected';
const CONNECT_ERROR = 'undici:client:connectError';

/**
 * Keeps undici's HTTP/1 parser (llhttp, WebAssembly) on V8's baseline compiler (Liftoff) for the
 * life of the process, so TurboFan never compiles it: that compile takes ~30 MB of compiler
 * memory at once, a second or so into every run, and glibc keeps part of it afterwards. The core
 * and every other module tier up as before. Measured in bench/RESULTS.md (2026-12-03, "the
 * memory floor"): VmHWM, RSS and the scrape's CPU.
 *
 * How: V8 decides a module's tiers when the module is compiled (V8 11.3: a module compiled
 * eagerly under --liftoff-only keeps Liftoff code after the flag is lifted, while a module
 * compiled before keeps tiering up, even for functions first called in between:
 * test/cli/v8-flags.test.ts), and undici compiles llhttp inside its first HTTP/1 connection
 * (client-h1.js, lazyllhttp()). So HTTP_PARSER_FLAGS are set from undici's `beforeConnect` until
 * that connection is made or has failed, and put back after. The core's module is compiled
 * before the first window opens (coreModule()).
 *
 * Does nothing (returns false) on another V8 than 11.3, or when the process was given its own
 * flags on these subjects (--liftoff, --wasm-lazy-compilation, tiering). Stops after the first
 * HTTP/1 connection. Per thread: a worker thread running undici calls it itself.
 */
export function keepHttpParserOnBaseline(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string = process.env.NODE_OPTIONS ?? '',
  v8Version: string = process.versions.v8,
): boolean {
  if (!v8Version.startsWith('11.3.')) return false;
  if ([...execArgv, nodeOptions].some((arg) => /liftoff|wasm[-_](lazy|tier|dynamic)/.test(arg))) return false;
  coreModule();
  let open = false;
  const close = (): void => {
    if (!open) return;
    open = false;
    for (const flag of HTTP_PARSER_FLAGS_RESTORED) setFlagsFromString(flag);
  };
  const onBeforeConnect = (): void => {
    if (open) return;
    open = true;
    for (const flag of HTTP_PARSER_FLAGS) setFlagsFromString(flag);
  };
  const onConnected = (message: unknown): void => {
    close();
    // An HTTP/2 connection does not load llhttp: wait for an HTTP/1 one.
    if ((message as { connectParams?: { version?: string } }).connectParams?.version === 'h2') return;
    unsubscribe(BEFORE_CONNECT, onBeforeConnect);
    unsubscribe(CONNECTED, onConnected);
    unsubscribe(CONNECT_ERROR, close);
  };
  subscribe(BEFORE_CONNECT, onBeforeConnect);
  subscribe(CONNECTED, onConnected);
  subscribe(CONNECT_ERROR, close);
  return true;
}

/**
 * Sets COMPILE_FLAGS and keeps llhttp on Liftoff (keepHttpParserOnBaseline); call before the first
 * WebAssembly module is compiled.
 */
export function applyCompileFlags(): void {
  for (const flag of COMPILE_FLAGS) setFlagsFromString(flag);
  keepHttpParserOnBaseline();
}
