/**
 * The line syntax of OpenMetrics 1.0 text (ABNF in test/fixtures/openmetrics/specification/
 * OpenMetrics.md): exactly one space between tokens, no leading or trailing blanks, no
 * trailing comma in label sets. Metric and label names may also be quoted strings (the
 * Prometheus 3 extension), with the metric name first inside the braces.
 *
 * Only syntax lives here; the rules about families, types and ordering are in openmetrics.ts.
 */

import {
  CLOSE_BRACE,
  COMMA,
  EQUALS,
  HASH,
  OPEN_BRACE,
  QUOTE,
  SPACE,
  isLabelNameStart,
  isMetricNameChar,
  isMetricNameStart,
  type LineCursor,
} from './cursor';
import { addLabel, type ParsedLabel, type ParsedSeries } from './labels';
import { parseFloatValue, parseRealNumber } from './numbers';

export type MetadataKeyword = 'HELP' | 'TYPE' | 'UNIT';

export interface MetadataLine {
  keyword: MetadataKeyword;
  name: string;
  nameAt: number;
  /** The text after the name: unescaped HELP text, the type word, or the unit. */
  text: string;
  textAt: number;
}

export interface OmExemplar {
  labels: ParsedLabel[];
  value: number;
  timestampSeconds?: number;
  /** Offset of the exemplar's `#`. */
  at: number;
}

export interface OmSample {
  series: ParsedSeries;
  value: number;
  valueToken: string;
  valueAt: number;
  timestampSeconds?: number;
  timestampAt?: number;
  exemplar?: OmExemplar;
}

const isSpace = (c: number): boolean => c === SPACE;

/** Parses a line starting with `#` that is not `# EOF`. */
export function parseMetadataLine(line: LineCursor): MetadataLine {
  line.expect(HASH, '"#"');
  line.expect(SPACE, '" " after "#"');
  const keywordAt = line.pos;
  const keyword = line.readUntil(isSpace);
  if (keyword === 'EOF') line.expected('end of line after "# EOF"');
  if (keyword !== 'HELP' && keyword !== 'TYPE' && keyword !== 'UNIT') {
    line.fail(`expected HELP, TYPE, UNIT or EOF after "# ", got ${JSON.stringify(keyword)}`, keywordAt);
  }
  line.expect(SPACE, `" " after ${keyword}`);
  const nameAt = line.pos;
  const name = readMetricName(line);
  line.expect(SPACE, '" " after metric name');
  const textAt = line.pos;
  let text: string;
  if (keyword === 'UNIT') {
    while (!line.atEnd()) {
      if (!isMetricNameChar(line.peek())) line.expected('unit (metric name characters)');
      line.pos++;
    }
    text = line.text(textAt, line.pos);
  } else if (keyword === 'HELP') {
    text = unescapeHelp(line.rest());
  } else {
    text = line.rest();
  }
  return { keyword, name, nameAt, text, textAt };
}

/** HELP escapes of OpenMetrics: \\ \" \n; any other escaped character stays as written. */
function unescapeHelp(raw: string): string {
  return raw.replace(/\\([\\"n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

function readMetricName(line: LineCursor): string {
  if (line.peek() === QUOTE) {
    const at = line.pos;
    const name = line.readQuotedString('metric name');
    if (name === '') line.fail('metric name must not be empty', at);
    return name;
  }
  if (!isMetricNameStart(line.peek())) line.expected('metric name');
  return line.readLegacyMetricName();
}

/** Parses a sample line: `name[{labels}] value [timestamp] [# {labels} value [timestamp]]`. */
export function parseSampleLine(line: LineCursor): OmSample {
  let series: ParsedSeries;
  if (line.peek() === OPEN_BRACE) {
    series = parseLabelSet(line, undefined);
    line.expect(SPACE, '" " after labels');
  } else {
    const nameAt = line.pos;
    const name = readMetricName(line);
    if (line.peek() === OPEN_BRACE) {
      series = parseLabelSet(line, { name, nameAt });
      line.expect(SPACE, '" " after labels');
    } else {
      series = { name, nameAt, labels: [] };
      line.expect(SPACE, '" " or "{" after metric name');
    }
  }

  const valueAt = line.pos;
  const valueToken = line.readUntil(isSpace);
  const value = parseNumberToken(line, valueToken, valueAt, 'value');
  const sample: OmSample = { series, value, valueToken, valueAt };
  if (line.atEnd()) return sample;
  line.expect(SPACE, '" " or end of line after value');

  if (line.peek() !== HASH) {
    sample.timestampAt = line.pos;
    sample.timestampSeconds = parseTimestampToken(line, 'timestamp');
    if (line.atEnd()) return sample;
    line.expect(SPACE, '" " or end of line after timestamp');
  }

  const exemplarAt = line.pos;
  line.expect(HASH, '"#" (exemplar)');
  line.expect(SPACE, '" " after "#"');
  if (line.peek() !== OPEN_BRACE) line.expected('"{" (exemplar labels)');
  const exemplarLabels = parseLabelSet(line, null).labels;
  line.expect(SPACE, '" " after exemplar labels');
  const exemplarValueAt = line.pos;
  const exemplarValue = parseNumberToken(line, line.readUntil(isSpace), exemplarValueAt, 'exemplar value');
  sample.exemplar = { labels: exemplarLabels, value: exemplarValue, at: exemplarAt };
  if (line.atEnd()) return sample;
  line.expect(SPACE, '" " or end of line after exemplar value');
  sample.exemplar.timestampSeconds = parseTimestampToken(line, 'exemplar timestamp');
  if (!line.atEnd()) line.expected('end of line after exemplar timestamp');
  return sample;
}

function parseNumberToken(line: LineCursor, token: string, at: number, what: string): number {
  if (token === '') line.expected(what, at);
  const value = parseFloatValue(token);
  if (value === undefined) line.fail(`expected number as ${what}, got ${JSON.stringify(token)}`, at);
  return value;
}

/** A timestamp in float seconds: a real number, never NaN or infinite. */
function parseTimestampToken(line: LineCursor, what: string): number {
  const at = line.pos;
  const token = line.readUntil(isSpace);
  if (token === '') line.expected(what, at);
  const seconds = parseRealNumber(token);
  if (seconds === undefined) line.fail(`expected real number as ${what}, got ${JSON.stringify(token)}`, at);
  return seconds;
}

/**
 * Parses `{...}` at the position. `named` is the metric name read before the braces; with
 * undefined, a quoted metric name may come first inside the braces; with null (exemplars)
 * the braces hold labels only.
 */
function parseLabelSet(line: LineCursor, named: { name: string; nameAt: number } | undefined | null): ParsedSeries {
  line.pos++; // '{'
  let name = named?.name;
  let nameAt = named?.nameAt ?? line.pos;
  const labels: ParsedLabel[] = [];
  if (line.peek() !== CLOSE_BRACE) {
    for (;;) {
      const itemAt = line.pos;
      let labelName: string;
      if (line.peek() === QUOTE) {
        const quoted = line.readQuotedString('label name');
        if (line.peek() !== EQUALS && named === undefined && name === undefined && labels.length === 0) {
          if (quoted === '') line.fail('metric name must not be empty', itemAt);
          name = quoted;
          nameAt = itemAt;
          if (line.peek() !== COMMA) break;
          line.pos++;
          continue;
        }
        labelName = quoted;
      } else {
        if (!isLabelNameStart(line.peek())) line.expected('label name');
        labelName = line.readLegacyLabelName();
      }
      line.expect(EQUALS, '"="');
      const valueAt = line.pos;
      if (line.peek() !== QUOTE) line.expected('label value');
      const value = line.readQuotedString('label value');
      addLabel(line, labels, { name: labelName, value, nameAt: itemAt, valueAt }, named !== null);
      if (line.peek() !== COMMA) break;
      line.pos++;
    }
  }
  if (named === undefined && name === undefined) line.expected('quoted metric name', nameAt);
  line.expect(CLOSE_BRACE, '"," or "}"');
  return { name: name ?? '', nameAt, labels };
}
