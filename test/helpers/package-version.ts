/**
 * package.json's version, read from the file: importing package.json would make tsc copy it to
 * dist/package.json, and that copy would become the package scope of dist/examples (Node's
 * self-reference `require('scrapewire')` would then look for dist/dist/src).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './paths';

export const version: string = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
