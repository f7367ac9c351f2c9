/**
 * Kubernetes label and field selectors, checked the way the API server (and Prometheus, at
 * config load) parses them, so a typo is a config error naming the line instead of an HTTP 400
 * from every list request. The selectors are sent to the API server verbatim; nothing here
 * matches objects.
 *
 * Label selectors (k8s.io/apimachinery labels.Parse): comma-separated requirements
 * `key`, `!key`, `key = v`, `key == v`, `key != v`, `key in (v1, v2)`, `key notin (v1)`,
 * `key > 5`, `key < 5`; a key is `[prefix/]name` (prefix a DNS subdomain of at most 253
 * characters, name at most 63 alphanumerics, `-`, `_`, `.`, starting and ending alphanumeric);
 * a value is empty or such a name.
 *
 * Field selectors (fields.ParseSelector): comma-separated `key=v`, `key==v`, `key!=v`, where
 * `\,`, `\=` and `\\` escape those characters in a value.
 */

const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function keyProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (slash !== -1) {
    const prefix = key.slice(0, slash);
    if (prefix === '' || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix)) {
      return `invalid label key ${JSON.stringify(key)}: prefix part must be a DNS subdomain`;
    }
  }
  if (name === '' || name.length > 63 || !NAME.test(name)) {
    return `invalid label key ${JSON.stringify(key)}: name part must be at most 63 characters: alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric`;
  }
  return undefined;
}

function valueProblem(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63 || !NAME.test(value)) {
    return `invalid label value ${JSON.stringify(value)}: must be at most 63 characters: alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric`;
  }
  return undefined;
}

/** Splits on commas outside parentheses. */
function splitRequirements(selector: string): string[] | undefined {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth < 0) return undefined;
    } else if (c === ',' && depth === 0) {
      parts.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  if (depth !== 0) return undefined;
  parts.push(selector.slice(start));
  return parts;
}

/** Why `selector` is not a valid label selector, or undefined when it is ('' selects everything). */
export function labelSelectorProblem(selector: string): string | undefined {
  if (selector.trim() === '') return undefined;
  const requirements = splitRequirements(selector);
  if (requirements === undefined) return 'unbalanced parentheses';
  for (const raw of requirements) {
    const requirement = raw.trim();
    if (requirement === '') return 'found an empty requirement (a stray comma)';
    const set = /^(\S+?)\s+(in|notin)\s*\((.*)\)$/.exec(requirement);
    if (set !== null) {
      const problem = keyProblem(set[1]);
      if (problem !== undefined) return problem;
      const values = set[3].split(',').map((v) => v.trim());
      if (set[2] === 'in' || set[2] === 'notin') {
        for (const value of values) {
          const valueIssue = valueProblem(value);
          if (valueIssue !== undefined) return valueIssue;
        }
      }
      continue;
    }
    const comparison = /^([^=!<>\s]+)\s*(==|=|!=|<|>)\s*(\S*)$/.exec(requirement);
    if (comparison !== null) {
      const problem = keyProblem(comparison[1]);
      if (problem !== undefined) return problem;
      const [, , operator, value] = comparison;
      if (operator === '<' || operator === '>') {
        if (!/^-?\d+$/.test(value)) return `for ${JSON.stringify(operator)} operator, the value must be an integer, not ${JSON.stringify(value)}`;
        continue;
      }
      const valueIssue = valueProblem(value);
      if (valueIssue !== undefined) return valueIssue;
      continue;
    }
    const exists = /^(!?)\s*([^\s=!<>(),]+)$/.exec(requirement);
    if (exists !== null) {
      const problem = keyProblem(exists[2]);
      if (problem !== undefined) return problem;
      continue;
    }
    return `cannot understand requirement ${JSON.stringify(requirement)}`;
  }
  return undefined;
}

/** Splits on commas not escaped by a backslash. */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let current = '';
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (c === '\\' && i + 1 < selector.length) {
      current += c + selector[++i];
    } else if (c === ',') {
      terms.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  terms.push(current);
  return terms;
}

/** Why `selector` is not a valid field selector, or undefined when it is ('' selects everything). */
export function fieldSelectorProblem(selector: string): string | undefined {
  if (selector === '') return undefined;
  for (const term of splitTerms(selector)) {
    if (term === '') continue;
    const match = /^([^=!\\]+)(==|!=|=)(.*)$/.exec(term);
    if (match === null) return `invalid selector: ${JSON.stringify(selector)}; can't understand ${JSON.stringify(term)}`;
    const value = match[3];
    for (let i = 0; i < value.length; i++) {
      if (value[i] !== '\\') continue;
      if (!['\\', ',', '='].includes(value[i + 1] ?? '')) return `invalid escape sequence in field selector value ${JSON.stringify(value)}`;
      i++;
    }
  }
  return undefined;
}
