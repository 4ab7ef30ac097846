import { ConfigError } from '../errors.js';

/** What a GitHub Actions run tells a step about itself, read from its environment. */
export interface ActionsContext {
  /** `GITHUB_REPOSITORY` split into its two halves, when set. */
  repository: { owner: string; repo: string } | undefined;
  /** `GITHUB_EVENT_NAME`, e.g. `pull_request`, `push`, `schedule`. */
  eventName: string | undefined;
  /** The pull request the run belongs to (pull_request, pull_request_target, or a comment on a PR). */
  pullRequestNumber: number | undefined;
  /** `GITHUB_STEP_SUMMARY`: the file a step appends its Markdown summary to. */
  stepSummaryPath: string | undefined;
  /** A link to this workflow run, when the server, repository and run id are known. */
  runUrl: string | undefined;
  /** `GITHUB_API_URL`, default `https://api.github.com`. */
  apiUrl: string;
}

export type ReadFile = (path: string) => string | Promise<string>;

const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target', 'pull_request_review', 'pull_request_review_comment']);

/**
 * Reads the Actions run context from `env` (GITHUB_REPOSITORY, GITHUB_EVENT_NAME,
 * GITHUB_EVENT_PATH, GITHUB_STEP_SUMMARY, GITHUB_SERVER_URL, GITHUB_RUN_ID,
 * GITHUB_RUN_ATTEMPT, GITHUB_API_URL). Missing values stay `undefined`; use the
 * `require*` helpers to turn a missing one into a ConfigError. Throws ConfigError
 * only for values that are present but unusable (a malformed GITHUB_REPOSITORY,
 * an unreadable or non-JSON event file).
 */
export async function readActionsContext(env: Record<string, string | undefined>, readFile: ReadFile): Promise<ActionsContext> {
  const repository = parseRepository(nonEmpty(env.GITHUB_REPOSITORY));
  const eventName = nonEmpty(env.GITHUB_EVENT_NAME);
  const eventPath = nonEmpty(env.GITHUB_EVENT_PATH);
  const pullRequestNumber = eventPath === undefined ? undefined : pullRequestFromEvent(eventName, await readEvent(eventPath, readFile));
  const serverUrl = (nonEmpty(env.GITHUB_SERVER_URL) ?? 'https://github.com').replace(/\/+$/, '');
  const runId = nonEmpty(env.GITHUB_RUN_ID);
  const attempt = nonEmpty(env.GITHUB_RUN_ATTEMPT);
  const runUrl =
    repository === undefined || runId === undefined
      ? undefined
      : `${serverUrl}/${repository.owner}/${repository.repo}/actions/runs/${runId}${attempt !== undefined && attempt !== '1' ? `/attempts/${attempt}` : ''}`;
  return {
    repository,
    eventName,
    pullRequestNumber,
    stepSummaryPath: nonEmpty(env.GITHUB_STEP_SUMMARY),
    runUrl,
    apiUrl: (nonEmpty(env.GITHUB_API_URL) ?? 'https://api.github.com').replace(/\/+$/, ''),
  };
}

/** owner/repo, or a ConfigError saying to set GITHUB_REPOSITORY. */
export function requireRepository(context: ActionsContext, flag: string): { owner: string; repo: string } {
  if (context.repository === undefined) {
    throw new ConfigError(`${flag} needs GITHUB_REPOSITORY (owner/repo); it is set in GitHub Actions, elsewhere set it yourself`);
  }
  return context.repository;
}

/** The pull request to comment on, or a ConfigError explaining why there is none. */
export function requirePullRequest(context: ActionsContext, flag: string): { owner: string; repo: string; issueNumber: number } {
  const { owner, repo } = requireRepository(context, flag);
  if (context.pullRequestNumber === undefined) {
    const event = context.eventName === undefined ? 'this run' : `a "${context.eventName}" event`;
    throw new ConfigError(
      `${flag} needs a pull request, but ${event} has none (GITHUB_EVENT_PATH must point at a pull_request or pull_request_target event); run it from a workflow triggered by pull_request, or drop ${flag}`,
    );
  }
  return { owner, repo, issueNumber: context.pullRequestNumber };
}

/** The step summary file, or a ConfigError saying GITHUB_STEP_SUMMARY is missing. */
export function requireStepSummary(context: ActionsContext, flag: string): string {
  if (context.stepSummaryPath === undefined) {
    throw new ConfigError(`${flag} needs GITHUB_STEP_SUMMARY (the job summary file GitHub Actions provides); run it in GitHub Actions, or drop ${flag}`);
  }
  return context.stepSummaryPath;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function parseRepository(value: string | undefined): { owner: string; repo: string } | undefined {
  if (value === undefined) return undefined;
  const match = /^([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)\/([A-Za-z0-9._-]+)$/.exec(value);
  if (match === null || match[1] === undefined || match[2] === undefined) {
    throw new ConfigError(`GITHUB_REPOSITORY is "${value}", expected owner/repo (e.g. acme/experiments)`);
  }
  return { owner: match[1], repo: match[2] };
}

async function readEvent(path: string, readFile: ReadFile): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(`cannot read the event file GITHUB_EVENT_PATH=${path}: ${reason}`, { cause: error });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ConfigError(`the event file GITHUB_EVENT_PATH=${path} is not valid JSON; it should be the webhook payload GitHub Actions writes`, { cause: error });
  }
}

function pullRequestFromEvent(eventName: string | undefined, event: unknown): number | undefined {
  if (!isRecord(event)) return undefined;
  const pr = event.pull_request;
  if (isRecord(pr) && (eventName === undefined || PULL_REQUEST_EVENTS.has(eventName))) {
    return positiveInteger(pr.number) ?? positiveInteger(event.number);
  }
  const issue = event.issue;
  if (eventName === 'issue_comment' && isRecord(issue) && isRecord(issue.pull_request)) {
    return positiveInteger(issue.number);
  }
  return undefined;
}

function positiveInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
