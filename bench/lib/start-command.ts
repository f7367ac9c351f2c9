/**
 * The collector as `npm start` runs it, read from package.json's "start" script
 * (`[NAME=VALUE ...] node [node flags] dist/bundle/scrapewire.cjs run`), so that benchmarks measure
 * what users run. BENCH_NODE_FLAGS (space-separated) replaces the node flags, to measure others.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface StartCommand {
  /** Environment variables the script sets for node (GLIBC_TUNABLES). */
  env: Record<string, string>;
  /** Node flags before the script. */
  nodeFlags: string[];
  /** Absolute path of the bundle. */
  script: string;
  /**
   * The whole command for a spawn that takes no environment of its own: `/usr/bin/env NAME=VALUE
   * ... node flags script` (env execs node: the process measured is node's), or node alone.
   */
  argv: string[];
}

export function startCommand(root: string): StartCommand {
  const scripts = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const all = scripts.start.trim().split(/\s+/);
  const envWords = all.slice(0, Math.max(0, all.findIndex((word) => !/^[A-Z_]+=/.test(word))));
  const words = all.slice(envWords.length);
  const scriptAt = words.findIndex((word) => word.endsWith('.cjs') || word.endsWith('.js'));
  if (words[0] !== 'node' || scriptAt < 1 || words[scriptAt + 1] !== 'run') {
    throw new Error(`package.json's start script is not "[NAME=VALUE ...] node [flags] <bundle> run": ${scripts.start}`);
  }
  const override = process.env.BENCH_NODE_FLAGS;
  const env = Object.fromEntries(envWords.map((word) => [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('=') + 1)]));
  const nodeFlags = override !== undefined ? override.split(/\s+/).filter((flag) => flag !== '') : words.slice(1, scriptAt);
  const script = path.join(root, words[scriptAt]);
  const node = [process.execPath, ...nodeFlags, script];
  return { env, nodeFlags, script, argv: envWords.length > 0 ? ['/usr/bin/env', ...envWords, ...node] : node };
}
