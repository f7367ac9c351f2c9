/**
 * The collector as `npm start` runs it, read from package.json's "start" script
 * (`node [node flags] dist/bundle/scrapewire.cjs run`), so that benchmarks measure what users run.
 * BENCH_NODE_FLAGS (space-separated) replaces the node flags, to measure others.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface StartCommand {
  /** Node flags before the script. */
  nodeFlags: string[];
  /** Absolute path of the bundle. */
  script: string;
}

export function startCommand(root: string): StartCommand {
  const scripts = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const words = scripts.start.trim().split(/\s+/);
  const scriptAt = words.findIndex((word) => word.endsWith('.cjs') || word.endsWith('.js'));
  if (words[0] !== 'node' || scriptAt < 1 || words[scriptAt + 1] !== 'run') {
    throw new Error(`package.json's start script is not "node [flags] <bundle> run": ${scripts.start}`);
  }
  const override = process.env.BENCH_NODE_FLAGS;
  return {
    nodeFlags: override !== undefined ? override.split(/\s+/).filter((flag) => flag !== '') : words.slice(1, scriptAt),
    script: path.join(root, words[scriptAt]),
  };
}
