/**
 * A read position inside one line of exposition text, and the helpers both reference parsers
 * share: UTF-8 validation with a position, quoted strings, names, error construction.
 *
 * The reference parsers work on bytes so that error columns are byte columns, exactly what the
 * WASM core reports. Clarity comes before speed here: strings are decoded per token.
 */

import { ScrapewireError } from '../../src/errors';

const decoder = new TextDecoder('utf-8', { fatal: true });

export const LF = 0x0a;
export const SPACE = 0x20;
export const TAB = 0x09;
export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const HASH = 0x23;
export const COMMA = 0x2c;
export const EQUALS = 0x3d;
export const OPEN_BRACE = 0x7b;
export const CLOSE_BRACE = 0x7d;

export function parseError(reason: string, line: number, column: number): ScrapewireError {
  return new ScrapewireError('ERR_PARSE', reason, { line, column });
}

export function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** Legacy metric name: [a-zA-Z_:][a-zA-Z0-9_:]* */
export function isMetricNameStart(c: number): boolean {
  return isLetter(c) || c === 0x5f || c === 0x3a;
}
export function isMetricNameChar(c: number): boolean {
  return isMetricNameStart(c) || isDigit(c);
}
/** Legacy label name: [a-zA-Z_][a-zA-Z0-9_]* */
export function isLabelNameStart(c: number): boolean {
  return isLetter(c) || c === 0x5f;
}
export function isLabelNameChar(c: number): boolean {
  return isLabelNameStart(c) || isDigit(c);
}

/** Number of bytes of the UTF-8 character whose first byte is `lead` (input is already validated). */
function utf8Length(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xf0) return 4;
  if (lead >= 0xe0) return 3;
  return 2;
}

/**
 * Throws at the first byte that is not part of well-formed UTF-8 (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF). Both formats require UTF-8 throughout.
 */
export function assertUtf8(bytes: Uint8Array, from = 0, to = bytes.length, firstLine = 1): void {
  try {
    decoder.decode(bytes.subarray(from, to));
    return;
  } catch {
    // Fall through to find where.
  }
  let line = firstLine;
  let lineStart = from;
  let i = from;
  while (i < to) {
    const b = bytes[i];
    if (b === LF) {
      line++;
      lineStart = i + 1;
      i++;
      continue;
    }
    let need = 0;
    let min = 0;
    let max = 0xbf;
    if (b < 0x80) need = 0;
    else if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = b === 0xe0 ? 0xa0 : 0x80;
      max = b === 0xed ? 0x9f : 0xbf;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = b === 0xf0 ? 0x90 : 0x80;
      max = b === 0xf4 ? 0x8f : 0xbf;
    } else {
      throw parseError(`invalid UTF-8 byte 0x${b.toString(16)}`, line, i - lineStart + 1);
    }
    for (let k = 1; k <= need; k++) {
      const c = i + k < to ? bytes[i + k] : -1;
      const lo = k === 1 && min !== 0 ? min : 0x80;
      const hi = k === 1 ? max : 0xbf;
      if (c < lo || c > hi) {
        throw parseError(`invalid UTF-8 sequence starting with byte 0x${b.toString(16)}`, line, i - lineStart + 1);
      }
    }
    i += need + 1;
  }
}

/** Throws at the first byte of `line` that is not part of well-formed UTF-8. */
export function assertLineUtf8(line: LineCursor): void {
  assertUtf8(line.bytes, line.start, line.end, line.lineNumber);
}

/** One line of input (without its line feed) and a position in it. */
export class LineCursor {
  pos: number;

  constructor(
    readonly bytes: Uint8Array,
    /** 1-based. */
    readonly lineNumber: number,
    /** Offset of the line's first byte in `bytes`. */
    readonly start: number,
    /** Offset just past the line's last byte (its line feed or the end of input). */
    readonly end: number,
  ) {
    this.pos = start;
  }

  atEnd(): boolean {
    return this.pos >= this.end;
  }

  /** The byte at the position, or -1 at the end of the line. */
  peek(): number {
    return this.pos < this.end ? this.bytes[this.pos] : -1;
  }

  /** 1-based byte column of `at`. */
  column(at = this.pos): number {
    return at - this.start + 1;
  }

  /** Decodes bytes [from, to) of the input. */
  text(from: number, to: number): string {
    return decoder.decode(this.bytes.subarray(from, to));
  }

  /** The line from `from` to its end, decoded. */
  rest(from = this.pos): string {
    return this.text(from, this.end);
  }

  /** What sits at `at`, for messages: a quoted character, "end of line" or "end of input". */
  got(at = this.pos): string {
    if (at >= this.end) return this.end < this.bytes.length ? 'end of line' : 'end of input';
    const len = utf8Length(this.bytes[at]);
    return JSON.stringify(this.text(at, Math.min(at + len, this.end)));
  }

  fail(reason: string, at = this.pos): never {
    throw parseError(reason, this.lineNumber, this.column(at));
  }

  /** Fails with `expected <what>, got <what is there>` at the position. */
  expected(what: string, at = this.pos): never {
    this.fail(`expected ${what}, got ${this.got(at)}`, at);
  }

  /** Consumes `byte` or fails saying `what` was expected. */
  expect(byte: number, what: string): void {
    if (this.peek() !== byte) this.expected(what);
    this.pos++;
  }

  skipBlanks(): void {
    while (this.peek() === SPACE || this.peek() === TAB) this.pos++;
  }

  /** Reads bytes up to (not including) the first byte for which `stop` is true, or the end. */
  readUntil(stop: (c: number) => boolean): string {
    const from = this.pos;
    while (!this.atEnd() && !stop(this.bytes[this.pos])) this.pos++;
    return this.text(from, this.pos);
  }

  /** Reads a legacy metric name; the caller has checked that one starts here. */
  readLegacyMetricName(): string {
    const from = this.pos;
    while (!this.atEnd() && isMetricNameChar(this.bytes[this.pos])) this.pos++;
    return this.text(from, this.pos);
  }

  /** Reads a legacy label name; the caller has checked that one starts here. */
  readLegacyLabelName(): string {
    const from = this.pos;
    while (!this.atEnd() && isLabelNameChar(this.bytes[this.pos])) this.pos++;
    return this.text(from, this.pos);
  }

  /**
   * Reads a double-quoted string starting at the position (which holds the opening quote) and
   * returns its content with the escapes \\ \" \n resolved. Any other escaped character is
   * kept as written, backslash included (what Prometheus does; OpenMetrics allows it too).
   */
  readQuotedString(what: string): string {
    this.expect(QUOTE, what);
    const from = this.pos;
    while (this.peek() !== QUOTE) {
      if (this.atEnd()) this.expected(`closing quote of ${what}`);
      if (this.peek() === BACKSLASH) {
        this.pos++;
        if (this.atEnd()) this.expected(`escaped character in ${what}`);
      }
      this.pos++;
    }
    const raw = this.text(from, this.pos);
    this.pos++; // closing quote
    return unescapeString(raw);
  }
}

/** Resolves \\ \" \n; keeps any other backslash sequence as written. */
export function unescapeString(raw: string): string {
  if (!raw.includes('\\')) return raw;
  return raw.replace(/\\([\\"n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

/**
 * Calls `handle` for every line of the input with a cursor at its start. The piece after the
 * last line feed is a line too when it is not empty. Returns whether the input ended with a
 * line feed (or was empty).
 */
export function forEachLine(bytes: Uint8Array, handle: (line: LineCursor) => void): boolean {
  let start = 0;
  let lineNumber = 1;
  while (start < bytes.length) {
    let end = bytes.indexOf(LF, start);
    const hasLineFeed = end !== -1;
    if (!hasLineFeed) end = bytes.length;
    handle(new LineCursor(bytes, lineNumber, start, end));
    if (!hasLineFeed) return false;
    start = end + 1;
    lineNumber++;
  }
  return true;
}

/** The (line, column) just past the last byte of the input. */
export function endOfInput(bytes: Uint8Array): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === LF) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: bytes.length - lineStart + 1 };
}

/** Sort order of label names: byte order of their UTF-8 encodings. */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
