/** The error a configuration that fails validation raises: every problem found, first one first. */
import { ScrapewireError } from '../core/errors';
import type { ConfigProblem } from './yaml-reader';

export function formatProblem(problem: ConfigProblem): string {
  return `${problem.file}:${problem.line}: ${problem.message}`;
}

export class ConfigError extends ScrapewireError {
  /** All problems, in file order; `message` lists them one per line. */
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[], options: { cause?: unknown } = {}) {
    super('ERR_CONFIG', problems.map(formatProblem).join('\n'), options);
    this.problems = problems;
  }
}
