/**
 * Typed errors. Every error scrapewire raises on purpose is a ScrapewireError with a stable
 * `code`; parse errors also carry the 1-based line and column of the offending byte, and errors
 * from the core its own `reason` ('INVALID_LABEL_NAME', 'SAMPLE_LIMIT', ...).
 *
 * Three codes are wide on purpose, each for one kind of thing:
 *   ERR_USAGE        a caller broke an API contract: a bad argument, a call out of order, a call
 *                    after close() or stop() (also the abort reason of what a stop cancels)
 *   ERR_HTTP_STATUS  a target's or discovery endpoint's answer was not a success: a non-2xx
 *                    status, or no answer at all (refused, reset, TLS, corrupt gzip)
 *   ERR_CORE_STATE   the catch-all: a failure scrapewire did not expect and cannot classify (an
 *                    exception of unknown kind during a scrape, the core's module missing, the
 *                    core called out of order by its own wrapper). It means a bug or a broken
 *                    installation; nothing else falls back to it.
 */

export type ErrorCode =
  | 'ERR_PARSE'
  | 'ERR_LINE_TOO_LONG'
  | 'ERR_SAMPLE_LIMIT'
  | 'ERR_SERIES_LIMIT'
  | 'ERR_MEMORY_LIMIT'
  | 'ERR_TARGET_LIMIT'
  | 'ERR_LABEL_LIMIT'
  | 'ERR_LABEL_NAME_LENGTH_LIMIT'
  | 'ERR_LABEL_VALUE_LENGTH_LIMIT'
  | 'ERR_BODY_SIZE_LIMIT'
  | 'ERR_SCRAPE_TIMEOUT'
  | 'ERR_HTTP_STATUS'
  | 'ERR_CORE_STATE'
  | 'ERR_CORE_TRAP'
  | 'ERR_CONFIG'
  | 'ERR_USAGE'
  | 'ERR_PLUGIN'
  | 'ERR_REMOTE_WRITE'
  /** A disk-queue operation failed (ENOSPC, EIO...): src/remote/segment-file.ts. */
  | 'ERR_DISK_QUEUE'
  /** Another process holds the storage path's lock: src/remote/storage-lock.ts. */
  | 'ERR_STORAGE_LOCKED'
  /** A SampleSink threw instead of counting what it could not keep: src/scrape/sample-sink.ts. */
  | 'ERR_SINK'
  /** An in-process target's source threw, or returned something that is not exposition text: src/scrape/local-source.ts. */
  | 'ERR_LOCAL_SOURCE'
  /** A scrape worker thread exited and was started again: src/scrape/workers/scrape-workers.ts. */
  | 'ERR_WORKER';

/** What a ScrapewireError carries besides its code and reason. */
export interface ScrapewireErrorOptions {
  target?: string;
  line?: number;
  column?: number;
  /** A stable name for why, within the code (the core's errors: src/core/status.ts CoreErrorReason). */
  reason?: string;
  cause?: unknown;
}

/** An error scrapewire raises on purpose: a stable `code`, the target, and for parse errors the line and column. */
export class ScrapewireError extends Error {
  readonly code: ErrorCode;
  /**
   * Why, as a stable name within the code, where there is one: for errors from the core, its
   * own error (CoreErrorReason), e.g. code 'ERR_PARSE' with reason 'INVALID_LABEL_NAME'.
   */
  readonly reason?: string;
  /** The scrape target (URL or source name) the error belongs to, when there is one. */
  target?: string;
  /** 1-based line of the exposition text, for parse errors. */
  readonly line?: number;
  /** 1-based column (in bytes) of the exposition text, for parse errors. */
  readonly column?: number;
  /** What went wrong, in words, without target or position: what `message` is built from. */
  readonly detail: string;

  constructor(code: ErrorCode, detail: string, options: ScrapewireErrorOptions = {}) {
    super(formatMessage(detail, options), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ScrapewireError';
    this.code = code;
    this.detail = detail;
    if (options.reason !== undefined) this.reason = options.reason;
    this.target = options.target;
    this.line = options.line;
    this.column = options.column;
  }

  /** Returns a copy of this error attributed to `target` (the message names it). */
  withTarget(target: string): ScrapewireError {
    return new ScrapewireError(this.code, this.detail, {
      target,
      line: this.line,
      column: this.column,
      reason: this.reason,
      cause: this.cause,
    });
  }
}

function formatMessage(detail: string, { target, line, column }: ScrapewireErrorOptions): string {
  let where = '';
  if (line !== undefined) where = column !== undefined ? `line ${line}, column ${column}: ` : `line ${line}: `;
  return `${target !== undefined ? `${target}: ` : ''}${where}${detail}`;
}
