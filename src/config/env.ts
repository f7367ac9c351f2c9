/**
 * Environment variables in the configuration: `${NAME}` (the shell's and Prometheus's spelling)
 * and `%{NAME}` (vmagent's) in any value of the file are replaced by the variable's value when
 * the file is loaded (and again on every reload), so one ConfigMap serves every node:
 * `node: ${NODE_NAME}` in external_labels or a relabel replacement.
 *
 * - An unset variable is a configuration error naming it and its line; a variable set to the
 *   empty string expands to nothing.
 * - Names: `${...}` takes a shell name (`[A-Za-z_][A-Za-z0-9_]*`), `%{...}` vmagent's
 *   (`[A-Za-z_][A-Za-z0-9_.-]*`). Anything else between the braces is not a placeholder and is
 *   left as written, so relabel replacements keep their meaning: `${1}`, `$1`, `$$` (a literal
 *   `$` in a replacement, as in Prometheus) are untouched.
 * - Escapes: `$${NAME}` is the literal text `${NAME}` (Prometheus's `$$` for `$`) and `%%{NAME}`
 *   the literal `%{NAME}`.
 * - Capture groups: in a relabel rule's `replacement` and `target_label`, `${name}` naming a group
 *   of the rule's own regex (`(?P<name>...)` or `(?<name>...)`) stays a group reference, as every
 *   Prometheus configuration writes it; any other `${NAME}` there is a variable.
 *
 * Values are expanded after YAML parsing, one scalar at a time: a variable's value can never
 * change the structure of the file (a value holding a newline and `- job_name:` stays a string).
 */

const PLACEHOLDER = /\$\$\{|%%\{|\$\{([^{}]*)\}|%\{([^{}]*)\}/g;
const SHELL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const VMAGENT_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

export type Environment = Record<string, string | undefined>;

export interface Expansion {
  value: string;
  /** Placeholders naming variables that are not set, in order of appearance. */
  unset: string[];
}

/**
 * Expands `text`; never throws (unset variables come back in `unset`, their text left as is).
 * Names in `captureGroups` are left as written: in a relabel rule's replacement and target_label,
 * `${name}` names the rule's own regex group `(?P<name>...)`, as in Prometheus, not a variable.
 */
export function expandEnvironment(text: string, env: Environment, captureGroups?: ReadonlySet<string>): Expansion {
  const unset: string[] = [];
  if (!text.includes('{')) return { value: text, unset };
  const value = text.replace(PLACEHOLDER, (match: string, shell?: string, vmagent?: string) => {
    if (match === '$${') return '${';
    if (match === '%%{') return '%{';
    const name = shell ?? vmagent ?? '';
    if (!(shell !== undefined ? SHELL_NAME : VMAGENT_NAME).test(name)) return match;
    if (shell !== undefined && captureGroups?.has(name)) return match;
    const found = Object.hasOwn(env, name) ? env[name] : undefined;
    if (found === undefined) {
      unset.push(match);
      return match;
    }
    return found;
  });
  return { value, unset };
}

/** The message for an unset variable, with the escape that writes the placeholder literally. */
export function unsetMessage(placeholder: string): string {
  const name = placeholder.slice(2, -1);
  const escaped = placeholder.startsWith('$') ? `$${placeholder}` : `%${placeholder}`;
  return `environment variable ${JSON.stringify(name)} is not set (write ${escaped} for the literal text ${placeholder})`;
}

const NAMED_GROUP = /\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>/g;

/** The names of a regex's named capture groups (Go's `(?P<name>` and `(?<name>`). */
export function captureGroupNames(regex: string): Set<string> {
  return new Set(Array.from(regex.matchAll(NAMED_GROUP), (match) => match[1]));
}
