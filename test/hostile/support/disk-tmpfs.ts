/**
 * A real small file system for the disk tests: a tmpfs mounted by the test (it runs as root in
 * CI), and a way to fill it. Where mounting is impossible (not root, no mount permission in a
 * container), `tmpfsSupport()` says why, so the tests skip with that reason instead of passing.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface Tmpfs {
  dir: string;
  unmount(): void;
}

function errorText(err: unknown): string {
  const e = err as { stderr?: Buffer | string; message?: string };
  const stderr = e.stderr === undefined ? '' : String(e.stderr).trim();
  return stderr !== '' ? stderr : e.message ?? String(err);
}

/** Mounts a tmpfs of `sizeBytes` on a fresh directory. Throws when mounting is impossible. */
export function mountTmpfs(sizeBytes: number, prefix = 'sw-tmpfs-'): Tmpfs {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`mount -t tmpfs failed: ${errorText(err)}`);
  }
  return {
    dir,
    unmount: () => {
      try {
        execFileSync('umount', [dir], { stdio: ['ignore', 'ignore', 'pipe'] });
      } catch {
        // Still busy (a process left a file open): detach it now, the kernel frees it when closed.
        execFileSync('umount', ['-l', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Undefined when a tmpfs can be mounted here; otherwise why not (the skip message). */
export function tmpfsSupport(): string | undefined {
  if (process.platform !== 'linux') return `mounting a tmpfs needs Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root (run the tests as root, as CI does)';
  try {
    mountTmpfs(64 * 1024, 'sw-tmpfs-probe-').unmount();
    return undefined;
  } catch (err) {
    return `no permission to mount a tmpfs here: ${(err as Error).message}`;
  }
}

/** Free bytes on the file system holding `dir`. */
export function freeBytes(dir: string): number {
  const stats = fs.statfsSync(dir);
  return stats.bavail * stats.bsize;
}

/**
 * Writes `filler` in `dir` until at most `leaveBytes` are free (tmpfs counts whole pages) and
 * returns its path; deleting it frees the disk again.
 */
export function fillDisk(dir: string, leaveBytes = 0, name = 'filler'): string {
  const file = path.join(dir, name);
  const fd = fs.openSync(file, 'a');
  const chunk = Buffer.alloc(64 * 1024, 0x5a);
  try {
    for (;;) {
      const free = freeBytes(dir) - leaveBytes;
      if (free <= 0) break;
      try {
        fs.writeSync(fd, chunk, 0, Math.min(chunk.length, free));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
        throw err;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return file;
}
