/**
 * The fuzz tests run the core's debug build (asconfig.json's `debug` target: no optimisation,
 * assertions kept, the runtime's own checks on), so that a broken invariant traps at once instead
 * of corrupting memory quietly: a trap is a finding. `npm run build` builds it as build/debug.wasm.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Core, type CoreOptions } from '../../src/core';
import { loadCoreModule } from '../../src/core/wasm';
import { REPO_ROOT } from '../helpers/paths';

export const DEBUG_WASM = join(REPO_ROOT, 'build', 'debug.wasm');

let compiled: WebAssembly.Module | undefined;

/** The debug build, compiled once; refuses one older than assembly/ (a stale build hides fixes). */
export function debugModule(): WebAssembly.Module {
  if (compiled !== undefined) return compiled;
  if (!existsSync(DEBUG_WASM)) throw new Error(`${DEBUG_WASM} is missing: run "npm run build" (it builds the debug core too)`);
  const built = statSync(DEBUG_WASM).mtimeMs;
  const sources = join(REPO_ROOT, 'assembly');
  const newest = Math.max(...readdirSync(sources).map((f) => statSync(join(sources, f)).mtimeMs));
  if (newest > built) throw new Error(`${DEBUG_WASM} is older than assembly/: run "npm run build"`);
  compiled = loadCoreModule(DEBUG_WASM);
  return compiled;
}

/** A Core on the debug build. */
export function debugCore(options: CoreOptions = {}): Core {
  return Core.create({ ...options, module: debugModule() });
}
