/**
 * relabel_configs, metric_relabel_configs and write_relabel_configs: structure, field types and
 * the checks Prometheus's relabel.Config.Validate makes, with its wording. Compiling the rules
 * is src/relabel/'s job; here a regex only has to compile.
 */
import type { RelabelAction, RelabelConfig } from '../relabel/types';
import { isValidLabelName, regexProblem } from './labels';
import type { ValueNode, YamlReader } from './yaml-reader';

const ACTIONS: readonly RelabelAction[] = [
  'replace', 'keep', 'drop', 'keepequal', 'dropequal', 'hashmod',
  'labelmap', 'labeldrop', 'labelkeep', 'lowercase', 'uppercase',
];

const FIELDS = ['source_labels', 'separator', 'target_label', 'regex', 'modulus', 'replacement', 'action'] as const;

export const RELABEL_DEFAULTS = { separator: ';', regex: '(.*)', replacement: '$1', action: 'replace' } as const;

// A target label that may contain `$1` or `${name}` references to regex groups.
const TEMPLATED_LABEL_RE = /^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$/;

/** Reads a list of relabel rules; `ruleKind` names them in Prometheus's "empty or null" message. */
export function readRelabelConfigs(reader: YamlReader, node: ValueNode, path: string, ruleKind: string): RelabelConfig[] {
  const rules: RelabelConfig[] = [];
  for (const item of reader.items(node, path)) {
    if (item.node === null) {
      reader.error(node, item.path, `empty or null ${ruleKind}`);
      continue;
    }
    const rule = readRelabelConfig(reader, item.node, item.path);
    if (rule !== undefined) rules.push(rule);
  }
  return rules;
}

function readRelabelConfig(reader: YamlReader, node: ValueNode, path: string): RelabelConfig | undefined {
  const fields = reader.mapping(node, path, 'relabel_config', FIELDS);
  if (fields === undefined) return undefined;
  const field = (name: (typeof FIELDS)[number]) => fields.get(name)?.value ?? null;
  const at = (name: (typeof FIELDS)[number]) => fields.get(name)?.value ?? fields.get(name)?.key ?? node;
  const before = reader.problems.length;

  const rule: RelabelConfig = {
    source_labels: [],
    separator: reader.string(field('separator'), `${path}.separator`) ?? RELABEL_DEFAULTS.separator,
    regex: reader.string(field('regex'), `${path}.regex`) ?? RELABEL_DEFAULTS.regex,
    replacement: reader.string(field('replacement'), `${path}.replacement`) ?? RELABEL_DEFAULTS.replacement,
    action: RELABEL_DEFAULTS.action,
  };
  for (const item of reader.items(field('source_labels'), `${path}.source_labels`)) {
    const name = reader.string(item.node, item.path);
    if (name === undefined) continue;
    if (!isValidLabelName(name)) reader.error(item.node, item.path, `${JSON.stringify(name)} is not a valid label name`);
    rule.source_labels!.push(name);
  }
  const target = reader.string(field('target_label'), `${path}.target_label`);
  if (target !== undefined) rule.target_label = target;
  const modulus = reader.uint(field('modulus'), `${path}.modulus`);
  if (modulus !== undefined) rule.modulus = modulus;

  const actionText = reader.string(field('action'), `${path}.action`);
  if (actionText !== undefined) {
    // Prometheus lowercases the action before matching it.
    const action = actionText.toLowerCase() as RelabelAction;
    if (ACTIONS.includes(action)) rule.action = action;
    else reader.error(at('action'), `${path}.action`, `unknown relabel action ${JSON.stringify(actionText)}`);
  }
  if (reader.problems.length > before) return undefined;

  const problem = (where: ValueNode, fieldPath: string, reason: string): undefined => {
    reader.error(where, fieldPath, reason);
    return undefined;
  };
  const regexReason = regexProblem(rule.regex!);
  if (regexReason !== undefined) {
    return problem(at('regex'), `${path}.regex`, `invalid regex ${JSON.stringify(rule.regex)}: ${regexReason}`);
  }

  const action = rule.action!;
  const targetLabel = rule.target_label ?? '';
  if (action === 'hashmod' && (rule.modulus ?? 0) === 0) {
    return problem(node, path, 'relabel configuration for hashmod requires non-zero modulus');
  }
  const needsTarget: RelabelAction[] = ['replace', 'hashmod', 'lowercase', 'uppercase', 'keepequal', 'dropequal'];
  if (needsTarget.includes(action) && targetLabel === '') {
    return problem(node, path, `relabel configuration for ${action} action requires 'target_label' value`);
  }
  const targetValid = action === 'replace' ? TEMPLATED_LABEL_RE.test(targetLabel) : isValidLabelName(targetLabel);
  if (needsTarget.includes(action) && !targetValid) {
    return problem(at('target_label'), `${path}.target_label`, `${JSON.stringify(targetLabel)} is invalid 'target_label' for ${action} action`);
  }
  if (action === 'keepequal' || action === 'dropequal') {
    if (rule.regex !== RELABEL_DEFAULTS.regex || rule.modulus !== undefined || rule.separator !== RELABEL_DEFAULTS.separator || rule.replacement !== RELABEL_DEFAULTS.replacement) {
      return problem(node, path, `${action} action requires only 'source_labels' and 'target_label', and no other fields`);
    }
  }
  if (action === 'labeldrop' || action === 'labelkeep') {
    if (rule.source_labels!.length > 0 || targetLabel !== '' || rule.modulus !== undefined || rule.separator !== RELABEL_DEFAULTS.separator || rule.replacement !== RELABEL_DEFAULTS.replacement) {
      return problem(node, path, `${action} action requires only 'regex', and no other fields`);
    }
  }
  if (action === 'labelmap' && !TEMPLATED_LABEL_RE.test(rule.replacement!)) {
    return problem(at('replacement'), `${path}.replacement`, `${JSON.stringify(rule.replacement)} is invalid 'replacement' for labelmap action`);
  }
  return rule;
}
