import { describeTwins } from '../eppo/index.js';
import type { GitHost } from '../git-host/index.js';
import { escapeText } from '../util/index.js';
import type { ProposalNotes, RecordOutcomeResult } from './record.js';

/** One line for a human about what happened to one experiment; keys, statuses and errors from Eppo and GitHub stay on it, escaped. */
export function describeResult(r: RecordOutcomeResult, hostKind: GitHost['kind']): string {
  return escapeText(resultLine(r, hostKind));
}

function resultLine(r: RecordOutcomeResult, hostKind: GitHost['kind']): string {
  const who = r.action === 'not-found' ? `experiment #${r.experimentId}` : `${r.experimentKey} (#${r.experimentId})`;
  const where = (x: { branch: string; pr?: { number: number; url: string } | undefined; commit?: string }): string =>
    x.pr ? `pull request #${x.pr.number} ${x.pr.url}` : `branch ${x.branch}${x.commit ? ` at ${x.commit.slice(0, 12)}` : ''}${hostKind === 'local' ? ' (local commit, no pull request)' : ''}`;
  switch (r.action) {
    case 'not-found':
      return `${who}: Eppo has no experiment with this id`;
    case 'not-concluded':
      return `${who}: status is "${r.status}", not Concluded; nothing to record`;
    case 'unmanaged':
      return `${who}: no definition file has this experiment_key; nothing proposed`;
    case 'ambiguous':
      return `${who}: several files declare this experiment_key (${r.files.join(', ')}); keep one`;
    case 'not-editable':
      return `${who}: cannot edit ${r.file}: ${r.reason}`;
    case 'unchanged':
      return `${who}: ${r.file} already records this outcome`;
    case 'proposed':
      return `${who}: proposed the outcome for ${r.file}${rolloutNote(r)} in ${where(r)}${leftOutNote(r)}`;
    case 'updated':
      return `${who}: updated ${where(r)} with the new outcome for ${r.file}${rolloutNote(r)}${leftOutNote(r)}`;
    case 'already-proposed':
      return `${who}: already proposed in ${where(r)}`;
    case 'closed-unmerged':
      return `${who}: pull request #${r.pr.number} for this outcome was closed without merging; not proposed again`;
    case 'merged':
      return `${who}: pull request #${r.pr.number} for this outcome was merged already`;
    case 'failed':
      return `${who}: failed: ${r.error}`;
    case 'conflict':
      return `${who}: ${describeTwins(r.experimentKey, r.experimentIds, 'outcome')}`;
  }
}

function rolloutNote(r: ProposalNotes): string {
  if (r.flagFile !== undefined) return ` and the rollout of the winner in ${r.flagFile}`;
  return r.flagLeft === undefined ? '' : ` (flag left as it is: ${r.flagLeft})`;
}

function leftOutNote(r: ProposalNotes): string {
  return r.leftOut === undefined ? '' : `; left out of the file, which would not pass validate with them: ${r.leftOut.join(', ')}`;
}

/** Results that mean the outcome could not be recorded. */
export function isOutcomeFailure(r: RecordOutcomeResult): boolean {
  return r.action === 'not-found' || r.action === 'ambiguous' || r.action === 'not-editable' || r.action === 'failed' || r.action === 'conflict';
}

/** Results that need nothing more: the file records the outcome, or a pull request proposes it (open, merged or closed on purpose). */
const SETTLED: ReadonlySet<RecordOutcomeResult['action']> = new Set(['unchanged', 'already-proposed', 'merged', 'closed-unmerged']);

/** The last line of `outcomes sync`: what happened to the concluded, managed experiments, counted. */
export function describeSyncResults(results: readonly RecordOutcomeResult[]): string {
  const count = (action: RecordOutcomeResult['action']): number => results.filter((r) => r.action === action).length;
  const settled = results.filter((r) => SETTLED.has(r.action)).length;
  return (
    `Outcomes: ${results.length} concluded and managed; ${count('proposed')} proposed, ${count('updated')} updated, ` +
    `${settled} already recorded or proposed, ${results.filter(isOutcomeFailure).length} failed.`
  );
}

/**
 * A result as JSON fields, snake_case like the plan and apply JSON (the PR as
 * its number and its URL): a `processed` log line of serve, and the JSON of
 * outcome and outcomes sync (docs/outcomes.md).
 */
export function buildResultFields(r: RecordOutcomeResult): { action: RecordOutcomeResult['action']; [field: string]: unknown } {
  return {
    experiment_id: r.experimentId,
    action: r.action,
    ...('experimentKey' in r ? { experiment_key: r.experimentKey } : {}),
    ...('file' in r ? { file: r.file } : {}),
    ...('files' in r ? { files: r.files } : {}),
    ...('branch' in r ? { branch: r.branch } : {}),
    ...('commit' in r ? { commit: r.commit } : {}),
    ...('pr' in r && r.pr ? { pr: r.pr.number, pr_url: r.pr.url } : {}),
    ...('status' in r ? { eppo_status: r.status } : {}),
    ...('reason' in r ? { reason: r.reason } : {}),
    ...('error' in r ? { error: r.error } : {}),
    ...('flagFile' in r && r.flagFile !== undefined ? { flag_file: r.flagFile } : {}),
    ...('flagLeft' in r && r.flagLeft !== undefined ? { flag_left: r.flagLeft } : {}),
    ...('leftOut' in r && r.leftOut !== undefined ? { left_out: r.leftOut } : {}),
    ...('experimentIds' in r ? { experiment_ids: r.experimentIds } : {}),
  };
}
