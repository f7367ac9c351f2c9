#!/usr/bin/env node
'use strict';
// The package's command: runs the bundled collector (dist/bundle/scrapewire.cjs, what `npm start`
// runs: one file instead of the library's ~480 modules, a smaller baseline), built by `npm run build`.
const { main } = require('../dist/bundle/scrapewire.cjs');

main(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err);
    process.exitCode = 1;
  },
);
