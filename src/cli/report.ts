import type { PublishContext } from '../ci-report/index.js';
import { CONFIG_FILE, renderProblems, type Problem } from '../definitions/index.js';
import { emptyPlan, renderPlanMarkdown } from '../reconcile/index.js';
import type { ValidationStageName } from '../validation/index.js';
import type { Io } from './io.js';

/** Colours only on a terminal, and never with NO_COLOR set. */
export function useColor(io: Io): boolean {
  return io.stdout.isTTY === true && (io.env.NO_COLOR === undefined || io.env.NO_COLOR === '');
}

/** What has the errors when validation stopped at `failed`, for "error: … (above)" and headlines. */
export function describeFailedStage(failed: ValidationStageName | undefined): string {
  if (failed === 'settings') return `the settings file ${CONFIG_FILE} has errors`;
  if (failed === 'flags') return 'the definitions or their flags have errors';
  return 'the definitions have errors';
}

/**
 * Problems go to stdout as the format asks (a PR comment still shows them),
 * else to stderr. `failed` is the validation stage that stopped the run: the
 * headline and the summary say what was checked.
 */
export function reportProblems(problems: Problem[], files: number, format: 'text' | 'json' | 'markdown', io: Io, failed?: ValidationStageName): void {
  if (format === 'markdown') {
    io.stdout.write(renderPlanMarkdown(emptyPlan(), { problems, headline: `${capitalise(describeFailedStage(failed))}; no plan was made.` }));
    return;
  }
  if (format === 'json') {
    io.stdout.write(renderProblems(problems, { format: 'json', files }));
    return;
  }
  io.stderr.write(renderProblems(problems, { format: 'text', files, ...(failed === 'settings' ? { checked: CONFIG_FILE } : {}) }));
}

/** The environment and a warning line on stderr, for publishing to GitHub. */
export function publishContext(io: Io): PublishContext {
  return { env: io.env, onWarning: (m) => io.stderr.write(`warning: ${m}\n`) };
}

/** The text with its first letter upper-case, for a headline made of a clause. */
export function capitalise(text: string): string {
  return `${text[0]!.toUpperCase()}${text.slice(1)}`;
}
