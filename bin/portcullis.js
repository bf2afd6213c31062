#!/usr/bin/env node
// The command line lives in the compiled sources; this file only hands over to it.
import process from 'node:process';
import { main } from '../dist/src/cli/main.js';

main(process.argv).then(
  (code) => { if (typeof code === 'number') process.exitCode = code; },
  (err) => {
    process.stderr.write(`portcullis: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
