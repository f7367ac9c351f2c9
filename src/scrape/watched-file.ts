/**
 * A file read again only when it changed: bearer_token_file, basic_auth.password_file and the
 * TLS files. Kubernetes rotates service-account tokens by swapping a symlink (`..data`), and
 * cert-manager rewrites certificates in place; either way the next scrape must use the new
 * contents.
 *
 * One `stat` per call decides (device, inode, size, mtime and ctime in nanoseconds), so a
 * scrape costs a stat, not a read, while nothing changes. `stat` follows symlinks, so a swapped
 * symlink shows up as a new inode. A change between the stat and the read is caught by the
 * next call, because the stored stamp is the older one.
 */

import { readFile, stat } from 'node:fs/promises';

import { ScrapewireError } from '../errors';

export class WatchedFile {
  private stamp: string | undefined;
  private contents: Buffer | undefined;
  /** Bumped each time the file is (re)read: lets a caller rebuild what it derived from it. */
  generation = 0;

  /**
   * @param path file to read
   * @param field the setting that names the file (`bearerTokenFile`), for error messages
   */
  constructor(
    readonly path: string,
    readonly field: string,
  ) {}

  /**
   * The file's current contents. Throws ERR_CONFIG (naming the field and path, never the
   * contents) when it cannot be read. The returned buffer is shared: do not modify it.
   */
  async read(target?: string): Promise<Buffer> {
    try {
      const info = await stat(this.path, { bigint: true });
      const stamp = `${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`;
      if (this.contents === undefined || stamp !== this.stamp) {
        this.contents = await readFile(this.path);
        this.stamp = stamp;
        this.generation++;
      }
      return this.contents;
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code ?? 'read failed';
      throw new ScrapewireError('ERR_CONFIG', `unable to read ${this.field} ${JSON.stringify(this.path)}: ${reason}`, {
        target,
        cause: err,
      });
    }
  }

  /** The contents as text with surrounding whitespace removed, as Prometheus reads secret files. */
  async readTrimmed(target?: string): Promise<string> {
    return (await this.read(target)).toString('utf8').trim();
  }
}
