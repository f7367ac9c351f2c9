/**
 * Replacement templates (`replacement`, and `target_label` for replace), expanded the way Go's
 * Regexp.Expand does: `$$` is a dollar; `$name` takes the longest run of letters, digits and
 * underscores, so `$1x` refers to a group named `1x` (usually absent, hence empty), while `${1}x`
 * is group 1 followed by `x`; a number with a leading zero is a name; a reference to a missing
 * group expands to nothing; a malformed `$` (no name, unclosed brace) stays a literal `$`.
 *
 * Templates are parsed once into literal and group-index parts; expansion is a concatenation.
 */

/** A literal string, or the index of a capture group (0 = the whole match). */
export type TemplatePart = string | number;

export interface Template {
  readonly parts: readonly TemplatePart[];
  /**
   * True when the template contains a reference, even one to a missing group: a target_label of
   * `${3}` is then re-validated per series (it expands to the empty, invalid, name).
   */
  readonly hasReferences: boolean;
  /** The literal text when hasReferences is false. */
  readonly constant: string;
}

/** Go's extract accepts unicode.IsLetter, unicode.IsDigit and '_' in a name. */
const NAME_CHAR = /[\p{L}\p{Nd}_]/u;

/** Parses a template against a regex with `groupCount` groups and the given named groups. */
export function parseTemplate(template: string, groupCount: number, groupNames: ReadonlyMap<string, number>): Template {
  const parts: TemplatePart[] = [];
  let text = '';
  let sawReference = false;
  let i = 0;
  while (i < template.length) {
    const dollar = template.indexOf('$', i);
    if (dollar === -1) {
      text += template.slice(i);
      break;
    }
    text += template.slice(i, dollar);
    i = dollar + 1;
    if (template[i] === '$') {
      text += '$';
      i++;
      continue;
    }
    const reference = readReference(template, i);
    if (reference === null) {
      text += '$';
      continue;
    }
    i = reference.end;
    sawReference = true;
    const group = resolve(reference.name, groupCount, groupNames);
    if (group === -1) continue;
    if (text !== '') parts.push(text);
    text = '';
    parts.push(group);
  }
  if (text !== '') parts.push(text);
  return { parts, hasReferences: sawReference, constant: sawReference ? '' : text };
}

function readReference(template: string, start: number): { name: string; end: number } | null {
  const braced = template[start] === '{';
  let i = braced ? start + 1 : start;
  const nameStart = i;
  while (i < template.length) {
    const ch = String.fromCodePoint(template.codePointAt(i)!);
    if (!NAME_CHAR.test(ch)) break;
    i += ch.length;
  }
  if (i === nameStart) return null;
  const name = template.slice(nameStart, i);
  if (braced) {
    if (template[i] !== '}') return null;
    i++;
  }
  return { name, end: i };
}

/** Group index for a reference name, or -1 when it names no group (expands to nothing). */
function resolve(name: string, groupCount: number, groupNames: ReadonlyMap<string, number>): number {
  // Go reads a number only without a leading zero and below 10 digits; otherwise (like `01`)
  // the digits are a group name, which RE2 allows.
  if (/^[0-9]{1,9}$/.test(name) && (name.length === 1 || name[0] !== '0')) {
    const num = Number(name);
    return num <= groupCount ? num : -1;
  }
  return groupNames.get(name) ?? -1;
}

/**
 * Expands a template. `match` holds the groups of a match (an unmatched group is undefined or
 * null), or is null for the match-everything regex `(.*)`, where groups 0 and 1 are both `input`.
 */
export function expandTemplate(template: Template, match: ArrayLike<string | null | undefined> | null, input: string): string {
  if (!template.hasReferences) return template.constant;
  const parts = template.parts;
  let out = '';
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (typeof part === 'string') out += part;
    else if (match === null) out += part <= 1 ? input : '';
    else out += match[part] ?? '';
  }
  return out;
}
