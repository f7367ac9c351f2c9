#!/usr/bin/env node
'use strict';
/**
 * Writes package.json's version into src/version.ts. Runs as npm's "version" lifecycle script
 * (after `npm version` bumps package.json, before it commits), which also stages the file:
 *
 *   npm version patch    ->  package.json and src/version.ts change in the same commit
 *
 * The published build compiles src/ alone, so src/ cannot import ../package.json itself.
 */
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const { version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const file = path.join(root, 'src', 'version.ts');
const text = fs.readFileSync(file, 'utf8');
const pattern = /^export const version = '[^']*';$/m;
if (!pattern.test(text)) {
  process.stderr.write(`sync-version: ${path.relative(root, file)} has no "export const version = '...';" line\n`);
  process.exit(1);
}
fs.writeFileSync(file, text.replace(pattern, `export const version = '${version}';`));
process.stdout.write(`sync-version: src/version.ts = ${version}\n`);
