/**
 * HTTP basic authentication against basic_auth_users' bcrypt hashes, the way the exporter
 * toolkit does it: a known user's password is checked with bcrypt, an unknown user's against a
 * fixed hash of the same cost (so a wrong user name takes as long as a wrong password), and a
 * successful check is cached so a scraper does not pay bcrypt on every request.
 *
 * bcrypt in pure JavaScript (bcryptjs) takes ~80 ms at cost 10 (bcrypt.compareSync on the
 * 2-core dev machine) and runs on the event loop (in slices: its async form yields between
 * them), so checks that are not in the cache are limited: MAX_RUNNING at a time and
 * MAX_WAITING queued; beyond that a request is refused (429) without hashing anything, so a
 * flood of wrong passwords costs bounded CPU.
 */
import { createHash } from 'node:crypto';
import bcrypt from 'bcryptjs';

export interface BasicCredentials {
  user: string;
  password: string;
}

/** The user and password of an `Authorization: Basic ...` header, or undefined. */
export function parseBasicAuthorization(header: string | undefined): BasicCredentials | undefined {
  if (header === undefined) return undefined;
  const match = /^Basic +([A-Za-z0-9+/=]{1,4096})\s*$/i.exec(header);
  if (match === null) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** What a check came to: `busy` when too many uncached checks were already running or queued. */
export type BasicAuthOutcome = 'ok' | 'denied' | 'busy';

const MAX_RUNNING = 2;
const MAX_WAITING = 32;
const CACHE_SIZE = 256;

/** A bcrypt hash (cost 10) of a random string nobody knows: what an unknown user is checked against. */
const UNKNOWN_USER_HASH = '$2b$10$4LgIoRDRdy/xEWxfiA94vuFE0rOc2fjxRCG7qcxEDu.iS/Q/2Wc2O';

export class BasicAuthenticator {
  /** sha256(user, hash, password) of checks that succeeded, oldest first. */
  private readonly cache = new Set<string>();
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  async check(users: ReadonlyMap<string, string>, credentials: BasicCredentials | undefined): Promise<BasicAuthOutcome> {
    if (credentials === undefined) return 'denied';
    const hash = users.get(credentials.user);
    const cacheKey = createHash('sha256').update(`${credentials.user}\0${hash ?? ''}\0${credentials.password}`).digest('hex');
    if (hash !== undefined && this.cache.has(cacheKey)) return 'ok';
    if (!(await this.acquire())) return 'busy';
    try {
      // bcrypt uses only the first 72 bytes of a password; Go's bcrypt refuses longer ones, and so does this.
      const tooLong = Buffer.byteLength(credentials.password) > 72;
      const matches = await bcrypt.compare(tooLong ? '' : credentials.password, hash ?? UNKNOWN_USER_HASH);
      if (!matches || tooLong || hash === undefined) return 'denied';
      this.remember(cacheKey);
      return 'ok';
    } catch {
      return 'denied';
    } finally {
      this.release();
    }
  }

  /** A slot to run bcrypt in; false when every slot is taken and the queue is full. */
  private async acquire(): Promise<boolean> {
    if (this.running < MAX_RUNNING) {
      this.running++;
      return true;
    }
    if (this.waiting.length >= MAX_WAITING) return false;
    // release() hands its slot over: `running` stays as it is.
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    return true;
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next === undefined) this.running--;
    else next();
  }

  private remember(key: string): void {
    this.cache.add(key);
    if (this.cache.size > CACHE_SIZE) this.cache.delete(this.cache.values().next().value as string);
  }
}
