/**
 * The core's errors as ScrapewireErrors: the code (ERR_PARSE, ERR_SAMPLE_LIMIT, ...), the core's
 * own reason by name (`reason: 'INVALID_LABEL_NAME'`), the line and byte column, and a message
 * that says what was expected and what came there: `expected "=" after label name, got "+"`.
 */
import { ScrapewireError } from '../errors';
import { CORE_ERRORS, scrapewireCodeFor, type CoreErrorReason } from './status';
import type { CoreLimits } from './limits';

/** Bytes of what came shown at most (the core copies one more, to say that it was cut). */
const CAME_MAX = 40;

export interface CoreErrorReport {
  /** The core's ErrorCode. */
  code: number;
  line: number;
  column: number;
  /** What came at the error's position (empty: the end of the line); undefined when the core has no position for it. */
  came: Uint8Array | undefined;
}

/** The ScrapewireError for an error the core reported. */
export function coreError(report: CoreErrorReport, limits: CoreLimits): ScrapewireError {
  const entry = CORE_ERRORS[report.code];
  const code = scrapewireCodeFor(report.code);
  let detail = limitText(report.code, limits) ?? entry?.text ?? `error ${report.code}`;
  // Limits carry their counts instead; what came is worth saying for what a page got wrong.
  if (code === 'ERR_PARSE' && report.came !== undefined) {
    const came = describe(report.came);
    detail += `, got ${entry !== undefined && 'came' in entry ? entry.came(came) : came}`;
  }
  return new ScrapewireError(code, detail, {
    reason: entry?.name as CoreErrorReason | undefined,
    line: report.line,
    column: report.column,
  });
}

/** The error of a scrape whose samples kept after relabeling were more than the limit. */
export function sampleLimitError(kept: number, limits: CoreLimits): ScrapewireError {
  return new ScrapewireError('ERR_SAMPLE_LIMIT', `${textOf('SAMPLE_LIMIT')} (samples: ${kept}, limit: ${limits.sampleLimit})`, { reason: 'SAMPLE_LIMIT' });
}

function textOf(name: CoreErrorReason): string {
  return CORE_ERRORS.find((e) => e.name === name)!.text;
}

/**
 * A limit's error with the limit it passed (Prometheus words them "sample_limit exceeded" and so
 * on; the limit and what was counted are added); undefined for other errors.
 */
function limitText(coreCode: number, limits: CoreLimits): string | undefined {
  const name = CORE_ERRORS[coreCode]?.name;
  switch (name) {
    case 'SAMPLE_LIMIT': return `${textOf(name)} (more than ${limits.sampleLimit} samples after relabeling, limit: ${limits.sampleLimit})`;
    case 'SERIES_LIMIT': return `${textOf(name)} (the target's series cache holds ${limits.seriesLimit} series, limit: ${limits.seriesLimit})`;
    case 'LABEL_LIMIT': return `${textOf(name)} (more than ${limits.labelLimit} labels, limit: ${limits.labelLimit})`;
    case 'LABEL_NAME_LENGTH_LIMIT': return `${textOf(name)} (a label name longer than ${limits.labelNameLengthLimit} bytes, limit: ${limits.labelNameLengthLimit})`;
    case 'LABEL_VALUE_LENGTH_LIMIT': return `${textOf(name)} (a label value longer than ${limits.labelValueLengthLimit} bytes, limit: ${limits.labelValueLengthLimit})`;
    case 'MEMORY_LIMIT': return `${textOf(name)} (${limits.maxMemoryBytes / 2 ** 20} MiB); it is rebuilt with its live series`;
    default: return undefined;
  }
}

/** What came, for a message: quoted (cut after CAME_MAX bytes), or "end of line". */
function describe(came: Uint8Array): string {
  if (came.length === 0) return 'end of line';
  return came.length > CAME_MAX ? `${quote(came.subarray(0, CAME_MAX))}...` : quote(came);
}

/** The bytes as a JSON-style string, with bytes that are not UTF-8 as \xNN. */
function quote(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length;) {
    const n = utf8Length(bytes, i);
    if (n === 0) {
      text += `\\x${bytes[i].toString(16).toUpperCase().padStart(2, '0')}`;
      i++;
    } else {
      text += JSON.stringify(Buffer.from(bytes.buffer, bytes.byteOffset + i, n).toString('utf8')).slice(1, -1);
      i += n;
    }
  }
  return `"${text}"`;
}

/** Bytes of the UTF-8 sequence at `i`, or 0 when none starts there (as the core checks it). */
function utf8Length(bytes: Uint8Array, i: number): number {
  const c = bytes[i];
  if (c < 0x80) return 1;
  const n = (c & 0xe0) === 0xc0 ? 2 : (c & 0xf0) === 0xe0 ? 3 : (c & 0xf8) === 0xf0 ? 4 : 0;
  if (n === 0 || i + n > bytes.length) return 0;
  let cp = c & (0xff >> (n + 1));
  for (let k = 1; k < n; k++) {
    const b = bytes[i + k];
    if ((b & 0xc0) !== 0x80) return 0;
    cp = (cp << 6) | (b & 0x3f);
  }
  const min = n === 2 ? 0x80 : n === 3 ? 0x800 : 0x10000;
  return cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ? 0 : n;
}
