export { readActionsContext, requirePullRequest, requireRepository, requireStepSummary } from './actions-context.js';
export { upsertStickyComment, buildStickyBody, GITHUB_BODY_LIMIT } from './sticky-comment.js';
export type { StickyCommentInput, StickyCommentResult } from './sticky-comment.js';
export { upsertDriftIssue, DRIFT_LABEL } from './drift-issue.js';
export type { DriftIssueInput, DriftIssueResult } from './drift-issue.js';
export { appendStepSummary, buildSummaryChunk, STEP_SUMMARY_LIMIT } from './step-summary.js';
export { checkGitHubTargets, publishPlan, publishSummary, type GitHubTargets, type PublishContext } from './publish.js';
