/**
 * Validation of relabel rules and their compilation, done once at config load. This is the one
 * place a rule is judged: the config loader (src/config/relabel.ts) runs every rule it reads
 * through compileRule, so `scrapewire check config` and `scrapewire run` accept and refuse
 * exactly the same rules, with the same message.
 *
 * The checks and their wording are Prometheus's relabel.Config.Validate. A problem is a
 * RelabelRuleError (ScrapewireError 'ERR_CONFIG') naming the rule (`<where>[<index>]`) and, when
 * one field is at fault, that field, e.g.
 * `scrape_configs[0].metric_relabel_configs[2].regex: invalid regex "a(?=b)": error parsing regexp: ...`.
 *
 * Regexes are Go RE2 syntax, compiled by re2js (a port of Go's regexp: the same parser, so the
 * same patterns are accepted and refused with the same messages, and matching in time linear in
 * the input). Like Prometheus 3, a regex is wrapped as `^(?s:<regex>)$`: anchored at both ends,
 * `.` matching a newline unless the regex says `(?-s)`.
 */
import type { RE2JS } from 're2js';
import { ScrapewireError } from '../errors';
import { isValidLabelName, isValidTargetTemplate, type NameValidation } from './label-names';
import { parseTemplate, type Template } from './template';
import type { RelabelAction, RelabelConfig } from './types';

/** How relabel rules are compiled. */
export interface CompileOptions {
  /** Which label names replace/labelmap/hashmod/... may write. Default 'utf8' (Prometheus 3). */
  nameValidation?: NameValidation;
}

/** A refused rule: `field` is the field at fault, or undefined when it is the rule as a whole. */
export class RelabelRuleError extends ScrapewireError {
  constructor(
    readonly rule: string,
    readonly field: keyof RelabelConfig | undefined,
    /** The reason without the rule's name: what the config loader puts after `file:line: path`. */
    readonly problem: string,
  ) {
    super('ERR_CONFIG', `${rule}${field === undefined ? '' : `.${field}`}: ${problem}`);
    this.name = 'RelabelRuleError';
  }
}

/** One validated rule, ready to run. */
export interface CompiledRule {
  readonly action: RelabelAction;
  readonly sourceLabels: readonly string[];
  readonly separator: string;
  /** The regex, anchored `^(?s:...)$`. */
  readonly regex: RE2JS;
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

/**
 * Compiles a regex the way Prometheus does. Throws what re2js throws: for a pattern Go's
 * regexp/syntax refuses (lookaround, backreferences, `\Z`, repeat counts over 1000, ...), a
 * RE2JSSyntaxException whose message is Go's (`error parsing regexp: ...`).
 */
export function compileAnchoredRegex(source: string): RE2JS {
  return re2js().RE2JS.compile(`^(?s:${source})$`);
}

let loaded: typeof import('re2js') | undefined;

/**
 * re2js, loaded by the first regex: a configuration without relabel rules (the bundled default
 * one) never loads it. Its Unicode tables are built when it loads: the loaded bundle is 0.5-0.7
 * MiB of RSS smaller without them (bench/RESULTS.md, 2026-12-03 "the memory floor").
 */
function re2js(): typeof import('re2js') {
  // A require, not an import(): compileRule is synchronous. esbuild keeps it lazy in the bundle.
  loaded ??= require('re2js') as typeof import('re2js');
  return loaded;
}

export function compileRule(config: RelabelConfig, index: number, where: string, options: CompileOptions = {}): CompiledRule {
  const at = `${where}[${index}]`;
  const fail = (field: keyof RelabelConfig | undefined, reason: string): never => {
    throw new RelabelRuleError(at, field, reason);
  };

  if (config === null || typeof config !== 'object' || Array.isArray(config)) fail(undefined, 'must be a mapping');
  for (const key of Object.keys(config)) if (!FIELDS.has(key)) fail(undefined, `unknown field "${key}"`);
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
  if (!ACTIONS.has(actionName)) fail('action', `unknown relabel action ${JSON.stringify(config.action)}`);
  const action = actionName as RelabelAction;
  const separator = config.separator ?? DEFAULT_SEPARATOR;
  const regexSource = config.regex ?? DEFAULT_REGEX;
  const replacementSource = config.replacement ?? DEFAULT_REPLACEMENT;
  const targetLabel = config.target_label ?? '';
  const modulus = config.modulus ?? 0;
  const scheme = options.nameValidation ?? 'utf8';

  let regex: RE2JS;
  try {
    regex = compileAnchoredRegex(regexSource);
  } catch (err) {
    return fail('regex', `invalid regex ${JSON.stringify(regexSource)}: ${(err as Error).message}`);
  }

  // Prometheus's order of checks, so that a rule with several problems reports the same one.
  if (action === 'hashmod' && modulus === 0) fail(undefined, 'relabel configuration for hashmod requires non-zero modulus');
  if (action === 'hashmod' && (!Number.isSafeInteger(modulus) || modulus < 0)) {
    // Go reads a uint64; a JS number is exact only up to 2^53.
    fail('modulus', `must be a positive integer no larger than ${Number.MAX_SAFE_INTEGER}, got ${modulus}`);
  }
  if (NEEDS_TARGET.has(action) && targetLabel === '') {
    fail(undefined, `relabel configuration for ${action} action requires 'target_label' value`);
  }
  const targetValid =
    action === 'replace' && targetLabel.includes('$')
      ? isValidTargetTemplate(targetLabel, scheme)
      : isValidLabelName(targetLabel, scheme);
  if (NEEDS_TARGET.has(action) && !targetValid) {
    fail('target_label', `${JSON.stringify(targetLabel)} is invalid 'target_label' for ${action} action`);
  }
  if (NO_REPLACEMENT.has(action) && replacementSource !== DEFAULT_REPLACEMENT) {
    fail(undefined, `'replacement' can not be set for ${action} action`);
  }
  if (action === 'labelmap' && !isValidTargetTemplate(replacementSource, scheme)) {
    fail('replacement', `${JSON.stringify(replacementSource)} is invalid 'replacement' for labelmap action`);
  }
  if (action === 'keepequal' || action === 'dropequal') {
    if (regexSource !== DEFAULT_REGEX || modulus !== 0 || separator !== DEFAULT_SEPARATOR || replacementSource !== DEFAULT_REPLACEMENT) {
      fail(undefined, `${action} action requires only 'source_labels' and \`target_label\`, and no other fields`);
    }
  }
  if (action === 'labeldrop' || action === 'labelkeep') {
    // As Prometheus: any source_labels, even an empty list, is refused; absent is fine.
    if (config.source_labels !== undefined || targetLabel !== '' || modulus !== 0 || separator !== DEFAULT_SEPARATOR || replacementSource !== DEFAULT_REPLACEMENT) {
      fail(undefined, `${action} action requires only 'regex', and no other fields`);
    }
  }

  const groupCount = regex.groupCount();
  const groupNames = new Map(Object.entries(regex.namedGroups()));
  return {
    action,
    sourceLabels: config.source_labels ?? [],
    separator,
    regex,
    matchesEverything: regexSource === DEFAULT_REGEX,
    targetLabel,
    targetTemplate: parseTemplate(action === 'replace' ? targetLabel : '', groupCount, groupNames),
    replacement: parseTemplate(replacementSource, groupCount, groupNames),
    modulus: BigInt(action === 'hashmod' ? modulus : 0),
    nameValidation: scheme,
  };
}
