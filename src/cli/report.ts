import type { PublishContext } from '../ci-report/index.js';
import { renderProblems, type Problem } from '../definitions/index.js';
import { emptyPlan, renderPlanMarkdown } from '../reconcile/index.js';
import type { Io } from './io.js';

/** Colours only on a terminal, and never with NO_COLOR set. */
export function useColor(io: Io): boolean {
  return io.stdout.isTTY === true && (io.env.NO_COLOR === undefined || io.env.NO_COLOR === '');
}

/** Problems go to stdout as the format asks (a PR comment still shows them), else to stderr. */
export function reportProblems(problems: Problem[], files: number, format: 'text' | 'json' | 'markdown', io: Io): void {
  if (format === 'markdown') {
    io.stdout.write(
      renderPlanMarkdown(
        emptyPlan(),
        { problems, headline: 'The definitions have errors; no plan was made.' },
      ),
    );
    return;
  }
  if (format === 'json') {
    io.stdout.write(renderProblems(problems, { format: 'json', files }));
    return;
  }
  io.stderr.write(renderProblems(problems, { format: 'text', files }));
}

/** The environment and a warning line on stderr, for publishing to GitHub. */
export function publishContext(io: Io): PublishContext {
  return { env: io.env, onWarning: (m) => io.stderr.write(`warning: ${m}\n`) };
}
