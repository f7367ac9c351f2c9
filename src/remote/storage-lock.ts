/**
 * An exclusive lock on the storage path, so two processes never run one disk queue (each would
 * truncate, append to and delete the other's segments).
 *
 * The lock is a file, `<storage path>/scrapewire.lock`, holding who took it: PID, host name, PID
 * namespace and boot id, the process's start time (clock ticks since boot, from /proc), a random
 * nonce and when. It is created atomically with its content: written to a private temporary file,
 * then link(2)ed to the lock name, which fails with EEXIST if a lock is there (so nobody ever
 * reads a half-written lock). The holder refreshes the file's mtime every HEARTBEAT_MS.
 *
 * A lock left by a process that is gone is taken over:
 * - Same boot and PID namespace (the same container, or the same host): the holder is gone when
 *   its PID does not exist, or exists with another start time (the PID was reused; in a
 *   container the restarted agent usually gets the same PID 1 back).
 * - Otherwise (another container with its own PID namespace, or a boot since): its PID cannot be
 *   checked, so the lock is stale once its heartbeat is FOREIGN_STALE_MS old.
 * Taking over renames the stale file away first and checks that what it moved is what it judged
 * stale (else it puts it back and starts over), so two processes taking over at once do not both
 * win.
 *
 * Why not a library. Kernel locks (flock/fcntl), which Prometheus and VictoriaMetrics use and
 * which vanish with their process, are not reachable from Node without a native addon (fs-ext),
 * which cannot be built on install here. proper-lockfile (mkdir + mtime heartbeat) records no
 * PID, so it cannot name the holder, and judges staleness by time alone: a collector restarted
 * after a SIGKILL would wait out the stale period, and its compromised-lock handler throws from a
 * timer by default. This file is the PID-checked lock with a heartbeat only where a PID cannot be
 * checked.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ScrapewireError } from '../errors';
import type { Logger } from '../logger';
import { silentLogger } from '../logger';

export const LOCK_FILE_NAME = 'scrapewire.lock';
export const HEARTBEAT_MS = 5_000;
/** A lock from another PID namespace or boot is stale this long after its last heartbeat. */
export const FOREIGN_STALE_MS = 30_000;

/** What the lock file holds. */
export interface LockHolder {
  pid: number;
  hostname: string;
  pidNamespace?: string;
  bootId?: string;
  /** /proc/<pid>/stat starttime: tells a reused PID from the holder. */
  startTicks?: number;
  nonce: string;
  since: string;
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Start time of a process in clock ticks since boot (field 22 of /proc/<pid>/stat); undefined off Linux. */
export function processStartTicks(pid: number): number | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[19]);
  return Number.isFinite(ticks) ? ticks : undefined;
}

function pidNamespace(): string | undefined {
  try {
    return fs.readlinkSync('/proc/self/ns/pid');
  } catch {
    return undefined;
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseHolder(text: string | undefined): LockHolder | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    if (!Number.isInteger(value.pid) || (value.pid ?? 0) <= 0 || typeof value.nonce !== 'string') return undefined;
    return value as LockHolder;
  } catch {
    return undefined;
  }
}

/** Milliseconds since the lock file was last written or refreshed; Infinity when it is gone. */
function lockAgeMs(file: string): number {
  try {
    return Date.now() - fs.statSync(file).mtimeMs;
  } catch {
    return Infinity;
  }
}

/**
 * Creates `file` holding `holder` only if it does not exist: link(2) of the fully written
 * `temporary`, so the lock never exists half-written. Where the file system has no hard links,
 * an exclusive create then a write (a reader may then briefly see it unreadable: staleness()
 * gives such a file time). False when a lock is there.
 */
function createExclusive(temporary: string, file: string, holder: LockHolder): boolean {
  try {
    fs.linkSync(temporary, file);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
  }
  try {
    fs.writeFileSync(file, `${JSON.stringify(holder)}\n`, { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

export class StorageLock {
  private heartbeat: NodeJS.Timeout | undefined;
  private lost = false;

  private constructor(readonly dir: string, readonly file: string, readonly holder: LockHolder, private readonly logger: Logger) {
    this.heartbeat = setInterval(() => this.beat(), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** Who this process is, as the lock file records it. */
  static self(): LockHolder {
    const bootId = readText('/proc/sys/kernel/random/boot_id')?.trim();
    return {
      pid: process.pid,
      hostname: os.hostname(),
      pidNamespace: pidNamespace(),
      bootId: bootId === '' ? undefined : bootId,
      startTicks: processStartTicks(process.pid),
      nonce: crypto.randomBytes(8).toString('hex'),
      since: new Date().toISOString(),
    };
  }

  /**
   * Takes the lock on `dir` (created if missing), taking over a stale one. Throws
   * ERR_STORAGE_LOCKED naming the path and the holder's PID when a live process holds it.
   */
  static acquire(dir: string, logger: Logger = silentLogger): StorageLock {
    const file = path.join(dir, LOCK_FILE_NAME);
    const self = StorageLock.self();
    try {
      fs.mkdirSync(dir, { recursive: true });
    } catch (cause) {
      throw new ScrapewireError('ERR_STORAGE_LOCKED', `storage path ${dir}: cannot create it: ${(cause as Error).message}`, { cause });
    }
    const temporary = path.join(dir, `${LOCK_FILE_NAME}.${self.pid}.${self.nonce}.tmp`);
    try {
      fs.writeFileSync(temporary, `${JSON.stringify(self)}\n`, { flag: 'wx' });
    } catch (cause) {
      throw new ScrapewireError('ERR_STORAGE_LOCKED', `storage path ${dir}: cannot write its lock file: ${(cause as Error).message}`, { cause });
    }
    try {
      for (let attempt = 0; attempt < 8; attempt++) {
        try {
          if (createExclusive(temporary, file, self)) return new StorageLock(dir, file, self, logger);
        } catch (err) {
          throw new ScrapewireError('ERR_STORAGE_LOCKED', `storage path ${dir}: cannot create ${file}: ${(err as Error).message}`, { cause: err });
        }
        const text = readText(file);
        if (text === undefined) continue; // released meanwhile: try again
        const holder = parseHolder(text);
        const stale = StorageLock.staleness(file, holder, self);
        if (stale === undefined) throw StorageLock.lockedError(dir, file, holder, self);
        if (StorageLock.takeOver(file, text, self)) {
          logger.warn({ storagePath: dir, lockFile: file, previousHolder: holder ?? text.slice(0, 200), reason: stale }, 'storage path: took over a stale lock');
        }
      }
      throw new ScrapewireError('ERR_STORAGE_LOCKED', `storage path ${dir}: could not take ${file} (other processes kept taking it)`);
    } finally {
      try { fs.unlinkSync(temporary); } catch { /* already gone */ }
    }
  }

  /** Why the lock is stale, or undefined when its holder may be alive. */
  private static staleness(file: string, holder: LockHolder | undefined, self: LockHolder): string | undefined {
    if (holder === undefined) {
      // Unreadable: another build's format, or (where link(2) is not supported) a lock being written right now.
      return lockAgeMs(file) > 2 * HEARTBEAT_MS ? 'the lock file is not one this build wrote' : undefined;
    }
    const sameNamespace = holder.bootId === self.bootId && (holder.pidNamespace !== undefined || self.pidNamespace !== undefined
      ? holder.pidNamespace === self.pidNamespace
      : holder.hostname === self.hostname);
    if (sameNamespace) {
      if (holder.pid === self.pid) {
        return holder.startTicks !== undefined && holder.startTicks === self.startTicks ? undefined : `an earlier process with this PID (${holder.pid}) held it`;
      }
      if (!processExists(holder.pid)) return `PID ${holder.pid} is gone`;
      const ticks = processStartTicks(holder.pid);
      if (holder.startTicks !== undefined && ticks !== undefined && ticks !== holder.startTicks) return `PID ${holder.pid} now belongs to another process`;
      return undefined;
    }
    const ageMs = lockAgeMs(file);
    return ageMs > FOREIGN_STALE_MS ? `its holder (another PID namespace or boot) last refreshed it ${Math.round(ageMs / 1000)} s ago` : undefined;
  }

  /** Moves the stale lock away if it is still the one judged stale; false when another process got there first. */
  private static takeOver(file: string, judgedText: string, self: LockHolder): boolean {
    const moved = `${file}.stale.${self.pid}.${self.nonce}`;
    try {
      fs.renameSync(file, moved);
    } catch {
      return false; // gone already: the next attempt links
    }
    const movedText = readText(moved);
    if (movedText !== judgedText) {
      // Someone replaced it between our read and our rename: put theirs back.
      try { fs.linkSync(moved, file); } catch { /* a third process holds it now; it stays theirs */ }
    }
    try { fs.unlinkSync(moved); } catch { /* best effort */ }
    return movedText === judgedText;
  }

  private static lockedError(dir: string, file: string, holder: LockHolder | undefined, self: LockHolder): ScrapewireError {
    if (holder === undefined) {
      return new ScrapewireError('ERR_STORAGE_LOCKED', `storage path ${dir} has a lock file this build cannot read, written less than ${2 * HEARTBEAT_MS / 1000} s ago (${file}); if no other process uses the path, remove it`);
    }
    const where = holder.hostname === self.hostname ? '' : ` on host ${holder.hostname}`;
    const same = holder.pid === self.pid && holder.startTicks === self.startTicks ? ' (this process: the path is already in use by another writer in it)' : '';
    return new ScrapewireError('ERR_STORAGE_LOCKED',
      `storage path ${dir} is in use by PID ${holder.pid}${where}${same} since ${holder.since} (lock file ${file}); `
      + 'only one process may use a storage path: stop that one or give this one another --storage.path');
  }

  /** Refreshes the heartbeat, if the file is still ours. */
  private beat(): void {
    const holder = parseHolder(readText(this.file));
    if (holder?.nonce !== this.holder.nonce) {
      if (!this.lost) this.logger.error({ storagePath: this.dir, lockFile: this.file, holder }, 'storage path: this process no longer holds its lock (the file was removed or taken over)');
      this.lost = true;
      return;
    }
    try {
      const now = new Date();
      fs.utimesSync(this.file, now, now);
    } catch (err) {
      this.logger.warn({ storagePath: this.dir, err: (err as Error).message }, 'storage path: could not refresh the lock');
    }
  }

  /** Stops the heartbeat and removes the lock file if it is still ours. */
  release(): void {
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    if (parseHolder(readText(this.file))?.nonce !== this.holder.nonce) return;
    try {
      fs.unlinkSync(this.file);
    } catch (err) {
      this.logger.warn({ storagePath: this.dir, err: (err as Error).message }, 'storage path: could not remove the lock file');
    }
  }
}
