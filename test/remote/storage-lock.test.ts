/**
 * The storage path's lock: a second writer, in this process or another, is refused with a
 * message naming the path and the holder's PID, before it touches the queue; a lock whose holder
 * is gone (dead PID, reused PID, another namespace that stopped refreshing it) is taken over.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Registry } from 'prom-client';
import { RemoteWriter } from '../../src/remote';
import { FOREIGN_STALE_MS, LOCK_FILE_NAME, StorageLock, type LockHolder } from '../../src/remote/storage-lock';
import { ScrapewireError } from '../../src/errors';
import { REPO_ROOT } from '../helpers/paths';
import { captureLogger, endpoints } from './producer';

let dir: string;
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-lock-')); });
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const lockFile = (): string => path.join(dir, LOCK_FILE_NAME);
const endpoint = endpoints({ url: 'http://127.0.0.1:9/w', name: 'e' })[0];

function refusal(run: () => unknown): ScrapewireError {
  try {
    run();
  } catch (err) {
    return err as ScrapewireError;
  }
  throw new Error('expected ERR_STORAGE_LOCKED, got none');
}

function writeLock(holder: Partial<LockHolder>, ageMs = 0): void {
  fs.writeFileSync(lockFile(), JSON.stringify({ ...StorageLock.self(), ...holder }));
  const at = new Date(Date.now() - ageMs);
  fs.utimesSync(lockFile(), at, at);
}

/** A node process holding the lock on `dir` (through the built dist/), until killed. */
async function lockingChild(): Promise<{ pid: number; kill: () => Promise<void> }> {
  const module = path.join(REPO_ROOT, 'dist', 'src', 'remote', 'storage-lock.js');
  const child = spawn(process.execPath, ['-e', `require(${JSON.stringify(module)}).StorageLock.acquire(process.argv[1]); console.log('LOCKED'); setInterval(() => {}, 1000);`, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let err = '';
    child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
    child.stdout.on('data', (c: Buffer) => { if (c.toString().includes('LOCKED')) resolve(); });
    child.once('exit', (code) => reject(new Error(`locking child exited ${code}: ${err}`)));
  });
  return { pid: child.pid!, kill: async () => { child.kill('SIGKILL'); await exited; } };
}

describe('storage lock', () => {
  it('refuses a second writer in this process before it reads the queue, and frees the path on close', async () => {
    const first = new RemoteWriter({ registry: new Registry(), storageDir: dir, endpoints: [endpoint] });
    // A torn segment the second writer would truncate if it got as far as recovery.
    const segment = path.join(dir, 'e', '00000099.seg');
    fs.writeFileSync(segment, Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9]));
    const error = refusal(() => new RemoteWriter({ registry: new Registry(), storageDir: dir, endpoints: [endpoint] }));
    expect(error.code).toBe('ERR_STORAGE_LOCKED');
    expect(error.message).toContain(dir);
    expect(error.message).toContain(`PID ${process.pid}`);
    expect(fs.statSync(segment).size).toBe(9);
    fs.rmSync(segment);
    await first.close(0);
    expect(fs.existsSync(lockFile())).toBe(false);
    const second = new RemoteWriter({ registry: new Registry(), storageDir: dir, endpoints: [endpoint] });
    await second.close(0);
  });

  it('refuses while another live process holds it, naming that PID; takes it over once that process is killed', async () => {
    const child = await lockingChild();
    try {
      const error = refusal(() => StorageLock.acquire(dir));
      expect(error.code).toBe('ERR_STORAGE_LOCKED');
      expect(error.message).toContain(dir);
      expect(error.message).toContain(`PID ${child.pid}`);
    } finally {
      await child.kill();
    }
    const { logger, lines } = captureLogger();
    const lock = StorageLock.acquire(dir, logger);
    expect(JSON.parse(fs.readFileSync(lockFile(), 'utf8')).pid).toBe(process.pid);
    expect(lines.find((l) => l.msg?.includes('took over'))?.obj.reason).toBe(`PID ${child.pid} is gone`);
    lock.release();
  });

  it('takes over a lock left by an earlier process that had this PID (a restarted container)', () => {
    writeLock({ startTicks: 1, nonce: 'earlier' });
    const lock = StorageLock.acquire(dir);
    expect(JSON.parse(fs.readFileSync(lockFile(), 'utf8')).nonce).toBe(lock.holder.nonce);
    lock.release();
  });

  it('takes over a lock whose PID now belongs to another process', () => {
    writeLock({ pid: 1, startTicks: -5, nonce: 'reused' });
    const lock = StorageLock.acquire(dir);
    lock.release();
  });

  it('judges a lock from another PID namespace by its heartbeat: fresh refuses, stale is taken over', () => {
    writeLock({ pid: 1, hostname: 'agent-old', pidNamespace: 'pid:[1]', nonce: 'other-pod' });
    const error = refusal(() => StorageLock.acquire(dir));
    expect(error.code).toBe('ERR_STORAGE_LOCKED');
    expect(error.message).toContain('PID 1 on host agent-old');
    writeLock({ pid: 1, hostname: 'agent-old', pidNamespace: 'pid:[1]', nonce: 'other-pod' }, FOREIGN_STALE_MS + 5000);
    StorageLock.acquire(dir).release();
  });

  it('refuses a lock file it cannot read while it is fresh (maybe being written), takes it over once old', () => {
    fs.writeFileSync(lockFile(), 'not a lock');
    expect(refusal(() => StorageLock.acquire(dir)).code).toBe('ERR_STORAGE_LOCKED');
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(lockFile(), old, old);
    StorageLock.acquire(dir).release();
    expect(fs.existsSync(lockFile())).toBe(false);
  });
});
