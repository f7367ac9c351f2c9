/**
 * The Authorization header of a target: credentials of a scheme (Bearer unless the config's
 * `authorization.type` says otherwise; inline or from a file) or basic auth
 * (inline password, password file, or user info in the URL). Files are re-checked on every
 * scrape through WatchedFile, so a rotated token is used by the next scrape.
 *
 * The header value is a secret: it is built here, handed to undici, and never stored where
 * describe(), toJSON() or an error message could reach it.
 */

import type { ResolvedHttpTarget } from './http-target-options';
import { WatchedFile } from './watched-file';

export class Authorization {
  private readonly bearerTokenFile?: WatchedFile;
  private readonly passwordFile?: WatchedFile;

  constructor(private readonly resolved: ResolvedHttpTarget) {
    const { options } = resolved;
    if (options.bearerTokenFile !== undefined) {
      this.bearerTokenFile = new WatchedFile(options.bearerTokenFile, 'bearerTokenFile');
    }
    if (options.basicAuth?.passwordFile !== undefined) {
      this.passwordFile = new WatchedFile(options.basicAuth.passwordFile, 'basicAuth.passwordFile');
    }
  }

  /** The header value for this scrape, or undefined when the target has no credentials. */
  async headerValue(): Promise<string | undefined> {
    const { options, target } = this.resolved;
    const scheme = options.authorizationType ?? 'Bearer';
    if (options.bearerToken !== undefined) return `${scheme} ${options.bearerToken}`;
    if (this.bearerTokenFile !== undefined) return `${scheme} ${await this.bearerTokenFile.readTrimmed(target)}`;

    const basic = options.basicAuth ?? this.resolved.urlBasicAuth;
    if (basic === undefined) return undefined;
    const password =
      this.passwordFile !== undefined ? await this.passwordFile.readTrimmed(target) : (basic.password ?? '');
    return `Basic ${Buffer.from(`${basic.username}:${password}`, 'utf8').toString('base64')}`;
  }
}
