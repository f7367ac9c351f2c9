/**
 * The request target of an HTTP request line (`req.url`), parsed without ever throwing. The
 * server routes on the path alone; `new URL(req.url, base)` is not used for that because it
 * throws on targets a client can send at will (`//[x/`, `http://[::1/`, `http://a%00b/`), and
 * a throw there used to end the process.
 */

export interface RequestTarget {
  /** The path as sent, not percent-decoded (routes are matched byte for byte, as Go's mux does after cleaning). */
  path: string;
  query: URLSearchParams;
}

/** Longest target accepted; Node's own head limit (16 KiB) bounds it first in practice. */
const MAX_TARGET_LENGTH = 8192;

/**
 * Origin form (`/path?query`), and absolute form (`http://host/path?query`), which HTTP/1.1
 * servers must accept; anything else (authority form, `*`, or bytes that cannot be part of a
 * target) is undefined, which the server answers with 400.
 */
export function parseRequestTarget(raw: string | undefined): RequestTarget | undefined {
  if (raw === undefined || raw.length === 0 || raw.length > MAX_TARGET_LENGTH) return undefined;
  // Only visible ASCII: llhttp already refuses controls and spaces, this keeps non-ASCII out too.
  if (!/^[\x21-\x7e]+$/.test(raw)) return undefined;
  let pathAndQuery = raw;
  if (!raw.startsWith('/')) {
    const absolute = /^https?:\/\/[^/?#]+(.*)$/i.exec(raw);
    if (absolute === null) return undefined;
    try {
      // Only to refuse a malformed authority (`http://[::1/`, `http://a%00b/`): its host is not used.
      new URL(raw);
    } catch {
      return undefined;
    }
    pathAndQuery = absolute[1] === '' ? '/' : absolute[1];
    if (!pathAndQuery.startsWith('/') && !pathAndQuery.startsWith('?')) return undefined;
    if (pathAndQuery.startsWith('?')) pathAndQuery = `/${pathAndQuery}`;
  }
  const hash = pathAndQuery.indexOf('#');
  if (hash >= 0) pathAndQuery = pathAndQuery.slice(0, hash);
  const questionMark = pathAndQuery.indexOf('?');
  const path = questionMark < 0 ? pathAndQuery : pathAndQuery.slice(0, questionMark);
  const queryText = questionMark < 0 ? '' : pathAndQuery.slice(questionMark + 1);
  // URLSearchParams never throws: a bad percent escape is kept as written.
  return { path, query: new URLSearchParams(queryText) };
}
