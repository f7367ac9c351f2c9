/**
 * Keeps credentials written into URLs (`https://user:pass@host/`) off the /targets page, the API
 * and the logs. Query strings are kept: Prometheus shows `params` too, and they rarely hold secrets
 * (a token belongs in `authorization`, which never reaches a URL).
 */

/** The URL without its userinfo; text that does not parse as a URL is returned scrubbed by scrubUserinfo(). */
export function urlWithoutUserinfo(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username === '' && parsed.password === '') return url;
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return scrubUserinfo(url);
  }
}

// scheme://userinfo@ where userinfo stops at the first '/', whitespace, quote or '@'.
const USERINFO_IN_TEXT = /([a-z][a-z0-9+.-]*:\/\/)[^/\s"'<>@]*@/gi;

/** Removes the userinfo of every URL inside free text, such as an error message that quotes a URL. */
export function scrubUserinfo(text: string): string {
  return text.replace(USERINFO_IN_TEXT, '$1');
}
