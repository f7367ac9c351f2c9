#!/usr/bin/env node
/**
 * Adds `contextSave(ptr)` and `contextLoad(ptr)` to a compiled core (build/release.wasm): they store
 * every mutable global of the module at `ptr + 8 * i` (16 bytes for a v128), and load them back.
 * That is a context (assembly/context.ts, src/core/core-pool.ts): several targets' cores in one
 * instance, each with its own globals and its own heap. Generated after compiling, so every
 * global is covered whatever file declares it, and no source needs editing to stay isolated.
 * Also adds `contextBlockBytes()`, the size of a context block.
 *
 *   node scripts/wasm-contexts.mjs build/release.wasm
 */
import fs from 'node:fs';
import binaryen from 'binaryen';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: node scripts/wasm-contexts.mjs FILE.wasm\n');
  process.exit(2);
}
const b = binaryen;
const mod = b.readBinary(fs.readFileSync(file));
mod.setFeatures(b.Features.All);

const saves = [];
const loads = [];
let offset = 0;
const ptr = () => mod.local.get(0, b.i32);
const ops = new Map([
  [b.i32, [mod.i32, 4, 8]],
  [b.i64, [mod.i64, 8, 8]],
  [b.f32, [mod.f32, 4, 8]],
  [b.f64, [mod.f64, 8, 8]],
  [b.v128, [mod.v128, 16, 16]],
]);
for (let i = 0; i < mod.getNumGlobals(); i++) {
  const global = b.getGlobalInfo(mod.getGlobalByIndex(i));
  if (!global.mutable) continue;
  const op = ops.get(global.type);
  if (op === undefined) throw new Error(`${file}: global ${global.name} has a type this script does not save (${global.type})`);
  const [kind, align, size] = op;
  offset = (offset + size - 1) & ~(size - 1);
  saves.push(kind.store(offset, align, ptr(), mod.global.get(global.name, global.type)));
  loads.push(mod.global.set(global.name, kind.load(offset, align, ptr())));
  offset += size;
}
mod.addFunction('contextSave', b.i32, b.none, [], mod.block(null, saves));
mod.addFunction('contextLoad', b.i32, b.none, [], mod.block(null, loads));
mod.addFunction('contextBlockBytes', b.none, b.i32, [], mod.i32.const(offset));
for (const name of ['contextSave', 'contextLoad', 'contextBlockBytes']) mod.addFunctionExport(name, name);
if (!mod.validate()) throw new Error(`${file}: the module does not validate after adding the context functions`);
fs.writeFileSync(file, mod.emitBinary());
process.stdout.write(`wasm-contexts: ${file}: ${saves.length} mutable globals, context block ${offset} bytes\n`);
