/** The error a configuration that fails validation raises: every problem found, first one first. */
import { ScrapewireError } from '../errors';
import type { ConfigProblem } from './yaml-reader';

export function formatProblem(problem: ConfigProblem): string {
  // Line 0: the problem is with the file as a whole (it cannot be read).
  return problem.line > 0 ? `${problem.file}:${problem.line}: ${problem.message}` : `${problem.file}: ${problem.message}`;
}

/** A configuration that fails validation: ERR_CONFIG with every problem, each naming its file, line and field. */
export class ConfigError extends ScrapewireError {
  /** All problems, in file order; `message` lists them one per line. */
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[], options: { cause?: unknown } = {}) {
    super('ERR_CONFIG', problems.map(formatProblem).join('\n'), options);
    this.problems = problems;
  }
}
