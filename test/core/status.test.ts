/**
 * assembly/status.ts and src/core/status.ts describe the same error codes: same names, same
 * numbers, same order. A code added on one side only fails here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORE_ERRORS } from '../../src/core/status';
import { REPO_ROOT } from '../helpers/paths';

test('every core error code has the same number and name on both sides', () => {
  const source = readFileSync(join(REPO_ROOT, 'assembly', 'status.ts'), 'utf8');
  const block = /export const enum ErrorCode \{([\s\S]*?)\n\}/.exec(source)![1];
  const entries = [...block.matchAll(/^\s*([A-Z_0-9]+) = (\d+),/gm)].map((m) => [m[1], Number(m[2])] as const);
  expect(entries.length).toBeGreaterThan(30); // the enum was read, not an empty match
  expect(entries.map(([, n]) => n)).toEqual(entries.map((_, i) => i));
  expect(CORE_ERRORS.map((e) => e.name)).toEqual(entries.map(([name]) => name));
});
