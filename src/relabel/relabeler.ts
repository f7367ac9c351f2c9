/**
 * Running compiled relabel rules over label sets. Rules are compiled once (compile.ts); a
 * Relabeler then runs once per new series (DESIGN invariant 3), never per sample.
 */
import { createHash } from 'node:crypto';
import { ScrapewireError } from '../core/errors';
import type { Label } from '../core/types';
import { compileRule, type CompileOptions, type CompiledRule } from './compile';
import { compareByteOrder, isValidLabelName } from './label-names';
import { expandTemplate } from './template';
import type { RelabelConfig } from './types';

/**
 * Label names that label-name regexes (labeldrop, labelkeep, labelmap) remember per rule. Label
 * names repeat across series, so the regex runs once per distinct name (370k -> 562k series/s
 * warm on the 6-rule cAdvisor list, bench/relabel.bench.ts); the bound keeps a target with
 * unbounded label names from growing the cache without limit.
 */
const NAME_CACHE_LIMIT = 4096;

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

/** A compiled rule plus its per-rule cache of label-name regex results. */
interface RunnableRule extends CompiledRule {
  readonly nameMatches: Map<string, boolean>;
}

export class Relabeler {
  private readonly rules: readonly RunnableRule[];
  private readonly work = new WorkingSet();
  /** Scratch for labelmap: the (name, value) pairs to set after scanning the current labels. */
  private readonly pending: string[] = [];

  constructor(rules: readonly CompiledRule[]) {
    this.rules = rules.map((rule) => ({ ...rule, nameMatches: new Map<string, boolean>() }));
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
        return !rule.regex.test(work.joinValues(rule.sourceLabels, rule.separator));
      case 'keep':
        return rule.regex.test(work.joinValues(rule.sourceLabels, rule.separator));
      case 'dropequal':
        return work.get(rule.targetLabel) !== work.joinValues(rule.sourceLabels, rule.separator);
      case 'keepequal':
        return work.get(rule.targetLabel) === work.joinValues(rule.sourceLabels, rule.separator);
      case 'replace':
        this.replace(rule, work);
        return true;
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
        work.filter((name) => !matchesName(rule, name));
        return true;
      case 'labelkeep':
        work.filter((name) => matchesName(rule, name));
        return true;
    }
  }

  private replace(rule: RunnableRule, work: WorkingSet): void {
    const input = work.joinValues(rule.sourceLabels, rule.separator);
    let match: RegExpExecArray | null = null;
    if (!rule.matchesEverything) {
      match = rule.regex.exec(input);
      if (match === null) return; // no match: no replacement takes place
    }
    const target = expandTemplate(rule.targetTemplate, match, input);
    // A constant target was validated at load; one built from the match is checked here.
    if (rule.targetTemplate.hasReferences && !isValidLabelName(target, rule.nameValidation)) return;
    work.set(target, expandTemplate(rule.replacement, match, input));
  }

  /** Copies every label whose name matches to the expanded name, reading the set as it was before the rule. */
  private labelMap(rule: RunnableRule, work: WorkingSet): void {
    const pending = this.pending;
    pending.length = 0;
    const names = work.names;
    for (let i = 0; i < names.length; i++) {
      const name = names[i];
      if (!matchesName(rule, name)) continue;
      const match = rule.matchesEverything ? null : rule.regex.exec(name);
      const target = expandTemplate(rule.replacement, match, name);
      if (target !== '') pending.push(target, work.values[i]);
    }
    for (let i = 0; i < pending.length; i += 2) work.set(pending[i], pending[i + 1]);
    pending.length = 0;
  }
}

function matchesName(rule: RunnableRule, name: string): boolean {
  const cached = rule.nameMatches.get(name);
  if (cached !== undefined) return cached;
  const matches = rule.regex.test(name);
  if (rule.nameMatches.size < NAME_CACHE_LIMIT) rule.nameMatches.set(name, matches);
  return matches;
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
