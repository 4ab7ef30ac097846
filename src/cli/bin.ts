#!/usr/bin/env node
import { createInterface } from 'node:readline/promises';
import { main } from './main.js';

const controller = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort(signal);
  });
}

const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;

const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal,
  ...(interactive
    ? {
        confirm: async (question: string) => {
          const rl = createInterface({ input: process.stdin, output: process.stdout });
          try {
            const answer = await rl.question(`${question} [y/N] `);
            return /^y(es)?$/i.test(answer.trim());
          } finally {
            rl.close();
          }
        },
      }
    : {}),
});
process.exitCode = code;
