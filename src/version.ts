/**
 * The package's version, as a constant the published build can compile (its rootDir is src/, so
 * src/ cannot import ../package.json) and a bundler can inline. `npm version` rewrites it
 * (scripts/sync-version.js, the "version" lifecycle script); test/version.test.ts checks that it
 * matches package.json.
 */
export const version = '0.1.0';
