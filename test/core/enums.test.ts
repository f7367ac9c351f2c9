/**
 * assembly/enums.ts and src/core/enums.ts describe the same enumerations (format, protocol,
 * series state): same enums, same member names and numbers. A member added or renumbered on one
 * side only fails here, as status.test.ts does for the error codes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/paths';

function enumsOf(path: string): Record<string, Record<string, number>> {
  const source = readFileSync(join(REPO_ROOT, path), 'utf8');
  const enums: Record<string, Record<string, number>> = {};
  for (const [, name, body] of source.matchAll(/export const enum (\w+) \{([\s\S]*?)\n\}/g)) {
    enums[name] = Object.fromEntries([...body.matchAll(/^\s*([A-Z_0-9]+) = (0x[0-9A-Fa-f]+|\d+),/gm)].map((m) => [m[1], Number(m[2])]));
  }
  return enums;
}

test('every enumeration that crosses the boundary has the same members on both sides', () => {
  const core = enumsOf('assembly/enums.ts');
  const host = enumsOf('src/core/enums.ts');
  expect(Object.keys(core).sort()).toEqual(['Command', 'CoreOption', 'Format', 'Protocol', 'Query', 'SeriesState']); // the files were read
  for (const members of Object.values(core)) expect(Object.keys(members).length).toBeGreaterThan(1);
  expect(host).toEqual(core);
});
