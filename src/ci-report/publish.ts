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
  const { comment, summaryPath, drift } = readTargets(context, actions, targets);
  if (drift !== undefined && input.plan === undefined) {
    throw new ConfigError('--github-drift-issue needs a plan, and the definitions did not validate; fix them first');
  }

  if (summaryPath !== undefined) {
    await appendStepSummary(summaryPath, markdown);
    done.push('plan written to the job summary');
  }
  if (comment !== undefined) {
    const result = await upsertStickyComment(comment.octokit, { ...comment.pr, marker: PLAN_COMMENT_MARKER, body: markdown, botLogin: comment.botLogin });
    done.push(`plan comment ${result.action}: ${result.url}`);
  }
  if (drift !== undefined && input.plan !== undefined) {
    const changes = planHasChanges(input.plan);
    const run = actions.runUrl === undefined ? '' : ` (${actions.runUrl})`;
    const body = changes
      ? `Eppo no longer matches the definitions in git: applying them would make the changes below. Either change the YAML to match Eppo, or run apply to put Eppo back.${run}\n\n${markdown.replace(`${PLAN_COMMENT_MARKER}\n`, '')}`
      : `The drift check found no differences any more${run}; closing.`;
    const result = await upsertDriftIssue(drift.octokit, { ...drift.repo, drift: changes, title: DRIFT_TITLE, body, label: DRIFT_LABEL, botLogin: drift.botLogin });
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
 * usable GITHUB_API_URL, EPPO_GITOPS_BOT_LOGIN), without a request, as
 * publishPlan does before its first write: plan and apply call it before
 * they read or write anything, so a run outside GitHub Actions fails at once
 * instead of after apply changed Eppo. A ConfigError naming the flag.
 */
export async function checkGitHubTargets(context: PublishContext, targets: GitHubTargets): Promise<void> {
  if (!wantsGitHub(targets)) return;
  readTargets(context, await readActionsContext(context.env, (path) => readFile(path, 'utf8')), targets);
}

/**
 * What each asked-for target needs, in the order the flags are checked: a
 * ConfigError naming the first flag that cannot be honoured. Builds the
 * clients (which checks GITHUB_TOKEN, GITHUB_API_URL and GITHUB_TIMEOUT_SECONDS)
 * and sends no request.
 */
function readTargets(context: PublishContext, actions: ActionsContext, targets: GitHubTargets) {
  const comment = targets.comment
    ? { pr: requirePullRequest(actions, '--github-comment'), botLogin: commentBotLogin(context.env), octokit: githubClient(context, actions, '--github-comment') }
    : undefined;
  const summaryPath = targets.summary ? requireStepSummary(actions, '--github-summary') : undefined;
  const drift = targets.driftIssue
    ? { repo: requireRepository(actions, '--github-drift-issue'), octokit: githubClient(context, actions, '--github-drift-issue'), botLogin: commentBotLogin(context.env) }
    : undefined;
  return { comment, summaryPath, drift };
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
