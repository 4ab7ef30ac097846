import { GitHostError } from '../errors.js';
import { GitHubCancelledError, GitHubTimeoutError } from './github-client.js';

/**
 * Turns an @octokit/rest failure into a GitHostError that says what was being
 * done, where, and what to do about it: the one error path for every call to
 * GitHub (outcome pull requests, the plan comment, the drift issue).
 * `permission` names the access the call needs, as a workflow permission
 * (e.g. "pull-requests: write"). A GitHostError passes through unchanged, so
 * nested calls keep the message of the step that failed.
 */
export function wrapGitHubError(error: unknown, doing: string, permission: string): GitHostError {
  if (error instanceof GitHostError) return error;
  if (error instanceof GitHubCancelledError) {
    return new GitHostError(`GitHub: ${doing} was cancelled: the command is stopping; the scheduled outcomes sync records what was left undone`, { cause: error });
  }
  if (error instanceof GitHubTimeoutError) {
    return new GitHostError(
      `GitHub: ${doing} failed: no complete answer within ${error.timeoutMs / 1000} s; check GITHUB_API_URL and the network, or allow more time with GITHUB_TIMEOUT_SECONDS`,
      { cause: error },
    );
  }
  const status = httpStatus(error);
  const detail = error instanceof Error ? error.message : String(error);
  let hint: string;
  if (status === 401) {
    hint = 'check that GITHUB_TOKEN is set and still valid';
  } else if (status === 403) {
    hint = `the token lacks access; give the job "permissions: ${permission}", or use a token with that access to the repository (fork pull requests only get a read-only token)`;
  } else if (status === 404) {
    hint = `check GITHUB_REPOSITORY and that the token can see the repository (it needs "${permission}")`;
  } else if (status === 422) {
    hint = 'GitHub rejected the content (a body over 65,536 characters is the usual cause)';
  } else if (status !== undefined && status >= 500) {
    hint = 'GitHub had a server error; run the job again';
  } else {
    hint = 'check GITHUB_API_URL and the network, then run again';
  }
  const code = status === undefined ? '' : ` (HTTP ${status})`;
  return new GitHostError(`GitHub: ${doing} failed${code}: ${detail}; ${hint}`, { status, cause: error });
}

function httpStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const status = (error as { status?: unknown }).status;
  return typeof status === 'number' && status > 0 ? status : undefined;
}
