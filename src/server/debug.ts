/**
 * /debug/heap and /debug/profile, the Node counterparts of Go's pprof endpoints. Served only with
 * enableDebug: a heap snapshot holds every string in the process, scrape bodies and credentials
 * included, and V8 takes it synchronously, stopping the event loop (and so every scrape) meanwhile:
 * 0.3 s for a bare Node process, 23 s once the TypeScript compiler is loaded (18 MB of heap, a
 * 2-core machine), measured with v8.getHeapSnapshot() on Node 20.
 */
import type { ServerResponse } from 'node:http';
import { Session } from 'node:inspector/promises';
import { pipeline } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { getHeapSnapshot } from 'node:v8';
import { sendJson, sendText } from './respond';
import type { Logger } from './types';

export const MAX_PROFILE_SECONDS = 300;
/** pprof's default. */
export const DEFAULT_PROFILE_SECONDS = 30;

function downloadName(kind: string, extension: string): string {
  return `scrapewire-${kind}-${new Date().toISOString().replace(/[:.]/g, '-')}.${extension}`;
}

/** Streams a V8 heap snapshot (load it in Chrome DevTools, Memory tab). */
export function handleHeapSnapshot(res: ServerResponse, logger: Logger): void {
  logger.info({}, 'taking a heap snapshot');
  const snapshot = getHeapSnapshot();
  res.writeHead(200, {
    'content-type': 'application/octet-stream',
    'content-disposition': `attachment; filename="${downloadName('heap', 'heapsnapshot')}"`,
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
  });
  // pipeline destroys the snapshot stream when the client goes away.
  pipeline(snapshot, res, (error) => {
    if (error && !res.destroyed) logger.warn({ err: error }, 'heap snapshot stream failed');
  });
}

/** Parses `seconds` as pprof does, an integer; here limited to 1..300. */
export function parseProfileSeconds(value: string | null): number | undefined {
  if (value === null || value === '') return DEFAULT_PROFILE_SECONDS;
  if (!/^\d+$/.test(value)) return undefined;
  const seconds = Number(value);
  return seconds >= 1 && seconds <= MAX_PROFILE_SECONDS ? seconds : undefined;
}

/**
 * Records a CPU profile for `seconds` and sends it as a .cpuprofile (DevTools, Performance tab,
 * or speedscope). `signal` ends the recording early without a response: the client left or the
 * server is closing.
 */
export async function handleCpuProfile(
  res: ServerResponse,
  query: URLSearchParams,
  signal: AbortSignal,
  logger: Logger,
): Promise<void> {
  const seconds = parseProfileSeconds(query.get('seconds'));
  if (seconds === undefined) {
    sendText(res, 400, `seconds must be an integer from 1 to ${MAX_PROFILE_SECONDS}\n`);
    return;
  }
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
    logger.info({ seconds }, 'recording a CPU profile');
    let completed = true;
    try {
      await sleep(seconds * 1000, undefined, { signal });
    } catch {
      completed = false;
    }
    const { profile } = await session.post('Profiler.stop');
    if (!completed || res.destroyed) return;
    sendJson(res, 200, profile, {
      'content-disposition': `attachment; filename="${downloadName('cpu', 'cpuprofile')}"`,
    });
  } finally {
    session.disconnect();
  }
}
