import type { Octokit } from '@octokit/rest';
import { InternalError } from '../errors.js';
import { DEFAULT_BOT_LOGIN, GITHUB_BODY_LIMIT, isTrustedAuthor, sameText } from './sticky-comment.js';
import { wrapGitHubError } from '../git-host/index.js';

/** The label that marks the one open drift issue. */
export const DRIFT_LABEL = 'eppo-drift';

export interface DriftIssueInput {
  owner: string;
  repo: string;
  /** true when the scheduled plan found changes (exit code 2). */
  drift: boolean;
  /** The issue title (used when drift is found). */
  title: string;
  /**
   * With drift: the issue body (the plan). Without drift: the comment posted
   * on each open drift issue before it is closed.
   */
  body: string;
  label: string;
  /**
   * The login the token posts as, trusted (besides people with write access)
   * to have written the drift issue. Default `github-actions[bot]`.
   */
  botLogin?: string;
}

export type DriftIssueResult =
  | { action: 'created' | 'updated' | 'unchanged'; number: number; url: string }
  | { action: 'closed'; closed: { number: number; url: string }[] }
  | { action: 'none' };

/**
 * Keeps at most one open issue carrying `label` in step with drift:
 * drift and no open issue → create one (with the label); drift and an open one →
 * edit the oldest when its title or body differ; no drift → comment on and
 * close every open issue with the label; no drift and none open → nothing.
 * Pull requests that carry the label are ignored, and so are issues by anyone
 * but a maintainer or the bot the token posts as (the sticky comment's rule):
 * an issue template can put the label on anyone's issue, and the plan must
 * not be written into an issue its author can then edit.
 */
export async function upsertDriftIssue(octokit: Octokit, input: DriftIssueInput): Promise<DriftIssueResult> {
  const { owner, repo, label, title, body } = input;
  if (body.length > GITHUB_BODY_LIMIT) {
    // renderPlanMarkdown cuts a plan to fit: a longer body is a caller's mistake, not the user's.
    throw new InternalError(`the drift issue body is ${body.length} characters, over GitHub's ${GITHUB_BODY_LIMIT}-character limit; cut it before posting`);
  }
  const open = await listOpenLabelled(octokit, owner, repo, label, input.botLogin ?? DEFAULT_BOT_LOGIN);
  if (input.drift) {
    const current = open[0];
    if (current === undefined) {
      try {
        const { data } = await octokit.rest.issues.create({ owner, repo, title, body, labels: [label] });
        return { action: 'created', number: data.number, url: data.html_url };
      } catch (error) {
        throw wrapGitHubError(error, `opening the "${label}" issue in ${owner}/${repo}`, 'issues: write');
      }
    }
    if (current.title === title && sameText(current.body, body)) {
      return { action: 'unchanged', number: current.number, url: current.html_url };
    }
    try {
      const { data } = await octokit.rest.issues.update({ owner, repo, issue_number: current.number, title, body });
      return { action: 'updated', number: data.number, url: data.html_url };
    } catch (error) {
      throw wrapGitHubError(error, `editing issue #${current.number} in ${owner}/${repo}`, 'issues: write');
    }
  }
  if (open.length === 0) return { action: 'none' };
  const closed: { number: number; url: string }[] = [];
  for (const issue of open) {
    try {
      await octokit.rest.issues.createComment({ owner, repo, issue_number: issue.number, body });
      await octokit.rest.issues.update({ owner, repo, issue_number: issue.number, state: 'closed', state_reason: 'completed' });
    } catch (error) {
      throw wrapGitHubError(error, `closing issue #${issue.number} in ${owner}/${repo}`, 'issues: write');
    }
    closed.push({ number: issue.number, url: issue.html_url });
  }
  return { action: 'closed', closed };
}

interface IssueRef {
  number: number;
  title: string;
  body: string;
  html_url: string;
}

async function listOpenLabelled(octokit: Octokit, owner: string, repo: string, label: string, botLogin: string): Promise<IssueRef[]> {
  try {
    const issues = await octokit.paginate(octokit.rest.issues.listForRepo, {
      owner,
      repo,
      state: 'open',
      labels: label,
      sort: 'created',
      direction: 'asc',
      per_page: 100,
    });
    return issues
      .filter((issue) => (issue.pull_request === undefined || issue.pull_request === null) && isTrustedAuthor(issue, botLogin))
      .map((issue) => ({ number: issue.number, title: issue.title, body: issue.body ?? '', html_url: issue.html_url }));
  } catch (error) {
    throw wrapGitHubError(error, `listing open "${label}" issues in ${owner}/${repo}`, 'issues: write');
  }
}
