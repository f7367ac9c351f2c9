/**
 * Ends an undici response body that will not be read. Destroying it makes the stream emit an
 * `error` (UND_ERR_ABORTED); with no listener that error would be thrown out of the event loop
 * and end the process, so a listener that ignores it goes on first.
 */
import type { Dispatcher } from 'undici';

export function discardBody(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => { /* we asked for it */ });
  body.destroy();
}
