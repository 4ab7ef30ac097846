import { readFile } from 'node:fs/promises';
import type { Problem } from '../definitions/index.js';
import { ConfigError } from '../errors.js';
import { createOctokit } from '../git-host/index.js';
import { parseTimeoutSeconds } from '../util/index.js';
import { emptyPlan, PLAN_COMMENT_MARKER, planHasChanges, renderPlanMarkdown, type Plan } from '../reconcile/index.js';
import { readActionsContext, requirePullRequest, requireRepository, requireStepSummary, type ActionsContext } from './actions-context.js';
import { DRIFT_LABEL, upsertDriftIssue } from './drift-issue.js';
import { appendStepSummary } from './step-summary.js';
import { DEFAULT_BOT_LOGIN, upsertStickyComment } from './sticky-comment.js';

/** The `--github-*` flags of plan (apply takes only `summary`). */
export interface GitHubTargets {
  comment: boolean;
  summary: boolean;
  driftIssue: boolean;
}

/** Where publishing reads its settings and reports the GitHub client's warnings. */
export interface PublishContext {
  /** GITHUB_TOKEN and the GitHub Actions variables */
  env: Record<string, string | undefined>;
  /** a warning from the GitHub client (rate limits, retries) */
  onWarning?: (message: string) => void;
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
  context: PublishContext,
  targets: GitHubTargets,
  input: { plan?: Plan; problems: readonly Problem[]; headline?: string },
): Promise<string[]> {
  if (!wantsGitHub(targets)) return [];
  const actions = await readActionsContext(context.env, (path) => readFile(path, 'utf8'));
  const hint = actions.runUrl === undefined ? 'the job summary and the saved plan artifact' : `the job summary of ${actions.runUrl} and its saved plan artifact`;
  const markdown = renderPlanMarkdown(input.plan ?? emptyPlan(), {
    problems: input.problems,
    fullPlanHint: hint,
    ...(input.headline === undefined ? {} : { headline: input.headline }),
  });
  const done: string[] = [];
  // Validate every target's needs before the first write, so a half-published plan is rare.
  const pr = targets.comment ? requirePullRequest(actions, '--github-comment') : undefined;
  if (pr !== undefined) commentBotLogin(context.env);
  const summaryPath = targets.summary ? requireStepSummary(actions, '--github-summary') : undefined;
  const repo = targets.driftIssue ? requireRepository(actions, '--github-drift-issue') : undefined;
  if (targets.driftIssue && input.plan === undefined) {
    throw new ConfigError('--github-drift-issue needs a plan, and the definitions did not validate; fix them first');
  }

  if (summaryPath !== undefined) {
    await appendStepSummary(summaryPath, markdown);
    done.push('plan written to the job summary');
  }
  if (pr !== undefined) {
    const octokit = githubClient(context, actions, '--github-comment');
    const result = await upsertStickyComment(octokit, { ...pr, marker: PLAN_COMMENT_MARKER, body: markdown, botLogin: commentBotLogin(context.env) });
    done.push(`plan comment ${result.action}: ${result.url}`);
  }
  if (repo !== undefined && input.plan !== undefined) {
    const octokit = githubClient(context, actions, '--github-drift-issue');
    const drift = planHasChanges(input.plan);
    const run = actions.runUrl === undefined ? '' : ` (${actions.runUrl})`;
    const body = drift
      ? `Eppo no longer matches the definitions in git: applying them would make the changes below. Either change the YAML to match Eppo, or run apply to put Eppo back.${run}\n\n${markdown.replace(`${PLAN_COMMENT_MARKER}\n`, '')}`
      : `The drift check found no differences any more${run}; closing.`;
    const result = await upsertDriftIssue(octokit, { ...repo, drift, title: DRIFT_TITLE, body, label: DRIFT_LABEL, botLogin: commentBotLogin(context.env) });
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

/**
 * Checks that the environment holds what each asked-for target needs (the
 * pull request, GITHUB_STEP_SUMMARY, GITHUB_REPOSITORY, GITHUB_TOKEN, a
 * usable GITHUB_API_URL), without a request: plan and apply call it before
 * they read or write anything, so a run outside GitHub Actions fails at once
 * instead of after apply changed Eppo. A ConfigError naming the flag.
 */
export async function checkGitHubTargets(context: PublishContext, targets: GitHubTargets): Promise<void> {
  if (!wantsGitHub(targets)) return;
  const actions = await readActionsContext(context.env, (path) => readFile(path, 'utf8'));
  if (targets.comment) {
    requirePullRequest(actions, '--github-comment');
    commentBotLogin(context.env);
    githubClient(context, actions, '--github-comment');
  }
  if (targets.summary) requireStepSummary(actions, '--github-summary');
  if (targets.driftIssue) {
    requireRepository(actions, '--github-drift-issue');
    githubClient(context, actions, '--github-drift-issue');
  }
}

/** Appends Markdown to the job summary (`--github-summary` on apply). */
export async function publishSummary(context: PublishContext, markdown: string): Promise<string> {
  const actions = await readActionsContext(context.env, (path) => readFile(path, 'utf8'));
  await appendStepSummary(requireStepSummary(actions, '--github-summary'), markdown);
  return 'result written to the job summary';
}

function githubClient(context: PublishContext, actions: ActionsContext, flag: string) {
  const token = context.env.GITHUB_TOKEN;
  if (token === undefined || token === '') {
    throw new ConfigError(`${flag} needs GITHUB_TOKEN; in a workflow pass it with env: GITHUB_TOKEN: \${{ secrets.GITHUB_TOKEN }}`);
  }
  const timeoutMs = parseTimeoutSeconds('GITHUB_TIMEOUT_SECONDS', context.env.GITHUB_TIMEOUT_SECONDS);
  return createOctokit({
    token,
    baseUrl: actions.apiUrl,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    ...(context.onWarning === undefined ? {} : { onWarning: context.onWarning }),
  });
}

/** A GitHub login: a user, or an app's `<slug>[bot]`. */
const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$/;

/**
 * EPPO_GITOPS_BOT_LOGIN: the login GITHUB_TOKEN posts as, when it is not the
 * Actions token (`github-actions[bot]`): an app's `<slug>[bot]`, or the user
 * of a personal token. Only the environment sets it: a pull request changes
 * files, never the job's environment.
 */
function commentBotLogin(env: Record<string, string | undefined>): string {
  const raw = env.EPPO_GITOPS_BOT_LOGIN?.trim();
  if (raw === undefined || raw === '') return DEFAULT_BOT_LOGIN;
  if (!LOGIN.test(raw)) {
    throw new ConfigError(`EPPO_GITOPS_BOT_LOGIN is "${raw}", which is not a GitHub login; set it to the login GITHUB_TOKEN posts as (a GitHub App: "<app-slug>[bot]"), or leave it unset for the Actions token (${DEFAULT_BOT_LOGIN})`);
  }
  return raw;
}
