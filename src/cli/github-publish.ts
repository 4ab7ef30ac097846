import { readFile } from 'node:fs/promises';
import { ConfigError } from '../errors.js';
import type { Problem } from '../definitions/index.js';
import { createOctokit } from '../git-host/github-client.js';
import {
  appendStepSummary,
  DRIFT_LABEL,
  PLAN_COMMENT_MARKER,
  readActionsContext,
  requirePullRequest,
  requireRepository,
  requireStepSummary,
  upsertDriftIssue,
  upsertStickyComment,
  type ActionsContext,
} from '../ci-report/index.js';
import { emptyPlan, planHasChanges, renderPlanMarkdown, type Plan } from '../reconcile/index.js';
import type { Io } from './io.js';

/** The `--github-*` flags of plan (apply takes only `summary`). */
export interface GitHubTargets {
  comment: boolean;
  summary: boolean;
  driftIssue: boolean;
}

export const NO_GITHUB_TARGETS: GitHubTargets = { comment: false, summary: false, driftIssue: false };

export function wantsGitHub(targets: GitHubTargets): boolean {
  return targets.comment || targets.summary || targets.driftIssue;
}

export const DRIFT_TITLE = 'Eppo differs from git (eppo-gitops drift check)';

/**
 * Publishes a plan (or, when validation stopped it, the problems) where the
 * flags ask: the sticky PR comment, the job summary, the drift issue. Reads
 * the Actions context from the environment; a missing piece is a ConfigError
 * naming the flag. Returns one line per target for the log.
 */
export async function publishPlan(
  io: Io,
  targets: GitHubTargets,
  input: { plan?: Plan; problems: readonly Problem[]; headline?: string },
): Promise<string[]> {
  if (!wantsGitHub(targets)) return [];
  const context = await readActionsContext(io.env, (path) => readFile(path, 'utf8'));
  const hint = context.runUrl === undefined ? 'the job summary and the saved plan artifact' : `the job summary of ${context.runUrl} and its saved plan artifact`;
  const markdown = renderPlanMarkdown(input.plan ?? emptyPlan(), {
    problems: input.problems,
    fullPlanHint: hint,
    ...(input.headline === undefined ? {} : { headline: input.headline }),
  });
  const done: string[] = [];
  // Validate every target's needs before the first write, so a half-published plan is rare.
  const pr = targets.comment ? requirePullRequest(context, '--github-comment') : undefined;
  const summaryPath = targets.summary ? requireStepSummary(context, '--github-summary') : undefined;
  const repo = targets.driftIssue ? requireRepository(context, '--github-drift-issue') : undefined;
  if (targets.driftIssue && input.plan === undefined) {
    throw new ConfigError('--github-drift-issue needs a plan, and the definitions did not validate; fix them first');
  }

  if (summaryPath !== undefined) {
    await appendStepSummary(summaryPath, markdown);
    done.push('plan written to the job summary');
  }
  if (pr !== undefined) {
    const octokit = githubClient(io, context, '--github-comment');
    const result = await upsertStickyComment(octokit, { ...pr, marker: PLAN_COMMENT_MARKER, body: markdown });
    done.push(`plan comment ${result.action}: ${result.url}`);
  }
  if (repo !== undefined && input.plan !== undefined) {
    const octokit = githubClient(io, context, '--github-drift-issue');
    const drift = planHasChanges(input.plan);
    const run = context.runUrl === undefined ? '' : ` (${context.runUrl})`;
    const body = drift
      ? `Eppo no longer matches the definitions in git: applying them would make the changes below. Either change the YAML to match Eppo, or run apply to put Eppo back.${run}\n\n${markdown.replace(`${PLAN_COMMENT_MARKER}\n`, '')}`
      : `The drift check found no differences any more${run}; closing.`;
    const result = await upsertDriftIssue(octokit, { ...repo, drift, title: DRIFT_TITLE, body, label: DRIFT_LABEL });
    done.push(
      result.action === 'closed'
        ? `drift issue closed: ${result.closed.map((c) => c.url).join(', ')}`
        : result.action === 'none'
          ? 'no drift, no drift issue open'
          : `drift issue ${result.action}: ${result.url}`,
    );
  }
  return done;
}

/** Appends Markdown to the job summary (`--github-summary` on apply). */
export async function publishSummary(io: Io, markdown: string): Promise<string> {
  const context = await readActionsContext(io.env, (path) => readFile(path, 'utf8'));
  await appendStepSummary(requireStepSummary(context, '--github-summary'), markdown);
  return 'result written to the job summary';
}

function githubClient(io: Io, context: ActionsContext, flag: string) {
  const token = io.env.GITHUB_TOKEN;
  if (token === undefined || token === '') {
    throw new ConfigError(`${flag} needs GITHUB_TOKEN; in a workflow pass it with env: GITHUB_TOKEN: \${{ secrets.GITHUB_TOKEN }}`);
  }
  return createOctokit({ token, baseUrl: context.apiUrl, onWarning: (m) => io.stderr.write(`warning: ${m}\n`) });
}
