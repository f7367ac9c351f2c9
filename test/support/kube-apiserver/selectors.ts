/**
 * Label and field selector matching for the API stand-in, as the API server evaluates them
 * (independent of src/: the stand-in must not share the code it tests).
 */
import type { Json } from './objects';

type Requirement = (labels: Record<string, string>) => boolean;

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const c of text) {
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === ',' && depth === 0) { parts.push(current); current = ''; } else current += c;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

/** Parses a label selector; throws with the API server's kind of message on nonsense. */
export function parseLabelSelector(selector: string): (labels: Record<string, string>) => boolean {
  const requirements: Requirement[] = [];
  for (const part of splitTopLevel(selector)) {
    let match: RegExpExecArray | null;
    if ((match = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(part)) !== null) {
      const [, key, op, list] = match;
      const values = list.split(',').map((v) => v.trim());
      requirements.push(op === 'in' ? (l) => key in l && values.includes(l[key]) : (l) => !(key in l) || !values.includes(l[key]));
    } else if ((match = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part)) !== null) {
      const [, key, op, value] = match;
      requirements.push(op === '!=' ? (l) => l[key] !== value : (l) => l[key] === value);
    } else if ((match = /^!\s*(\S+)$/.exec(part)) !== null) {
      const key = match[1];
      requirements.push((l) => !(key in l));
    } else if (/^[^=!\s(),]+$/.test(part)) {
      requirements.push((l) => part in l);
    } else {
      throw new Error(`unable to parse requirement: ${part}`);
    }
  }
  return (labels) => requirements.every((r) => r(labels));
}

/** Fields each resource can be selected by (the API server refuses any other). */
const FIELDS: Record<string, string[]> = {
  pods: ['metadata.name', 'metadata.namespace', 'spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'status.phase', 'status.podIP'],
  nodes: ['metadata.name', 'spec.unschedulable'],
};

function fieldValue(object: Json, path: string): string {
  let value: unknown = object;
  for (const part of path.split('.')) value = value !== null && typeof value === 'object' ? (value as Json)[part] : undefined;
  return value === undefined || value === null ? '' : String(value);
}

export function parseFieldSelector(selector: string, resource: string): (object: Json) => boolean {
  const allowed = FIELDS[resource] ?? ['metadata.name', 'metadata.namespace'];
  const terms = selector.split(',').filter((t) => t !== '').map((term) => {
    const match = /^([^=!]+)(==|!=|=)(.*)$/.exec(term);
    if (match === null) throw new Error(`invalid selector: '${selector}'; can't understand '${term}'`);
    const [, field, op, value] = match;
    if (!allowed.includes(field)) throw new Error(`field label not supported: ${field}`);
    return (object: Json) => (op === '!=' ? fieldValue(object, field) !== value : fieldValue(object, field) === value);
  });
  return (object) => terms.every((t) => t(object));
}
