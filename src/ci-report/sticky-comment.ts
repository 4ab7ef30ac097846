import type { Octokit } from '@octokit/rest';
import { InternalError } from '../errors.js';
import { wrapGitHubError } from '../git-host/index.js';

/** GitHub refuses issue and comment bodies longer than this (characters). */
export const GITHUB_BODY_LIMIT = 65_536;

export interface StickyCommentInput {
  owner: string;
  repo: string;
  /** The pull request (or issue) number. */
  issueNumber: number;
  /** A hidden HTML comment, e.g. the plan's PLAN_COMMENT_MARKER (reconcile/). */
  marker: string;
  body: string;
  /**
   * The login the token posts as, besides people with write access: the one
   * bot trusted to have written the comment. Default `github-actions[bot]`
   * (the Actions GITHUB_TOKEN); an app posts as `<app-slug>[bot]`.
   */
  botLogin?: string;
}

export interface StickyCommentResult {
  action: 'created' | 'updated' | 'unchanged';
  id: number;
  url: string;
}

/**
 * Builds the body that is posted: the marker on the first line, then the body.
 * A body that already starts with the marker is kept as is.
 */
export function buildStickyBody(marker: string, body: string): string {
  return body.startsWith(marker) ? body : `${marker}\n${body}`;
}

/**
 * Keeps one comment per pull request identified by `marker`: walks the
 * comments page by page (100 a page) to the first one whose body starts with
 * the marker and that a trusted author wrote, edits it when its body differs,
 * or creates it when there is none. Comments without the marker at their
 * start, and marked comments by anyone else, are never touched.
 */
export async function upsertStickyComment(octokit: Octokit, input: StickyCommentInput): Promise<StickyCommentResult> {
  const { owner, repo, issueNumber, marker } = input;
  if (!/^<!--[^]*-->$/.test(marker) || marker.slice(4, -3).includes('--')) {
    throw new InternalError(`the sticky comment marker must be one hidden HTML comment like "<!-- name -->", got "${marker}"`);
  }
  const body = buildStickyBody(marker, input.body);
  if (body.length > GITHUB_BODY_LIMIT) {
    // renderPlanMarkdown cuts a plan to fit: a longer body is a caller's mistake, not the user's.
    throw new InternalError(`the comment for pull request #${issueNumber} is ${body.length} characters, over GitHub's ${GITHUB_BODY_LIMIT}-character limit; cut it before posting`);
  }
  const where = `${owner}/${repo}#${issueNumber}`;
  const existing = await findMarkedComment(octokit, owner, repo, issueNumber, marker, input.botLogin ?? DEFAULT_BOT_LOGIN);
  if (existing === undefined) {
    try {
      const { data } = await octokit.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body });
      return { action: 'created', id: data.id, url: data.html_url };
    } catch (error) {
      throw wrapGitHubError(error, `creating the plan comment on ${where}`, 'pull-requests: write');
    }
  }
  if (sameText(existing.body, body)) {
    return { action: 'unchanged', id: existing.id, url: existing.html_url };
  }
  try {
    const { data } = await octokit.rest.issues.updateComment({ owner, repo, comment_id: existing.id, body });
    return { action: 'updated', id: data.id, url: data.html_url };
  } catch (error) {
    throw wrapGitHubError(error, `editing comment ${existing.id} on ${where}`, 'pull-requests: write');
  }
}

interface CommentRef {
  id: number;
  body: string;
  html_url: string;
}

/** Who may have written the sticky comment besides the one bot: someone with write access (a personal token posts as its owner). */
const TRUSTED_ASSOCIATIONS = new Set(['OWNER', 'MEMBER', 'COLLABORATOR']);

/** The login the Actions GITHUB_TOKEN posts as. */
export const DEFAULT_BOT_LOGIN = 'github-actions[bot]';

/**
 * Anyone can comment on a pull request in a public repository, and any app
 * installed on it comments as a bot. A comment that merely starts with the
 * marker must not become "the plan": the bot would write the plan into it,
 * and its author could then edit what reviewers read. So only a maintainer's
 * comment, or one by exactly the bot the token posts as, is trusted (GitHub
 * logins are case-insensitive; `[bot]` logins cannot be taken by people).
 */
export function isTrustedAuthor(comment: { user?: { login?: string } | null; author_association?: string }, botLogin: string): boolean {
  const login = comment.user?.login;
  return (typeof login === 'string' && login.toLowerCase() === botLogin.toLowerCase()) || TRUSTED_ASSOCIATIONS.has(comment.author_association ?? '');
}

async function findMarkedComment(octokit: Octokit, owner: string, repo: string, issueNumber: number, marker: string, botLogin: string): Promise<CommentRef | undefined> {
  try {
    const pages = octokit.paginate.iterator(octokit.rest.issues.listComments, { owner, repo, issue_number: issueNumber, per_page: 100 });
    for await (const page of pages) {
      for (const comment of page.data) {
        const text = comment.body ?? '';
        if (text.startsWith(marker) && isTrustedAuthor(comment, botLogin)) return { id: comment.id, body: text, html_url: comment.html_url };
      }
    }
    return undefined;
  } catch (error) {
    throw wrapGitHubError(error, `listing the comments of ${owner}/${repo}#${issueNumber}`, 'pull-requests: write');
  }
}

/** GitHub may hand a body back with CRLF line endings or without its trailing newline. */
export function sameText(a: string, b: string): boolean {
  const norm = (s: string) => s.replace(/\r\n/g, '\n').trimEnd();
  return norm(a) === norm(b);
}
