#!/usr/bin/env node
'use strict';
// The package's command: runs the compiled CLI (npm run build compiles it to dist/).
const { main } = require('../dist/src/cli.js');

main(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err);
    process.exitCode = 1;
  },
);
