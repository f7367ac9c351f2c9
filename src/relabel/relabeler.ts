/**
 * Running compiled relabel rules over label sets. Rules are compiled once (compile.ts); a
 * Relabeler then runs once per new series (DESIGN invariant 3), never per sample.
 */
import { createHash } from 'node:crypto';
import { ScrapewireError } from '../errors';
import type { Label } from '../labels';
import { compileRule, type CompileOptions, type CompiledRule } from './compile';
import { compareByteOrder, isValidLabelName } from './label-names';
import { expandTemplate } from './template';
import type { RelabelConfig } from './types';

/**
 * Regex results each rule remembers, per input (a joined source value, or a label name for
 * labelmap/labeldrop/labelkeep). RE2 in JS costs 0.4-6 us a match where V8's backtracking engine
 * took 0.04-0.2 us (bench/regex-engines.bench.ts), but the same values come back for series
 * after series (every metric of a pod carries its namespace, pod and image), so each distinct
 * input is matched once: 100k cAdvisor-like series of 500 pods relabel as fast as before RE2
 * (bench/RESULTS.md, "Relabeling with RE2"). The cache is emptied when it holds CACHE_ENTRIES inputs or
 * CACHE_CHARS characters of them, so a target with unbounded distinct values costs bounded memory
 * and never more than one match per series; inputs longer than CACHE_INPUT_CHARS are not kept.
 */
const CACHE_ENTRIES = 4096;
const CACHE_CHARS = 256 * 1024;
const CACHE_INPUT_CHARS = 1024;

class RegexResults<V> {
  private readonly results = new Map<string, V>();
  private chars = 0;

  get(input: string): V | undefined {
    return this.results.get(input);
  }

  set(input: string, result: V): void {
    if (input.length > CACHE_INPUT_CHARS) return;
    if (this.results.size >= CACHE_ENTRIES || this.chars >= CACHE_CHARS) {
      this.results.clear();
      this.chars = 0;
    }
    this.results.set(input, result);
    this.chars += input.length;
  }
}

/** What a replace rule does for one input: set `target` to `value`, or nothing (null). */
interface Replacement {
  readonly target: string;
  readonly value: string;
}

/**
 * The label set being rewritten, as two parallel arrays kept sorted in byte order. One instance
 * per Relabeler, reused for every series (process() is synchronous, so it is never shared).
 * Label sets are small (10-30 labels), so lookups are linear scans.
 */
class WorkingSet {
  names: string[] = [];
  values: string[] = [];
  changed = false;

  load(labels: readonly Label[]): void {
    const n = labels.length;
    this.names.length = n;
    this.values.length = n;
    for (let i = 0; i < n; i++) {
      this.names[i] = labels[i][0];
      this.values[i] = labels[i][1];
    }
    this.changed = false;
  }

  get(name: string): string {
    const names = this.names;
    for (let i = 0; i < names.length; i++) if (names[i] === name) return this.values[i];
    return '';
  }

  /** Sets a label; an empty value deletes it, as in Prometheus. */
  set(name: string, value: string): void {
    if (value === '') {
      this.delete(name);
      return;
    }
    const names = this.names;
    let i = 0;
    for (; i < names.length; i++) {
      if (names[i] === name) {
        if (this.values[i] !== value) {
          this.values[i] = value;
          this.changed = true;
        }
        return;
      }
      if (compareByteOrder(names[i], name) > 0) break;
    }
    names.splice(i, 0, name);
    this.values.splice(i, 0, value);
    this.changed = true;
  }

  delete(name: string): void {
    const i = this.names.indexOf(name);
    if (i === -1) return;
    this.names.splice(i, 1);
    this.values.splice(i, 1);
    this.changed = true;
  }

  /** Keeps the labels for which `keep(name)` holds, in place. */
  filter(keep: (name: string) => boolean): void {
    const names = this.names;
    const values = this.values;
    let out = 0;
    for (let i = 0; i < names.length; i++) {
      if (keep(names[i])) {
        names[out] = names[i];
        values[out] = values[i];
        out++;
      }
    }
    if (out !== names.length) {
      names.length = out;
      values.length = out;
      this.changed = true;
    }
  }

  joinValues(sourceLabels: readonly string[], separator: string): string {
    if (sourceLabels.length === 1) return this.get(sourceLabels[0]);
    let out = '';
    for (let i = 0; i < sourceLabels.length; i++) {
      if (i > 0) out += separator;
      out += this.get(sourceLabels[i]);
    }
    return out;
  }

  toLabels(): Label[] {
    const out: Label[] = [];
    for (let i = 0; i < this.names.length; i++) {
      if (this.values[i] !== '') out.push([this.names[i], this.values[i]]);
    }
    return out;
  }
}

/** A compiled rule plus its caches of regex results (see RegexResults). */
interface RunnableRule extends CompiledRule {
  /** keep, drop, labeldrop, labelkeep: whether the regex matches. */
  readonly matches: RegexResults<boolean>;
  /** replace: what the rule sets, null when it sets nothing. */
  readonly replacements: RegexResults<Replacement | null>;
  /** labelmap: the name a label is copied to, '' when it is not. */
  readonly mappedNames: RegexResults<string>;
}

/** A list of relabel rules compiled once (compileRelabelConfigs); `process` applies them to a label set. */
export class Relabeler {
  private readonly rules: readonly RunnableRule[];
  private readonly work = new WorkingSet();
  /** Scratch for labelmap: the (name, value) pairs to set after scanning the current labels. */
  private readonly pending: string[] = [];

  /** @internal Made by compileRelabelConfigs. */
  constructor(rules: readonly CompiledRule[]) {
    this.rules = rules.map((rule) => ({
      ...rule,
      matches: new RegexResults<boolean>(),
      replacements: new RegexResults<Replacement | null>(),
      mappedNames: new RegexResults<string>(),
    }));
  }

  /** True when there are no rules: process() is then the identity and callers may skip it. */
  get isEmpty(): boolean {
    return this.rules.length === 0;
  }

  /** Number of rules. */
  get size(): number {
    return this.rules.length;
  }

  /**
   * Applies the rules in order to a label set sorted by name in byte order with unique names.
   * Returns null when a rule drops the set. Otherwise returns the result, sorted, without labels
   * whose value became empty; when no rule changed anything this is `labels` itself (the same
   * array, which the caller must still treat as read-only), so `result === labels` tells
   * "keep as is" from "rewrite".
   */
  process(labels: readonly Label[]): Label[] | null {
    const rules = this.rules;
    if (rules.length === 0) return labels as Label[];
    const work = this.work;
    work.load(labels);
    for (let i = 0; i < rules.length; i++) {
      if (!this.apply(rules[i], work)) return null;
    }
    return work.changed ? work.toLabels() : (labels as Label[]);
  }

  /** Runs one rule; false means drop the series. */
  private apply(rule: RunnableRule, work: WorkingSet): boolean {
    switch (rule.action) {
      case 'drop':
        return !matches(rule, work.joinValues(rule.sourceLabels, rule.separator));
      case 'keep':
        return matches(rule, work.joinValues(rule.sourceLabels, rule.separator));
      case 'dropequal':
        return work.get(rule.targetLabel) !== work.joinValues(rule.sourceLabels, rule.separator);
      case 'keepequal':
        return work.get(rule.targetLabel) === work.joinValues(rule.sourceLabels, rule.separator);
      case 'replace': {
        const replacement = replacementFor(rule, work.joinValues(rule.sourceLabels, rule.separator));
        if (replacement !== null) work.set(replacement.target, replacement.value);
        return true;
      }
      case 'lowercase':
        work.set(rule.targetLabel, toLowerSimple(work.joinValues(rule.sourceLabels, rule.separator)));
        return true;
      case 'uppercase':
        work.set(rule.targetLabel, toUpperSimple(work.joinValues(rule.sourceLabels, rule.separator)));
        return true;
      case 'hashmod':
        work.set(rule.targetLabel, hashMod(work.joinValues(rule.sourceLabels, rule.separator), rule.modulus));
        return true;
      case 'labelmap':
        this.labelMap(rule, work);
        return true;
      case 'labeldrop':
        work.filter((name) => !matches(rule, name));
        return true;
      case 'labelkeep':
        work.filter((name) => matches(rule, name));
        return true;
    }
  }

  /** Copies every label whose name matches to the expanded name, reading the set as it was before the rule. */
  private labelMap(rule: RunnableRule, work: WorkingSet): void {
    const pending = this.pending;
    pending.length = 0;
    const names = work.names;
    for (let i = 0; i < names.length; i++) {
      const target = mappedName(rule, names[i]);
      if (target !== '') pending.push(target, work.values[i]);
    }
    for (let i = 0; i < pending.length; i += 2) work.set(pending[i], pending[i + 1]);
    pending.length = 0;
  }
}

/** Whether the rule's (anchored) regex matches the whole input. */
function matches(rule: RunnableRule, input: string): boolean {
  if (rule.matchesEverything) return true;
  const cached = rule.matches.get(input);
  if (cached !== undefined) return cached;
  const result = rule.regex.test(input);
  rule.matches.set(input, result);
  return result;
}

/**
 * What a replace rule sets for an input: nothing when the regex does not match (no replacement
 * takes place) or when a target built from the match is not a valid label name (a constant
 * target was validated at load).
 */
function replacementFor(rule: RunnableRule, input: string): Replacement | null {
  if (rule.matchesEverything) return expandReplacement(rule, null, input);
  const cached = rule.replacements.get(input);
  if (cached !== undefined) return cached;
  let result: Replacement | null;
  if (!rule.targetTemplate.hasReferences && !rule.replacement.hasReferences) {
    // Nothing reads a group: a match test (RE2's DFA, no capture tracking) is enough.
    result = rule.regex.test(input) ? { target: rule.targetTemplate.constant, value: rule.replacement.constant } : null;
  } else {
    const match = rule.regex.exec(input);
    result = match === null ? null : expandReplacement(rule, match, input);
  }
  rule.replacements.set(input, result);
  return result;
}

function expandReplacement(rule: RunnableRule, match: ArrayLike<string | undefined> | null, input: string): Replacement | null {
  const target = expandTemplate(rule.targetTemplate, match, input);
  if (rule.targetTemplate.hasReferences && !isValidLabelName(target, rule.nameValidation)) return null;
  return { target, value: expandTemplate(rule.replacement, match, input) };
}

/** labelmap: the name a label is copied to when the regex matches its name, else ''. */
function mappedName(rule: RunnableRule, name: string): string {
  const cached = rule.mappedNames.get(name);
  if (cached !== undefined) return cached;
  let target = '';
  if (rule.matchesEverything) target = expandTemplate(rule.replacement, null, name);
  else {
    const match = rule.regex.exec(name);
    if (match !== null) target = expandTemplate(rule.replacement, match, name);
  }
  rule.mappedNames.set(name, target);
  return target;
}

/**
 * hashmod as Prometheus defines it: the MD5 of the joined source values, its last 8 bytes read as
 * a big-endian uint64, modulo `modulus`, in decimal.
 */
function hashMod(input: string, modulus: bigint): string {
  const digest = createHash('md5').update(input, 'utf8').digest();
  return (digest.readBigUInt64BE(8) % modulus).toString();
}

const ASCII = /^[\x00-\x7f]*$/;

/**
 * Go's strings.ToLower maps each code point on its own (simple case mapping); JS's toLowerCase
 * uses full mappings (context-sensitive final sigma, `İ` -> `i̇`). Mapping code point by code point
 * and keeping single-code-point results matches Go for everything but a handful of characters.
 */
function toLowerSimple(s: string): string {
  if (ASCII.test(s)) return s.toLowerCase();
  let out = '';
  for (const ch of s) {
    // `İ` is the one character whose full lowercase is two code points (`i` + combining dot);
    // its simple mapping is the first of them.
    const lower = [...ch.toLowerCase()];
    out += lower[0];
  }
  return out;
}

/** Go's strings.ToUpper, as above: a character whose full uppercase is several (`ß` -> `SS`) stays. */
function toUpperSimple(s: string): string {
  if (ASCII.test(s)) return s.toUpperCase();
  let out = '';
  for (const ch of s) {
    const upper = ch.toUpperCase();
    out += [...upper].length === 1 ? upper : ch;
  }
  return out;
}

/**
 * Validates and compiles relabel_configs once. `where` names the list in error messages
 * (default `relabel_configs`), e.g. `scrape_configs[0].metric_relabel_configs`; each message
 * then reads `<where>[<index>].<field>: <reason>`. Throws ScrapewireError('ERR_CONFIG').
 */
export function compileRelabelConfigs(
  configs: readonly RelabelConfig[],
  where = 'relabel_configs',
  options: CompileOptions = {},
): Relabeler {
  if (!Array.isArray(configs)) {
    throw new ScrapewireError('ERR_CONFIG', `${where}: must be a list of relabel configs`);
  }
  return new Relabeler(configs.map((config, index) => compileRule(config, index, where, options)));
}
