/**
 * Validation of relabel_configs and their compilation into rules, done once at config load.
 * Every problem is a ScrapewireError('ERR_CONFIG') whose message names the rule
 * (`<where>[<index>]`) and the field, e.g.
 * `scrape_configs[0].metric_relabel_configs[2].target_label: replace action requires target_label`.
 * The checks follow Prometheus's Config.Validate (model/relabel), so a rule list accepted here is
 * accepted by Prometheus with the same name validation scheme.
 */
import { ScrapewireError } from '../core/errors';
import { isValidLabelName, isValidTargetTemplate, type NameValidation } from './label-names';
import { Re2SyntaxError, translateRe2 } from './re2';
import { parseTemplate, type Template } from './template';
import type { RelabelAction, RelabelConfig } from './types';

export interface CompileOptions {
  /** Which label names replace/labelmap/hashmod/... may write. Default 'utf8' (Prometheus 3). */
  nameValidation?: NameValidation;
}

/** One validated rule, ready to run. */
export interface CompiledRule {
  readonly action: RelabelAction;
  readonly sourceLabels: readonly string[];
  readonly separator: string;
  /** Anchored `^(?:...)$`. */
  readonly regex: RegExp;
  /** The regex is the default `(.*)`: it matches everything, with group 1 = the input. */
  readonly matchesEverything: boolean;
  /** target_label as written ('' for actions without one). */
  readonly targetLabel: string;
  /** Parsed target_label for replace (it may reference groups). */
  readonly targetTemplate: Template;
  readonly replacement: Template;
  /** hashmod only; 0n otherwise. */
  readonly modulus: bigint;
  readonly nameValidation: NameValidation;
}

const DEFAULT_SEPARATOR = ';';
const DEFAULT_REGEX = '(.*)';
const DEFAULT_REPLACEMENT = '$1';

const ACTIONS: ReadonlySet<string> = new Set<RelabelAction>([
  'replace', 'keep', 'drop', 'keepequal', 'dropequal', 'hashmod',
  'labelmap', 'labeldrop', 'labelkeep', 'lowercase', 'uppercase',
]);
const FIELDS: ReadonlySet<string> = new Set<keyof RelabelConfig>([
  'source_labels', 'separator', 'target_label', 'regex', 'modulus', 'replacement', 'action',
]);
const NEEDS_TARGET: ReadonlySet<string> = new Set(['replace', 'hashmod', 'lowercase', 'uppercase', 'keepequal', 'dropequal']);
const NO_REPLACEMENT: ReadonlySet<string> = new Set(['lowercase', 'uppercase', 'keepequal', 'dropequal']);

export function compileRule(config: RelabelConfig, index: number, where: string, options: CompileOptions = {}): CompiledRule {
  const at = `${where}[${index}]`;
  const fail = (field: string | null, reason: string): never => {
    throw new ScrapewireError('ERR_CONFIG', `${at}${field === null ? '' : `.${field}`}: ${reason}`);
  };

  if (config === null || typeof config !== 'object' || Array.isArray(config)) fail(null, 'must be a mapping');
  for (const key of Object.keys(config)) if (!FIELDS.has(key)) fail(null, `unknown field "${key}"`);
  const raw = config as Record<keyof RelabelConfig, unknown>;

  const sourceLabels = raw.source_labels;
  if (sourceLabels !== undefined && (!Array.isArray(sourceLabels) || !sourceLabels.every((s) => typeof s === 'string'))) {
    fail('source_labels', 'must be a list of strings');
  }
  for (const field of ['separator', 'target_label', 'regex', 'replacement', 'action'] as const) {
    if (raw[field] !== undefined && typeof raw[field] !== 'string') fail(field, 'must be a string');
  }
  if (raw.modulus !== undefined && typeof raw.modulus !== 'number') fail('modulus', 'must be a number');

  const actionName = config.action === undefined ? 'replace' : config.action.toLowerCase();
  if (!ACTIONS.has(actionName)) fail('action', `unknown relabel action "${config.action}"`);
  const action = actionName as RelabelAction;
  const separator = config.separator ?? DEFAULT_SEPARATOR;
  const regexSource = config.regex ?? DEFAULT_REGEX;
  const replacementSource = config.replacement ?? DEFAULT_REPLACEMENT;
  const targetLabel = config.target_label ?? '';
  const modulus = config.modulus ?? 0;
  const scheme = options.nameValidation ?? 'utf8';

  let translated;
  let regex: RegExp;
  try {
    translated = translateRe2(regexSource);
    regex = new RegExp(`^(?:${translated.source})$`, translated.caseInsensitive ? 'sui' : 'su');
  } catch (err) {
    const reason = err instanceof Re2SyntaxError ? err.message : jsRegexReason(err);
    return fail('regex', `invalid regular expression "${regexSource}": ${reason}`);
  }

  if (action === 'hashmod') {
    if (modulus === 0) fail('modulus', 'hashmod action requires a non-zero modulus');
    if (!Number.isSafeInteger(modulus) || modulus < 0) {
      fail('modulus', `must be a positive integer no larger than ${Number.MAX_SAFE_INTEGER}, got ${modulus}`);
    }
  }
  if (NEEDS_TARGET.has(action) && targetLabel === '') fail('target_label', `${action} action requires target_label`);
  const targetValid =
    action === 'replace' && targetLabel.includes('$')
      ? isValidTargetTemplate(targetLabel, scheme)
      : isValidLabelName(targetLabel, scheme);
  if (NEEDS_TARGET.has(action) && !targetValid) {
    fail('target_label', `${JSON.stringify(targetLabel)} is not a valid label name for ${action} action`);
  }
  if (NO_REPLACEMENT.has(action) && replacementSource !== DEFAULT_REPLACEMENT) {
    fail('replacement', `can not be set for ${action} action`);
  }
  if (action === 'labelmap' && !isValidTargetTemplate(replacementSource, scheme)) {
    fail('replacement', `${JSON.stringify(replacementSource)} is not a valid label name for labelmap action`);
  }
  if (action === 'keepequal' || action === 'dropequal') {
    const extra = firstSet(config, { regex: DEFAULT_REGEX, modulus: 0, separator: DEFAULT_SEPARATOR, replacement: DEFAULT_REPLACEMENT });
    if (extra !== null) fail(extra, `${action} action allows only source_labels and target_label`);
  }
  if (action === 'labeldrop' || action === 'labelkeep') {
    if (config.source_labels !== undefined) fail('source_labels', `${action} action allows only regex`);
    const extra = firstSet(config, { target_label: '', modulus: 0, separator: DEFAULT_SEPARATOR, replacement: DEFAULT_REPLACEMENT });
    if (extra !== null) fail(extra, `${action} action allows only regex`);
  }

  return {
    action,
    sourceLabels: config.source_labels ?? [],
    separator,
    regex,
    matchesEverything: regexSource === DEFAULT_REGEX,
    targetLabel,
    targetTemplate: parseTemplate(action === 'replace' ? targetLabel : '', translated.groupCount, translated.groupNames),
    replacement: parseTemplate(replacementSource, translated.groupCount, translated.groupNames),
    modulus: BigInt(action === 'hashmod' ? modulus : 0),
    nameValidation: scheme,
  };
}

/** The first field of `defaults` that the config sets to something else, or null. */
function firstSet(config: RelabelConfig, defaults: Partial<Record<keyof RelabelConfig, string | number>>): string | null {
  for (const [field, value] of Object.entries(defaults)) {
    const actual = config[field as keyof RelabelConfig];
    if (actual !== undefined && actual !== value) return field;
  }
  return null;
}

/** V8 says "Invalid regular expression: /^(?:...)$/su: Nothing to repeat"; keep the reason. */
function jsRegexReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const cut = message.lastIndexOf(': ');
  return cut === -1 ? message : message.slice(cut + 2);
}
