import { createRequire } from 'node:module';

type JsoncParser = typeof import('jsonc-parser');

let loaded: JsoncParser | undefined;

/**
 * `jsonc-parser`, loaded on first use: a validate whose flag files all read
 * cleanly never needs its position tree (json-source.ts), and only a rollout
 * edits a file. Loaded with `require`, as the definitions load `yaml`: an
 * `import` of this CommonJS build would also have Node scan its source for
 * export names on every start.
 */
export function jsoncParser(): JsoncParser {
  return (loaded ??= createRequire(import.meta.url)('jsonc-parser') as JsoncParser);
}
