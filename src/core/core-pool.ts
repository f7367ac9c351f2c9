/**
 * Cores shared across targets (issue 12; design in docs/plans/shared-cores.md): one WebAssembly
 * instance holds several targets' cores as contexts. A context is the values of every mutable
 * global of the module (saved and loaded by `contextSave`/`contextLoad`, which
 * scripts/wasm-contexts.mjs adds to the release build) plus the runs of pages its own heap took
 * from the instance's pool (assembly/runtime/pages.ts). So each target has its own series table,
 * snapshot, limits and scrape state, and its own memory limit (the pages its heap holds);
 * a target that goes away gives its pages back to the pool, and the next growth of any context
 * in the instance takes them. Saved contexts are kept in JS (1.3 KB each), out of reach of
 * anything running in the instance.
 *
 * A `Core` reaches its context through a facade with the shape of the instance's exports
 * (`CoreExports`): each call first loads the context when another one is loaded (~2 us), so the
 * Core needs nothing else. A view into memory handed out by one Core is valid until the next call
 * on any Core of the same instance that may grow the memory (as before for the same Core).
 *
 * Traps: a trap is a bug in the core, and WebAssembly has no memory protection between contexts.
 * The trapping context is dropped and its pages are never reused (its run list may be what was
 * being written); its Core makes a new context, as an unshared Core makes a new instance. The
 * instance is retired: no new context goes into it, and each of its other contexts moves to a
 * healthy instance at its Core's next begin() through the rebuild protocol, keeping its series,
 * staleness reference and last scrape. A context whose move traps is made anew, empty: counted
 * in `stats().contextsLost`, and its Core reports it (ERR_CORE_TRAP) on that scrape.
 */
import { ScrapewireError } from '../errors';
import type { CompiledCoreModule } from './types';
import { coreModule, type CoreExports } from './wasm';

/** The exports a pooled instance has beyond a core's: the generated context functions. */
interface PoolExports extends CoreExports {
  contextSave(ptr: number): void;
  contextLoad(ptr: number): void;
  contextBlockBytes(): number;
  contextScratch(): number;
  contextScratchBytes(): number;
}

/** A context's exports as a Core sees them, plus what the pool adds. */
export interface PooledExports extends CoreExports {
  /** Its instance trapped: move out (Core.rebuild) at the next chance. */
  readonly shouldMove: boolean;
  /** The target went away: its pages go back to the pool (not after a trap: they are dropped). */
  release(): void;
}

export interface CorePoolOptions {
  /** Contexts per instance; a full instance makes a new one. Default 64. */
  contextsPerInstance?: number;
  /** A compiled module (the release build by default); it must have the context functions. */
  module?: CompiledCoreModule;
}

/** What a pool holds (for tests, /debug and the bench). */
export interface CorePoolStats {
  instances: number;
  contexts: number;
  /** Bytes of linear memory of every instance. */
  memoryBytes: number;
  /** Bytes free in the instances' page pools, for any context of that instance to take. */
  poolFreeBytes: number;
  /** Contexts dropped by a trap in them (their pages are not reused). */
  contextsTrapped: number;
  /** Contexts of a trapped instance that could not be moved and were made anew, empty. */
  contextsLost: number;
  /** Instances retired after a trap. */
  instancesRetired: number;
}

/** Exports the pool alone calls (a core's facade leaves them out). */
const POOL_ONLY = new Set(['contextSave', 'contextLoad', 'contextBlockBytes', 'contextScratch', 'contextScratchBytes', 'contextRelease']);

interface Context {
  /** Its saved globals while another context is loaded. */
  saved: Uint8Array | undefined;
  released: boolean;
}

class PoolInstance {
  readonly exports: PoolExports;
  readonly contexts = new Set<Context>();
  retired = false;
  private loaded: Context | undefined;
  private readonly pristine: Uint8Array;
  private readonly blockBytes: number;

  constructor(module: WebAssembly.Module) {
    const exports = new WebAssembly.Instance(module, {}).exports as unknown as PoolExports;
    if (typeof exports.contextSave !== 'function') {
      throw new ScrapewireError('ERR_USAGE', 'this core module has no context functions (scripts/wasm-contexts.mjs runs on build/release.wasm only)');
    }
    this.exports = exports;
    this.blockBytes = exports.contextBlockBytes();
    if (this.blockBytes > exports.contextScratchBytes()) {
      throw new ScrapewireError('ERR_CORE_STATE', `a context block (${this.blockBytes} bytes) does not fit the core's scratch (${exports.contextScratchBytes()})`);
    }
    // Every global as instantiation left it: no heap yet (its first allocation takes pages). A
    // heap made by the module's start (a top-level allocation) would be shared by every context.
    if (exports.contextBytes() !== 0) {
      throw new ScrapewireError('ERR_CORE_STATE', 'the core module allocates memory when it starts: its contexts would share that heap (make the top-level allocation lazy)');
    }
    this.pristine = this.save();
  }

  private save(): Uint8Array {
    const at = this.exports.contextScratch();
    this.exports.contextSave(at);
    return new Uint8Array(this.exports.memory.buffer, at, this.blockBytes).slice();
  }

  private load(block: Uint8Array): void {
    const at = this.exports.contextScratch();
    new Uint8Array(this.exports.memory.buffer, at, this.blockBytes).set(block);
    this.exports.contextLoad(at);
  }

  /** Makes `context` the loaded one. */
  select(context: Context): void {
    if (this.loaded === context) return;
    if (context.released) throw new ScrapewireError('ERR_USAGE', 'a call on a core whose context was released');
    if (this.loaded !== undefined && !this.loaded.released) this.loaded.saved = this.save();
    this.load(context.saved ?? this.pristine);
    context.saved = undefined;
    this.loaded = context;
  }

  add(): Context {
    const context: Context = { saved: this.pristine, released: false };
    this.contexts.add(context);
    return context;
  }

  /** Gives the context's pages back (`keepPages`: a trapped context's are dropped instead). */
  remove(context: Context, keepPages: boolean): void {
    if (context.released) return;
    if (keepPages && context.saved !== this.pristine) {
      this.select(context);
      this.exports.contextRelease();
    }
    context.released = true;
    context.saved = undefined;
    if (this.loaded === context) this.loaded = undefined;
    this.contexts.delete(context);
  }
}

/** Instances holding several cores each; see the file's comment. */
export class CorePool {
  private readonly instances: PoolInstance[] = [];
  private readonly perInstance: number;
  private readonly module: WebAssembly.Module;
  private trapped = 0;
  private lost = 0;
  private retiredCount = 0;
  /** A Core dropped without release() gives its pages back when it is collected. */
  private readonly finalizer = new FinalizationRegistry<() => void>((release) => release());

  constructor(options: CorePoolOptions = {}) {
    this.perInstance = Math.max(1, options.contextsPerInstance ?? 64);
    this.module = (options.module as WebAssembly.Module | undefined) ?? coreModule();
  }

  /**
   * A new context, in the first healthy instance with room, as the exports of a core. `owner`
   * (the Core) is watched: if it is collected without release(), its pages go back.
   */
  attach(owner: object): PooledExports {
    let instance = this.instances.find((i) => !i.retired && i.contexts.size < this.perInstance);
    if (instance === undefined) {
      instance = new PoolInstance(this.module);
      this.instances.push(instance);
    }
    const context = instance.add();
    const facade = this.facade(instance, context);
    this.finalizer.register(owner, () => facade.release(), facade);
    return facade;
  }

  private facade(instance: PoolInstance, context: Context): PooledExports {
    const raw = instance.exports;
    const pool = this;
    const facade = {
      get memory() { return raw.memory; },
      get shouldMove() { return instance.retired; },
      release: () => {
        this.finalizer.unregister(facade);
        // A retired instance's pages are not reused: it goes when its last context has left.
        instance.remove(context, !instance.retired);
        this.dropIfEmpty(instance);
      },
    } as Record<string, unknown>;
    for (const [name, value] of Object.entries(raw)) {
      if (typeof value !== 'function' || POOL_ONLY.has(name)) continue;
      const call = value as (...args: number[]) => unknown;
      facade[name] = (...args: number[]) => {
        instance.select(context);
        try {
          return call(...args);
        } catch (err) {
          if (err instanceof WebAssembly.RuntimeError) pool.onTrap(instance, context);
          throw err;
        }
      };
    }
    return facade as unknown as PooledExports;
  }

  private onTrap(instance: PoolInstance, context: Context): void {
    this.trapped++;
    if (!instance.retired) this.retiredCount++;
    instance.retired = true;
    instance.remove(context, false);
    this.dropIfEmpty(instance);
  }

  /** A context of a retired instance could not be moved: made anew, empty (Core.rebuild calls this). */
  countLost(): void {
    this.lost++;
  }

  private dropIfEmpty(instance: PoolInstance): void {
    if (instance.contexts.size > 0 || !this.instances.includes(instance)) return;
    // An empty healthy instance stays when it is the only one (the next target reuses its pages).
    if (!instance.retired && this.instances.filter((i) => !i.retired).length <= 1) return;
    this.instances.splice(this.instances.indexOf(instance), 1);
  }

  stats(): CorePoolStats {
    let contexts = 0;
    let memoryBytes = 0;
    let poolFreeBytes = 0;
    for (const instance of this.instances) {
      contexts += instance.contexts.size;
      memoryBytes += instance.exports.memory.buffer.byteLength;
      poolFreeBytes += instance.exports.poolFreeBytes();
    }
    return {
      instances: this.instances.length,
      contexts,
      memoryBytes,
      poolFreeBytes,
      contextsTrapped: this.trapped,
      contextsLost: this.lost,
      instancesRetired: this.retiredCount,
    };
  }
}
