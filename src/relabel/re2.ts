/**
 * Translation of Go RE2 syntax (what Prometheus accepts in `regex:`) into an equivalent JS RegExp
 * source, run once per rule at config load.
 *
 * The translation walks the pattern once and rewrites every construct whose meaning differs
 * between the two engines; constructs RE2 rejects (lookaround, backreferences) are rejected here
 * too, so a config that loads in scrapewire also loads in Prometheus. The JS regex is compiled
 * with the `u` flag (RE2 matches code points, not UTF-16 units) and `s` (Prometheus wraps every
 * regex in `(?s:...)`, so `.` matches a newline unless `(?-s)` says otherwise).
 *
 * Capture groups are all emitted as plain `(...)`: RE2 names such as `1x` are not valid JS group
 * names, and the relabeler resolves `$name` to a group index itself (see template.ts).
 */

export class Re2SyntaxError extends Error {}

export interface TranslatedRegex {
  /** JS RegExp source, not yet anchored. */
  readonly source: string;
  /** True when the pattern starts with `(?i)`: the whole regex is case-insensitive. */
  readonly caseInsensitive: boolean;
  /** Number of capture groups, numbered as RE2 numbers them (left parenthesis order). */
  readonly groupCount: number;
  /** Named groups (`(?P<name>...)` or `(?<name>...)`) to their group number. */
  readonly groupNames: ReadonlyMap<string, number>;
}

/** RE2 rejects repeat counts above this (syntax.maxRepeat... documented as 1000). */
const MAX_REPEAT = 1000;

interface Flags {
  /** `.` matches `\n`. */
  dotAll: boolean;
  /** `^`/`$` match at line boundaries. */
  multiLine: boolean;
  /** Swap greedy and lazy quantifiers. */
  ungreedy: boolean;
}

type Range = readonly [lo: number, hi: number];

/** POSIX classes inside brackets, ASCII only as in RE2. */
const POSIX_CLASSES: Record<string, readonly Range[]> = {
  alnum: [[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a]],
  alpha: [[0x41, 0x5a], [0x61, 0x7a]],
  ascii: [[0x00, 0x7f]],
  blank: [[0x09, 0x09], [0x20, 0x20]],
  cntrl: [[0x00, 0x1f], [0x7f, 0x7f]],
  digit: [[0x30, 0x39]],
  graph: [[0x21, 0x7e]],
  lower: [[0x61, 0x7a]],
  print: [[0x20, 0x7e]],
  punct: [[0x21, 0x2f], [0x3a, 0x40], [0x5b, 0x60], [0x7b, 0x7e]],
  space: [[0x09, 0x0d], [0x20, 0x20]],
  upper: [[0x41, 0x5a]],
  word: [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]],
  xdigit: [[0x30, 0x39], [0x41, 0x46], [0x61, 0x66]],
};

/** RE2's `\s` is `[\t\n\f\r ]`; JS's `\s` also matches \v and Unicode spaces. */
const PERL_SPACE: readonly Range[] = [[0x09, 0x0a], [0x0c, 0x0d], [0x20, 0x20]];

/** Unicode general categories RE2 knows; any other `\p{Name}` is a script. */
const GENERAL_CATEGORIES = new Set([
  'C', 'Cc', 'Cf', 'Co', 'Cs', 'L', 'Ll', 'Lm', 'Lo', 'Lt', 'Lu', 'M', 'Mc', 'Me', 'Mn',
  'N', 'Nd', 'Nl', 'No', 'P', 'Pc', 'Pd', 'Pe', 'Pf', 'Pi', 'Po', 'Ps',
  'S', 'Sc', 'Sk', 'Sm', 'So', 'Z', 'Zl', 'Zp', 'Zs', 'Any',
]);

const SYNTAX_OUTSIDE_CLASS = new Set('^$\\.*+?()[]{}|/');
const SYNTAX_INSIDE_CLASS = new Set('\\]-[^');

function complement(ranges: readonly Range[]): Range[] {
  const out: Range[] = [];
  let next = 0;
  for (const [lo, hi] of ranges) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= 0x10ffff) out.push([next, 0x10ffff]);
  return out;
}

function codePointEscape(cp: number): string {
  return `\\u{${cp.toString(16)}}`;
}

function rangesSource(ranges: readonly Range[]): string {
  let s = '';
  for (const [lo, hi] of ranges) s += lo === hi ? codePointEscape(lo) : `${codePointEscape(lo)}-${codePointEscape(hi)}`;
  return s;
}

function literal(char: string, inClass: boolean): string {
  return (inClass ? SYNTAX_INSIDE_CLASS : SYNTAX_OUTSIDE_CLASS).has(char) ? `\\${char}` : char;
}

function isOctal(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '7';
}

function isAsciiAlnum(c: string): boolean {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

class Translator {
  private pos = 0;
  private out = '';
  private groupCount = 0;
  private readonly groupNames = new Map<string, number>();
  private readonly frames: Flags[] = [{ dotAll: true, multiLine: false, ungreedy: false }];
  private caseInsensitive = false;
  /** True until the first token other than a flag group has been read. */
  private atStart = true;

  constructor(private readonly pattern: string) {}

  translate(): TranslatedRegex {
    const p = this.pattern;
    while (this.pos < p.length) {
      const c = p[this.pos];
      if (c === '(' && p[this.pos + 1] === '?' && this.tryFlagGroup()) continue;
      this.atStart = false;
      switch (c) {
        case '\\':
          this.pos++;
          this.out += this.escape(false);
          break;
        case '[':
          this.characterClass();
          break;
        case '(':
          this.openGroup();
          break;
        case ')':
          if (this.frames.length === 1) throw new Re2SyntaxError('unexpected )');
          this.frames.pop();
          this.out += ')';
          this.pos++;
          break;
        case '|':
          this.out += '|';
          this.pos++;
          break;
        case '.':
          this.out += this.flags.dotAll ? '.' : '[^\\n]';
          this.pos++;
          break;
        case '^':
          this.out += this.flags.multiLine ? '(?:^|(?<=\\n))' : '^';
          this.pos++;
          break;
        case '$':
          this.out += this.flags.multiLine ? '(?:$|(?=\\n))' : '$';
          this.pos++;
          break;
        case '*':
        case '+':
        case '?':
          this.pos++;
          this.quantifier(c);
          break;
        case '{': {
          const repeat = this.tryRepeat();
          if (repeat === null) {
            this.out += '\\{';
            this.pos++;
          } else {
            this.quantifier(repeat);
          }
          break;
        }
        default: {
          const cp = p.codePointAt(this.pos)!;
          const ch = String.fromCodePoint(cp);
          this.out += literal(ch, false);
          this.pos += ch.length;
        }
      }
    }
    if (this.frames.length > 1) throw new Re2SyntaxError('missing closing )');
    return {
      source: this.out,
      caseInsensitive: this.caseInsensitive,
      groupCount: this.groupCount,
      groupNames: this.groupNames,
    };
  }

  private get flags(): Flags {
    return this.frames[this.frames.length - 1];
  }

  /** Emits a quantifier; a following `?` makes it lazy, and `(?U)` swaps the two. */
  private quantifier(q: string): void {
    let lazy = false;
    if (this.pattern[this.pos] === '?') {
      lazy = true;
      this.pos++;
    }
    if (this.flags.ungreedy) lazy = !lazy;
    this.out += lazy ? `${q}?` : q;
  }

  /** `{n}`, `{n,}` or `{n,m}` at pos, consumed; null (nothing consumed) when it is a literal brace as in RE2. */
  private tryRepeat(): string | null {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(this.pattern.slice(this.pos));
    if (m === null) return null;
    const min = Number(m[1]);
    const max = m[3] === undefined ? min : m[3] === '' ? -1 : Number(m[3]);
    if (min > MAX_REPEAT || max > MAX_REPEAT || (max !== -1 && max < min)) {
      throw new Re2SyntaxError(`invalid repeat count ${m[0]}`);
    }
    this.pos += m[0].length;
    return m[0];
  }

  /** `(?flags)` or `(?flags:` at pos: handled and true, or false for other `(?` groups. */
  private tryFlagGroup(): boolean {
    const m = /^\(\?([imsU]*)(?:-([imsU]*))?([):])/.exec(this.pattern.slice(this.pos));
    if (m === null) return false;
    const [whole, on, off = '', end] = m;
    if ((on === '' && off === '') || (m[2] !== undefined && off === '')) {
      throw new Re2SyntaxError(`invalid or unsupported Perl syntax: \`${whole}\``);
    }
    const next: Flags = { ...this.flags };
    for (const f of on) this.setFlag(next, f, true, whole);
    for (const f of off) this.setFlag(next, f, false, whole);
    this.pos += whole.length;
    if (end === ')') {
      this.frames[this.frames.length - 1] = next;
    } else {
      this.atStart = false;
      this.frames.push(next);
      this.out += '(?:';
    }
    return true;
  }

  private setFlag(flags: Flags, f: string, on: boolean, group: string): void {
    switch (f) {
      case 'i':
        // JS in Node 20 has no inline modifiers, so case-insensitivity can only be the whole
        // regex's flag: allowed where it covers the whole pattern.
        if (on !== this.caseInsensitive) {
          if (!this.atStart || !on || group.endsWith(':')) {
            throw new Re2SyntaxError(`flag group \`${group}\` is supported only as (?i) at the start of the regex`);
          }
          this.caseInsensitive = true;
        }
        break;
      case 's':
        flags.dotAll = on;
        break;
      case 'm':
        flags.multiLine = on;
        break;
      case 'U':
        flags.ungreedy = on;
        break;
    }
  }

  private openGroup(): void {
    const rest = this.pattern.slice(this.pos);
    if (rest.startsWith('(?:')) {
      this.frames.push({ ...this.flags });
      this.out += '(?:';
      this.pos += 3;
      return;
    }
    const named = /^\(\?P?<([^>]*)>/.exec(rest);
    if (named !== null) {
      const name = named[1];
      if (name === '' || ![...name].every((c) => c === '_' || isAsciiAlnum(c))) {
        throw new Re2SyntaxError(`invalid named capture: \`${named[0]}\``);
      }
      if (this.groupNames.has(name)) throw new Re2SyntaxError(`duplicate capture group name \`${name}\``);
      this.groupNames.set(name, ++this.groupCount);
      this.frames.push({ ...this.flags });
      this.out += '(';
      this.pos += named[0].length;
      return;
    }
    if (rest.startsWith('(?=') || rest.startsWith('(?!') || rest.startsWith('(?<=') || rest.startsWith('(?<!')) {
      throw new Re2SyntaxError(`lookaround \`${rest.slice(0, rest[2] === '<' ? 4 : 3)}\` is not supported by RE2`);
    }
    if (rest.startsWith('(?')) {
      throw new Re2SyntaxError(`invalid or unsupported Perl syntax: \`${rest.slice(0, 3)}\``);
    }
    this.groupCount++;
    this.frames.push({ ...this.flags });
    this.out += '(';
    this.pos++;
  }

  /** A bracket expression starting at pos (on `[`). */
  private characterClass(): void {
    const p = this.pattern;
    const start = this.pos;
    this.pos++;
    let out = '[';
    if (p[this.pos] === '^') {
      out += '^';
      this.pos++;
    }
    let first = true;
    for (;;) {
      if (this.pos >= p.length) throw new Re2SyntaxError(`missing closing ]: \`${p.slice(start)}\``);
      const c = p[this.pos];
      if (c === ']' && !first) {
        this.pos++;
        break;
      }
      first = false;
      if (c === '[' && p[this.pos + 1] === ':') {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(p.slice(this.pos));
        if (m !== null) {
          const ranges = POSIX_CLASSES[m[2]];
          if (ranges === undefined) throw new Re2SyntaxError(`invalid character class range: \`${m[0]}\``);
          out += rangesSource(m[1] === '^' ? complement(ranges) : ranges);
          this.pos += m[0].length;
          continue;
        }
      }
      if (c === '\\') {
        this.pos++;
        out += this.escape(true);
        continue;
      }
      if (c === '-') {
        // A range dash passes through; JS (u mode) and RE2 agree on where it may appear.
        out += '-';
        this.pos++;
        continue;
      }
      const ch = String.fromCodePoint(p.codePointAt(this.pos)!);
      out += literal(ch, true);
      this.pos += ch.length;
    }
    this.out += out + ']';
  }

  /** The escape after a backslash (pos is past the backslash), as JS source. */
  private escape(inClass: boolean): string {
    const p = this.pattern;
    if (this.pos >= p.length) throw new Re2SyntaxError('trailing backslash at end of expression');
    const c = p[this.pos++];
    switch (c) {
      case '0': {
        let digits = '';
        while (digits.length < 2 && isOctal(p[this.pos])) digits += p[this.pos++];
        return codePointEscape(parseInt(`0${digits}`, 8));
      }
      case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
        if (!isOctal(p[this.pos])) throw new Re2SyntaxError(`invalid escape sequence: \`\\${c}\` (backreferences are not supported)`);
        let digits = c;
        while (digits.length < 3 && isOctal(p[this.pos])) digits += p[this.pos++];
        return codePointEscape(parseInt(digits, 8));
      }
      case '8': case '9':
        throw new Re2SyntaxError(`invalid escape sequence: \`\\${c}\``);
      case 'x': {
        const m = /^(?:\{([0-9a-fA-F]{1,8})\}|([0-9a-fA-F]{2}))/.exec(p.slice(this.pos));
        const hex = m === null ? undefined : (m[1] ?? m[2]);
        const cp = hex === undefined ? NaN : parseInt(hex, 16);
        if (m === null || !(cp <= 0x10ffff)) throw new Re2SyntaxError(`invalid escape sequence: \`\\x${p.slice(this.pos, this.pos + 3)}\``);
        this.pos += m[0].length;
        return codePointEscape(cp);
      }
      case 'a':
        return '\\x07';
      case 'f': case 'n': case 'r': case 't': case 'v':
        return `\\${c}`;
      case 'd': case 'D': case 'w': case 'W':
        return `\\${c}`;
      case 's':
        return inClass ? rangesSource(PERL_SPACE) : `[${rangesSource(PERL_SPACE)}]`;
      case 'S':
        return inClass ? rangesSource(complement(PERL_SPACE)) : `[^${rangesSource(PERL_SPACE)}]`;
      case 'p': case 'P':
        return this.unicodeClass(c === 'P');
      case 'b': case 'B':
        if (inClass) break;
        return `\\${c}`;
      case 'A':
        if (inClass) break;
        return '^';
      case 'z':
        if (inClass) break;
        return '$';
      case 'Q': {
        if (inClass) break;
        const end = p.indexOf('\\E', this.pos);
        const text = end === -1 ? p.slice(this.pos) : p.slice(this.pos, end);
        this.pos = end === -1 ? p.length : end + 2;
        let out = '';
        for (const ch of text) out += literal(ch, false);
        return out;
      }
      default:
        if (c < '\x80' && !isAsciiAlnum(c)) return literal(c, inClass);
    }
    throw new Re2SyntaxError(`invalid escape sequence: \`\\${c}\``);
  }

  /** `\pL`, `\p{Greek}`, `\p{^Lu}` (pos past the `p`). */
  private unicodeClass(negated: boolean): string {
    const p = this.pattern;
    let name: string;
    if (p[this.pos] === '{') {
      const end = p.indexOf('}', this.pos);
      if (end === -1) throw new Re2SyntaxError(`invalid character class range: \`${p.slice(this.pos - 2)}\``);
      name = p.slice(this.pos + 1, end);
      this.pos = end + 1;
    } else {
      if (this.pos >= p.length) throw new Re2SyntaxError('invalid character class range: `\\p`');
      name = p[this.pos++];
    }
    if (name.startsWith('^')) {
      negated = !negated;
      name = name.slice(1);
    }
    if (!/^[A-Za-z_]+$/.test(name)) throw new Re2SyntaxError(`invalid character class range: \`\\p{${name}}\``);
    const property = GENERAL_CATEGORIES.has(name) ? name : `Script=${name}`;
    return `\\${negated ? 'P' : 'p'}{${property}}`;
  }
}

/** Translates an RE2 pattern; throws Re2SyntaxError for syntax RE2 rejects or this translation cannot express. */
export function translateRe2(pattern: string): TranslatedRegex {
  return new Translator(pattern).translate();
}
