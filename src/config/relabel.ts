/**
 * relabel_configs, metric_relabel_configs and write_relabel_configs: structure and field types
 * are read here; every rule is then judged by the relabel compiler (src/relabel/compile.ts), the
 * same code `scrapewire run` compiles the rules with, so a file `scrapewire check config` accepts
 * never has a rule that `run` refuses, and the message is the same.
 */
import { compileRule, RelabelRuleError } from '../relabel/compile';
import type { RelabelAction, RelabelConfig } from '../relabel/types';
import { captureGroupNames } from './env';
import { isValidLabelName } from './labels';
import type { ValueNode, YamlReader } from './yaml-reader';

const ACTIONS: readonly RelabelAction[] = [
  'replace', 'keep', 'drop', 'keepequal', 'dropequal', 'hashmod',
  'labelmap', 'labeldrop', 'labelkeep', 'lowercase', 'uppercase',
];

const FIELDS = ['source_labels', 'separator', 'target_label', 'regex', 'modulus', 'replacement', 'action'] as const;

export const RELABEL_DEFAULTS = { separator: ';', regex: '(.*)', replacement: '$1', action: 'replace' } as const;

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

  const regex = reader.string(field('regex'), `${path}.regex`) ?? RELABEL_DEFAULTS.regex;
  const groups = captureGroupNames(regex);
  const rule: RelabelConfig = {
    separator: reader.string(field('separator'), `${path}.separator`) ?? RELABEL_DEFAULTS.separator,
    regex,
    replacement: reader.template(field('replacement'), `${path}.replacement`, groups) ?? RELABEL_DEFAULTS.replacement,
    action: RELABEL_DEFAULTS.action,
  };
  // Absent (or null) source_labels stay absent: labeldrop and labelkeep refuse any list, even an
  // empty one, as Prometheus does, and accept none.
  if (field('source_labels') !== null) {
    const sourceLabels: string[] = [];
    for (const item of reader.items(field('source_labels'), `${path}.source_labels`)) {
      const name = reader.string(item.node, item.path);
      if (name === undefined) continue;
      if (!isValidLabelName(name)) reader.error(item.node, item.path, `${JSON.stringify(name)} is not a valid label name`);
      sourceLabels.push(name);
    }
    rule.source_labels = sourceLabels;
  }
  const target = reader.template(field('target_label'), `${path}.target_label`, groups);
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

  try {
    // Legacy label names, as everywhere in this loader (Prometheus 2's rules).
    compileRule(rule, 0, path, { nameValidation: 'legacy' });
  } catch (err) {
    if (!(err instanceof RelabelRuleError)) throw err;
    const fieldPath = err.field === undefined ? path : `${path}.${err.field}`;
    reader.error(err.field === undefined ? node : at(err.field), fieldPath, err.problem);
    return undefined;
  }
  return rule;
}
