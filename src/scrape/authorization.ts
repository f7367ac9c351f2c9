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

  /** Whether the header comes from a file (headerValue() then stats it), not only from the configuration. */
  get readsFiles(): boolean {
    return this.resolved.options.bearerToken === undefined && (this.bearerTokenFile !== undefined || this.passwordFile !== undefined);
  }

  /** The header value for this scrape, or undefined when the target has no credentials. */
  async headerValue(): Promise<string | undefined> {
    if (!this.readsFiles) return this.configuredValue();
    const { options, target } = this.resolved;
    if (this.bearerTokenFile !== undefined) return `${options.authorizationType ?? 'Bearer'} ${await this.bearerTokenFile.readTrimmed(target)}`;
    // A password file exists only with basic_auth.
    return basicHeader(options.basicAuth!.username, await this.passwordFile!.readTrimmed(target));
  }

  /**
   * The header value when no file is involved (readsFiles false), without a promise: most
   * targets have no credentials, and a scrape should not pay an async call to learn it.
   */
  configuredValue(): string | undefined {
    const { options } = this.resolved;
    if (options.bearerToken !== undefined) return `${options.authorizationType ?? 'Bearer'} ${options.bearerToken}`;
    const basic = options.basicAuth ?? this.resolved.urlBasicAuth;
    if (basic === undefined) return undefined;
    return basicHeader(basic.username, basic.password ?? '');
  }
}

function basicHeader(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}
