/**
 * The web configuration in force, re-read when its file or a file it names changes, as the
 * exporter toolkit does (it reads the file on every request): a renewed certificate, a new CA or
 * a changed user list applies to the next connection or request without a restart.
 *
 * Each check costs a stat() of the configuration and of the certificate, key and CA files; only a
 * change in one of them (inode, size, mtime or ctime: a Kubernetes Secret update swaps a symlink,
 * which changes the inode) reads and validates again. A new version that fails validation is
 * logged once and not used: the last valid one stays in force, and
 * scrapewire_web_config_last_reload_successful says so. Turning TLS on or off needs a restart,
 * as with the exporter toolkit, which decides between HTTP and HTTPS when it starts listening.
 */
import { readFileSync, statSync } from 'node:fs';
import { Gauge, type Registry } from 'prom-client';
import { ConfigError } from '../config/errors';
import { buildTlsSettings, type TlsSettings } from './tls-settings';
import { parseWebConfig, referencedFiles, type WebConfig } from './web-config';
import type { Logger } from './types';

export interface ActiveWebConfig {
  config: WebConfig;
  /** Undefined for plain HTTP. */
  tls?: TlsSettings;
}

/** Reads and validates `file` and what it names; throws ConfigError. */
export function loadWebConfig(file: string): ActiveWebConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([{ file, line: 0, message: `cannot read web configuration: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` }], { cause: err });
  }
  const config = parseWebConfig(text, file);
  return { config, tls: config.tls === undefined ? undefined : buildTlsSettings(config.tls, file) };
}

function signatureOf(files: readonly string[]): string {
  return files.map((file) => {
    try {
      const s = statSync(file);
      return `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
    } catch (err) {
      return `missing:${(err as NodeJS.ErrnoException).code ?? ''}`;
    }
  }).join('|');
}

export class WebSecurity {
  private active: ActiveWebConfig;
  private signature: string;
  private failedSignature = '';
  private generation = 0;

  private constructor(
    private readonly file: string | undefined,
    initial: ActiveWebConfig,
    private readonly logger: Logger,
    private readonly reloadGauge: Gauge | undefined,
  ) {
    this.active = initial;
    this.signature = file === undefined ? '' : signatureOf([file, ...referencedFiles(initial.config)]);
    this.reloadGauge?.set(1);
  }

  /** No web configuration: plain HTTP, no authentication, no extra headers. */
  static none(): WebSecurity {
    return new WebSecurity(undefined, { config: { file: '', headers: {}, basicAuthUsers: new Map() } }, { debug() {}, info() {}, warn() {}, error() {} }, undefined);
  }

  /** Loads `file` (throws ConfigError when it is invalid) and keeps it current from then on. */
  static load(file: string, logger: Logger, registry?: Registry): WebSecurity {
    const initial = loadWebConfig(file);
    let gauge: Gauge | undefined;
    if (registry !== undefined) {
      const name = 'scrapewire_web_config_last_reload_successful';
      gauge = (registry.getSingleMetric(name) as Gauge | undefined)
        ?? new Gauge({ name, help: 'Whether the last reading of --web.config.file was valid (1) or the previous one is still in force (0).', registers: [registry] });
    }
    return new WebSecurity(file, initial, logger, gauge);
  }

  /** Whether the server speaks TLS; fixed at start. */
  get tlsEnabled(): boolean {
    return this.active.tls !== undefined;
  }

  /** Bumped whenever a new version comes into force (the server then renews its TLS context). */
  get version(): number {
    return this.generation;
  }

  /** The configuration in force, after re-reading it if one of its files changed. Never throws. */
  current(): ActiveWebConfig {
    if (this.file === undefined) return this.active;
    const signature = signatureOf([this.file, ...referencedFiles(this.active.config)]);
    if (signature === this.signature || signature === this.failedSignature) return this.active;
    try {
      const next = loadWebConfig(this.file);
      if ((next.tls === undefined) !== (this.active.tls === undefined)) {
        throw new ConfigError([{ file: this.file, line: 0, message: `tls_server_config: turning TLS ${next.tls === undefined ? 'off' : 'on'} needs a restart` }]);
      }
      this.active = next;
      // The new version may name other files: take their signature too.
      this.signature = signatureOf([this.file, ...referencedFiles(next.config)]);
      this.failedSignature = '';
      this.generation++;
      this.reloadGauge?.set(1);
      this.logger.info({ file: this.file }, 'web configuration reloaded');
    } catch (err) {
      this.failedSignature = signature;
      this.reloadGauge?.set(0);
      this.logger.error({ file: this.file, err: (err as Error).message }, 'web configuration not reloaded: the previous one stays in force');
    }
    return this.active;
  }
}
