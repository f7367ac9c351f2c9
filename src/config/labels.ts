/** Label name rules shared by the config sections (Prometheus's legacy character set). */

const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function isValidLabelName(name: string): boolean {
  return LABEL_NAME_RE.test(name);
}

/**
 * Whether `regex` compiles once anchored the way Prometheus anchors relabel regexes
 * (`^(?:regex)$`). Prometheus uses Go's RE2; a leading flag group such as `(?i)` is RE2 syntax
 * that JS only accepts as flags, so it is translated here. Returns the reason when it does not.
 */
export function regexProblem(regex: string): string | undefined {
  let body = regex;
  let flags = '';
  const flagGroup = /^\(\?([imsU]+)\)/.exec(regex);
  if (flagGroup !== null) {
    if (flagGroup[1].includes('U')) return 'the RE2 flag U (ungreedy) is not supported';
    flags = [...new Set(flagGroup[1])].join('');
    body = regex.slice(flagGroup[0].length);
  }
  try {
    new RegExp(`^(?:${body})$`, flags);
    return undefined;
  } catch (err) {
    const message = (err as Error).message;
    // V8 says "Invalid regular expression: /<source>/<flags>: <reason>"; keep the reason.
    const reason = message.slice(message.lastIndexOf(': ') + 2);
    return reason === '' ? message : reason;
  }
}
