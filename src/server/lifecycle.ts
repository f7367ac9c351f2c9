/** /-/healthy, /-/ready, /-/reload and /-/quit, answering as Prometheus's lifecycle endpoints do. */
import type { ServerResponse } from 'node:http';
import { ScrapewireError } from '../errors';
import { sendText } from './respond';
import type { CollectorControl, Logger } from './types';

export function handleHealthy(res: ServerResponse): void {
  sendText(res, 200, 'scrapewire is Healthy.\n');
}

export function handleReady(res: ServerResponse, control: CollectorControl): void {
  if (control.ready()) sendText(res, 200, 'scrapewire is Ready.\n');
  else sendText(res, 503, 'Service Unavailable\n');
}

/**
 * Runs reloads one after another: a POST that arrives while a reload runs waits for it, then
 * reloads again, so the configuration it answers for is at least as new as the request.
 */
export class ReloadHandler {
  private last: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly control: CollectorControl,
    private readonly logger: Logger,
  ) {}

  async handle(res: ServerResponse): Promise<void> {
    const reload = this.last.then(() => this.control.reload());
    this.last = reload.catch(() => undefined);
    try {
      await reload;
      this.logger.info({}, 'configuration reloaded');
      sendText(res, 200, 'configuration reloaded\n');
    } catch (error) {
      const configError = error instanceof ScrapewireError && error.code === 'ERR_CONFIG';
      const message = error instanceof Error ? error.message : String(error);
      this.logger.error({ err: error }, configError ? 'configuration reload failed' : 'reload failed unexpectedly');
      sendText(res, 500, `failed to reload config: ${message}\n`);
    }
  }
}

/** Prometheus's answer to /-/reload and /-/quit without --web.enable-lifecycle. */
export function handleLifecycleDisabled(res: ServerResponse): void {
  sendText(res, 403, 'Lifecycle API is not enabled.\n');
}

/** /-/quit: answers, then asks for a graceful stop. */
export function handleQuit(res: ServerResponse, control: CollectorControl, logger: Logger): void {
  logger.info({}, 'stop requested through /-/quit');
  // 'close' comes after the answer is written, or when the client left first.
  res.once('close', () => control.quit?.());
  sendText(res, 200, 'Requesting termination... Goodbye!\n', { connection: 'close' });
}
