/**
 * A typed reader over a `yaml` Document that keeps every value's position, so each problem can
 * be reported as `file:line: path: message` and many problems can be collected in one pass.
 *
 * The document is parsed with the failsafe schema: every scalar stays the exact text the user
 * wrote, and this reader decides what it means from the field it lands in. That is how Go's yaml
 * decoder behaves for prometheus.yml (a label value `1.10` stays "1.10", `no` in a string field
 * stays "no"), and a JS YAML 1.2 schema would get both wrong.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, type Document, type Node, type Scalar, type YAMLMap } from 'yaml';
import { expandEnvironment, unsetMessage, type Environment } from './env';
import { parseDuration, parseSize } from './units';

/** One problem of a configuration: where it is and what is wrong. */
export interface ConfigProblem {
  file: string;
  /** 1-based line of the offending node; 0 when the problem is the file as a whole. */
  line: number;
  /** `path: reason`, or just the reason when no field path applies. */
  message: string;
}

/** A node after alias resolution; null for an absent value or an explicit YAML null. */
export type ValueNode = Node | null;

/** A mapping's fields by key, each with the key node (for its line) and its value. */
export type Fields = Map<string, { key: Scalar; value: ValueNode }>;

const NULL_SCALARS = new Set(['', '~', 'null', 'Null', 'NULL']);
const TRUE_SCALARS = new Set(['true', 'True', 'TRUE', 'yes', 'Yes', 'YES', 'y', 'Y', 'on', 'On', 'ON']);
const FALSE_SCALARS = new Set(['false', 'False', 'FALSE', 'no', 'No', 'NO', 'n', 'N', 'off', 'Off', 'OFF']);

export class YamlReader {
  readonly problems: ConfigProblem[] = [];
  /** Each scalar expanded once (a node read twice reports an unset variable once). */
  private readonly expanded = new WeakMap<Node, string>();

  /**
   * With `env`, `${NAME}` and `%{NAME}` in every scalar value are replaced from it (env.ts);
   * without, scalars are read as written (target files, as Prometheus reads them).
   */
  constructor(
    private readonly doc: Document,
    private readonly lineCounter: LineCounter,
    readonly fileName: string,
    private readonly env?: Environment,
  ) {}

  /** The 1-based line where `node` starts (line 1 when there is no node, e.g. an empty file). */
  lineOf(node: Node | null | undefined): number {
    const range = node?.range;
    if (range === undefined || range === null) return 1;
    return this.lineCounter.linePos(range[0]).line;
  }

  /** Records a problem at `node`; `path` prefixes the message unless it is empty. */
  error(node: Node | null | undefined, path: string, reason: string): void {
    this.errorAtLine(this.lineOf(node), path, reason);
  }

  errorAtLine(line: number, path: string, reason: string): void {
    this.problems.push({ file: this.fileName, line, message: path === '' ? reason : `${path}: ${reason}` });
  }

  /** Follows aliases; returns null for YAML nulls and empty values. */
  resolve(node: unknown): ValueNode {
    let current = node as Node | null | undefined;
    for (let hops = 0; current !== null && current !== undefined && isAlias(current) && hops < 100; hops++) {
      current = current.resolve(this.doc) as Node | undefined;
    }
    if (current === null || current === undefined) return null;
    if (isScalar(current) && current.type === 'PLAIN' && NULL_SCALARS.has(String(current.value))) return null;
    return current;
  }

  private describe(node: Node): string {
    if (isMap(node)) return 'a mapping';
    if (isSeq(node)) return 'a sequence';
    if (isScalar(node)) return JSON.stringify(String(node.value));
    return 'an unsupported node';
  }

  /**
   * Reads a mapping and checks its keys: `known` are read by the caller; a key in `unsupported`
   * is a Prometheus field scrapewire does not implement (refused with a message saying so rather
   * than silently doing less than the user asked); anything else is an unknown field.
   */
  mapping(
    node: ValueNode,
    path: string,
    typeName: string,
    known: readonly string[],
    unsupported: readonly string[] | ((key: string) => boolean) = [],
  ): Fields | undefined {
    const isUnsupported = typeof unsupported === 'function' ? unsupported : (key: string) => unsupported.includes(key);
    if (node === null) return new Map();
    if (!isMap(node)) {
      this.error(node, path, `expected ${typeName} (a mapping), got ${this.describe(node)}`);
      return undefined;
    }
    const fields: Fields = new Map();
    for (const pair of this.pairsOf(node, path)) {
      const keyNode = pair.key;
      if (keyNode === null || !isScalar(keyNode)) {
        this.error(keyNode ?? node, path, `keys of ${typeName} must be strings`);
        continue;
      }
      const key = String(keyNode.value);
      if (known.includes(key)) {
        fields.set(key, { key: keyNode, value: pair.value });
      } else if (isUnsupported(key)) {
        this.error(keyNode, '', `field "${key}" of ${typeName} is not supported by scrapewire`);
      } else {
        this.error(keyNode, '', `field "${key}" not found in ${typeName}`);
      }
    }
    return fields;
  }

  /** The scalar text of a field, or undefined (with a problem recorded) when it is not a scalar. */
  scalar(node: ValueNode, path: string, what: string): string | undefined {
    if (node === null) return undefined;
    if (!isScalar(node)) {
      this.error(node, path, `expected ${what}, got ${this.describe(node)}`);
      return undefined;
    }
    return this.text(node, path);
  }

  /** A scalar's text, environment variables expanded when the reader has an environment. */
  private text(node: Scalar, path: string, captureGroups?: ReadonlySet<string>): string {
    const raw = String(node.value);
    if (this.env === undefined) return raw;
    const known = this.expanded.get(node);
    if (known !== undefined) return known;
    const { value, unset } = expandEnvironment(raw, this.env, captureGroups);
    for (const placeholder of unset) this.error(node, path, unsetMessage(placeholder));
    this.expanded.set(node, value);
    return value;
  }

  string(node: ValueNode, path: string): string | undefined {
    return this.scalar(node, path, 'a string');
  }

  /**
   * A relabel template (replacement, target_label): a string whose `${name}` naming one of
   * `captureGroups` is the regex's group, not an environment variable (env.ts).
   */
  template(node: ValueNode, path: string, captureGroups: ReadonlySet<string>): string | undefined {
    if (node === null) return undefined;
    if (!isScalar(node)) {
      this.error(node, path, `expected a string, got ${this.describe(node)}`);
      return undefined;
    }
    return this.text(node, path, captureGroups);
  }

  bool(node: ValueNode, path: string): boolean | undefined {
    const text = this.scalar(node, path, 'a boolean');
    if (text === undefined) return undefined;
    if (TRUE_SCALARS.has(text)) return true;
    if (FALSE_SCALARS.has(text)) return false;
    this.error(node, path, `invalid boolean ${JSON.stringify(text)}`);
    return undefined;
  }

  /** A non-negative integer (Prometheus's limits and queue sizes are unsigned). */
  uint(node: ValueNode, path: string): number | undefined {
    const text = this.scalar(node, path, 'an integer');
    if (text === undefined) return undefined;
    if (!/^\+?\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
      this.error(node, path, `invalid non-negative integer ${JSON.stringify(text)}`);
      return undefined;
    }
    return Number(text);
  }

  /** A finite float, as Go's yaml reads a float64 (1, 1.1, 1e3). */
  float(node: ValueNode, path: string): number | undefined {
    const text = this.scalar(node, path, 'a number');
    if (text === undefined) return undefined;
    const value = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text) ? Number(text) : NaN;
    if (!Number.isFinite(value)) {
      this.error(node, path, `invalid number ${JSON.stringify(text)}`);
      return undefined;
    }
    return value;
  }

  duration(node: ValueNode, path: string): number | undefined {
    const text = this.scalar(node, path, 'a duration');
    if (text === undefined) return undefined;
    const ms = parseDuration(text);
    if (ms === undefined) this.error(node, path, `invalid duration ${JSON.stringify(text)}`);
    return ms;
  }

  size(node: ValueNode, path: string): number | undefined {
    const text = this.scalar(node, path, 'a size');
    if (text === undefined) return undefined;
    // A plain YAML integer is a byte count (see units.ts); quoted digits go through the unit parser.
    const bytes = isScalar(node) && node.type === 'PLAIN' && /^\d+$/.test(text) ? Number(text) : parseSize(text);
    if (bytes === undefined || !Number.isSafeInteger(bytes)) {
      this.error(node, path, `invalid size ${JSON.stringify(text)}`);
      return undefined;
    }
    return bytes;
  }

  /**
   * The key/value pairs of a mapping with YAML merge keys (`<<: *base`, `<<: [*a, *b]`) expanded,
   * as Go's yaml decoder does for prometheus.yml: keys written in the mapping win over merged
   * ones, and earlier merged mappings win over later ones.
   */
  pairsOf(node: YAMLMap, path: string): Array<{ key: ValueNode; value: ValueNode }> {
    const explicit: Array<{ key: ValueNode; value: ValueNode }> = [];
    const merged: Array<{ key: ValueNode; value: ValueNode }> = [];
    for (const pair of node.items) {
      const key = this.resolve(pair.key);
      if (key !== null && isScalar(key) && key.type === 'PLAIN' && key.value === '<<') {
        const source = this.resolve(pair.value);
        const sources = source !== null && isSeq(source) ? source.items.map((item) => this.resolve(item)) : [source];
        for (const mergedMap of sources) {
          if (mergedMap === null || !isMap(mergedMap)) {
            this.error(mergedMap ?? key, path, 'a merge key (<<) must refer to a mapping or a list of mappings');
            continue;
          }
          merged.push(...this.pairsOf(mergedMap, path));
        }
        continue;
      }
      explicit.push({ key, value: this.resolve(pair.value) });
    }
    const seen = new Set(explicit.map((pair) => (pair.key !== null && isScalar(pair.key) ? String(pair.key.value) : undefined)));
    for (const pair of merged) {
      const name = pair.key !== null && isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (seen.has(name)) continue;
      seen.add(name);
      explicit.push(pair);
    }
    return explicit;
  }

  /** Calls `each` for every item of a sequence, with its index path; null reads as empty. */
  sequence(node: ValueNode, path: string, each: (item: ValueNode, itemPath: string) => void): void {
    if (node === null) return;
    if (!isSeq(node)) {
      this.error(node, path, `expected a sequence, got ${this.describe(node)}`);
      return;
    }
    node.items.forEach((item, index) => each(this.resolve(item), `${path}[${index}]`));
  }

  /** The items of a sequence as item nodes (for callers that need positions of each). */
  items(node: ValueNode, path: string): Array<{ node: ValueNode; path: string }> {
    const out: Array<{ node: ValueNode; path: string }> = [];
    this.sequence(node, path, (item, itemPath) => out.push({ node: item, path: itemPath }));
    return out;
  }

  stringList(node: ValueNode, path: string): string[] {
    const out: string[] = [];
    this.sequence(node, path, (item, itemPath) => {
      const text = this.string(item, itemPath);
      if (text !== undefined) out.push(text);
    });
    return out;
  }

  /** A mapping of arbitrary string keys to values read by `read`. */
  dictionary<T>(node: ValueNode, path: string, read: (value: ValueNode, valuePath: string, key: Scalar) => T | undefined): Record<string, T> {
    const out: Record<string, T> = {};
    if (node === null) return out;
    if (!isMap(node)) {
      this.error(node, path, `expected a mapping, got ${this.describe(node)}`);
      return out;
    }
    for (const pair of this.pairsOf(node, path)) {
      const keyNode = pair.key;
      if (keyNode === null || !isScalar(keyNode)) {
        this.error(keyNode ?? node, path, 'mapping keys must be strings');
        continue;
      }
      const key = String(keyNode.value);
      const value = read(pair.value, `${path}.${key}`, keyNode);
      if (value !== undefined) out[key] = value;
    }
    return out;
  }

  stringMap(node: ValueNode, path: string): Record<string, string> {
    return this.dictionary(node, path, (value, valuePath) => (value === null ? '' : this.string(value, valuePath)));
  }

  /**
   * Converts a node to plain JS (for plugin settings). Plain scalars that look like YAML 1.2 core
   * numbers or booleans become numbers and booleans; quoted scalars stay strings.
   */
  plain(node: ValueNode): unknown {
    if (node === null) return null;
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      for (const pair of this.pairsOf(node, '')) out[String((pair.key as Scalar | null)?.value ?? '')] = this.plain(pair.value);
      return out;
    }
    if (isSeq(node)) return node.items.map((item) => this.plain(this.resolve(item)));
    if (isScalar(node)) {
      const text = this.text(node, '');
      if (node.type !== 'PLAIN') return text;
      if (text === 'true' || text === 'false') return text === 'true';
      if (/^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/.test(text)) return Number(text);
      return text;
    }
    return null;
  }
}
