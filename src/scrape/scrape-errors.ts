/**
 * Turns what can go wrong during the HTTP side of a scrape into ScrapewireErrors that name the
 * target (its URL without credentials), and makes sure no secret travels with them.
 *
 * Codes used:
 *   ERR_SCRAPE_TIMEOUT   the scrape deadline passed (before the headers or while reading the body)
 *   ERR_BODY_SIZE_LIMIT  the decompressed body grew past body_size_limit
 *   ERR_HTTP_STATUS      a non-2xx answer, and (see TRANSPORT_ERROR_CODE) everything that kept
 *                        the request from completing: refused connection, TLS failure, reset
 *                        socket, corrupt gzip
 *   ERR_CONFIG           a credential or TLS file that cannot be read, an invalid option
 *   ERR_PARSE            (see CONTENT_TYPE_ERROR_CODE) a body no parser can read: its Content-Type
 *                        is blank, malformed or unknown and there is no fallback_scrape_protocol,
 *                        or it is protobuf
 */

import { STATUS_CODES } from 'node:http';

import { ScrapewireError, type ErrorCode } from '../errors';

/**
 * A request that got no answer: ERR_HTTP_STATUS, which covers a target's answer and the lack of
 * one (errors.ts). Prometheus reports these as plain scrape errors with up=0.
 */
export const TRANSPORT_ERROR_CODE: ErrorCode = 'ERR_HTTP_STATUS';

/** "server returned HTTP status 500 Internal Server Error", as Prometheus words it. */
export function httpStatusError(target: string, status: number, statusText?: string): ScrapewireError {
  const text = statusText || STATUS_CODES[status] || '';
  return new ScrapewireError('ERR_HTTP_STATUS', `server returned HTTP status ${status}${text ? ` ${text}` : ''}`, {
    target,
  });
}

export function scrapeTimeoutError(target: string, timeoutMs: number): ScrapewireError {
  return new ScrapewireError('ERR_SCRAPE_TIMEOUT', `scrape timed out after ${timeoutMs} ms (scrape timeout)`, {
    target,
  });
}

export function bodySizeLimitError(target: string, limitBytes: number): ScrapewireError {
  return new ScrapewireError(
    'ERR_BODY_SIZE_LIMIT',
    `body size limit of ${limitBytes} bytes exceeded (counted after decompression)`,
    { target },
  );
}

/**
 * errors.ts has no code for a body of a format scrapewire cannot read (Prometheus fails the
 * scrape when it finds no parser). ERR_PARSE is the closest; change it here once a dedicated
 * code exists (src/core is off limits while issue 11 refactors it).
 */
export const CONTENT_TYPE_ERROR_CODE: ErrorCode = 'ERR_PARSE';

/** A response no parser can read (negotiation.ts formatFromContentType says why). */
export function contentTypeError(target: string, reason: string): ScrapewireError {
  return new ScrapewireError(CONTENT_TYPE_ERROR_CODE, reason, { target });
}

export function unsupportedEncodingError(target: string, encoding: string): ScrapewireError {
  return new ScrapewireError(TRANSPORT_ERROR_CODE, `unsupported Content-Encoding ${JSON.stringify(encoding)}`, {
    target,
  });
}

/**
 * Wraps an error from undici, node:net/tls or zlib. Their messages describe the socket, the
 * certificate or the gzip stream, never request headers, so they are kept as the reason. The
 * original error stays reachable as `cause` for its `code` (ECONNREFUSED,
 * ERR_TLS_CERT_ALTNAME_INVALID, Z_DATA_ERROR, ...).
 */
export function transportError(target: string, what: 'request failed' | 'reading body failed', err: unknown): ScrapewireError {
  if (err instanceof ScrapewireError) return err.target === undefined ? err.withTarget(target) : err;
  const e = err as { message?: unknown; code?: unknown } | undefined;
  const message = typeof e?.message === 'string' && e.message !== '' ? e.message : String(err);
  const code = typeof e?.code === 'string' ? ` (${e.code})` : '';
  return new ScrapewireError(TRANSPORT_ERROR_CODE, `${what}: ${message}${code}`, { target, cause: err });
}
