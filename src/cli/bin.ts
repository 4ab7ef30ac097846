#!/usr/bin/env node
import { askYesNo } from './confirm.js';
import { main } from './main.js';
import { watchSignals } from './signals.js';

// Commands that only read (or write files a rerun completes) quit at the first
// Ctrl-C; the others stop gracefully on the first and quit on the second.
const QUIT_AT_ONCE = new Set(['validate', 'plan', 'import']);
const signals = watchSignals(process, QUIT_AT_ONCE.has(process.argv[2] ?? ''));

const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;

const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  signal: signals.signal,
  ...(interactive
    ? {
        confirm: (question: string) => askYesNo(question, process.stdin, process.stdout),
      }
    : {}),
});
signals.finished();
process.exitCode = code;
