/**
 * Runs the collector (`node dist/src/cli.js run ...`) as a child expected to exit on its own, for
 * the hostile disk tests (a second process on a locked storage path): waits for the exit and
 * returns its code and output. A child still running at the deadline is SIGKILLed (by its PID)
 * and reported as such, so a test never leaves one behind.
 */
import { spawn } from 'node:child_process';
import { CLI } from '../../e2e/support/collector-process';
import { REPO_ROOT } from '../../helpers/paths';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  timedOut: boolean;
}

export function runCollectorToExit(args: string[], timeoutMs = 30_000): Promise<RunResult> {
  const child = spawn(process.execPath, [CLI, 'run', ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer): void => { output = (output + chunk.toString()).slice(-20_000); };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output, timedOut });
    });
  });
}
