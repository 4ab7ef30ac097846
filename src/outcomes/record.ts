import { OutcomeEditError, readExperimentKey, writeOutcome } from '../definitions/index.js';
import { EppoApiError } from '../errors.js';
import { describeMalformedExperiment, isConcluded, type EppoApi, type EppoExperiment } from '../eppo/index.js';
import type { GitHost, PullRequestRef } from '../git-host/index.js';
import { groupExperimentsByKey } from '../reconcile/index.js';
import { fetchDefinitionFiles, type DefinitionFile } from './definition-files.js';
import { proposeOutcome } from './propose.js';
import { buildOutcome, buildOutcomePullRequest, isValidExperimentKey } from './pull-request.js';

export type OutcomeLog = (entry: Record<string, unknown>) => void;

export interface RecordOutcomeOptions {
  experimentId: number;
  eppo: EppoApi;
  host: GitHost;
  /** definitions folder, relative to the repository root */
  dir: string;
  log?: OutcomeLog;
  /** the experiment as just read from Eppo (outcomes sync); otherwise it is read here */
  experiment?: EppoExperiment;
  /** definition files at the base head, when already read (outcomes sync) */
  files?: DefinitionFile[];
}

/** The experiment as Eppo names it: its id and its experiment_key. */
interface ExperimentIdentity {
  experimentId: number;
  experimentKey: string;
}

/**
 * What handling one experiment did. Only `proposed` and `updated` changed
 * anything; every other action is a no-op that is safe to repeat.
 */
export type RecordOutcomeResult =
  | { action: 'not-found'; experimentId: number }
  | (ExperimentIdentity & { action: 'not-concluded'; status: string })
  | (ExperimentIdentity & { action: 'unmanaged' })
  | (ExperimentIdentity & { action: 'ambiguous'; files: string[] })
  | (ExperimentIdentity & { action: 'not-editable'; file: string; reason: string })
  | (ExperimentIdentity & { action: 'unchanged'; file: string })
  | (ExperimentIdentity & { action: 'proposed' | 'updated' | 'already-proposed'; file: string; branch: string; commit: string; pr?: PullRequestRef })
  | (ExperimentIdentity & { action: 'closed-unmerged' | 'merged'; file: string; branch: string; pr: PullRequestRef })
  | (ExperimentIdentity & { action: 'failed'; error: string })
  | (ExperimentIdentity & { action: 'conflict'; experimentIds: number[] });

/**
 * Records one experiment's outcome: re-reads it from Eppo (a webhook carries
 * only ids and may be stale, duplicated or out of order), acts only when it is
 * Concluded, finds its definition at the head of the base branch through the
 * host, writes the `outcome` block and proposes the change on the experiment's
 * own branch. Every step is idempotent: running it again changes nothing.
 */
export async function recordOutcome(options: RecordOutcomeOptions): Promise<RecordOutcomeResult> {
  const { experimentId, eppo, host, dir } = options;
  const log = options.log ?? (() => {});
  let experiment = options.experiment;
  if (experiment === undefined) {
    try {
      experiment = await eppo.getExperiment(experimentId);
    } catch (error) {
      if (error instanceof EppoApiError && error.status === 404) {
        log({ experiment_id: experimentId, action: 'not-found', message: 'Eppo has no experiment with this id' });
        return { action: 'not-found', experimentId };
      }
      throw error;
    }
  }
  const known: ExperimentIdentity = { experimentId, experimentKey: experiment.experiment_key };
  if (!isConcluded(experiment.status)) {
    return { ...known, action: 'not-concluded', status: String(experiment.status) };
  }

  const key = experiment.experiment_key;
  if (typeof key !== 'string' || !isValidExperimentKey(key)) {
    // No valid definition can declare such a key, and it must never become a file or branch name.
    log({ experiment_id: experimentId, action: 'unmanaged', message: 'the experiment_key from Eppo is not a valid key (letters, digits, ".", "_", "-"); nothing proposed' });
    return { ...known, action: 'unmanaged' };
  }
  const malformed = describeMalformedExperiment(experiment);
  if (malformed !== undefined) {
    const error = `Eppo returned experiment #${experimentId} in a shape eppo-gitops cannot read (${malformed}); nothing proposed: fix it in Eppo, then record it again`;
    log({ experiment_id: experimentId, action: 'failed', message: error });
    return { ...known, action: 'failed', error };
  }
  const byKey = (files: DefinitionFile[]): DefinitionFile[] => files.filter((f) => readExperimentKey(f.text) === key);
  let matches: DefinitionFile[];
  if (options.files !== undefined) {
    matches = byKey(options.files);
  } else {
    // Files are named <experiment_key>.yaml by convention: read those first, everything only when that misses.
    const named = new Set([`${key}.yaml`, `${key}.yml`]);
    matches = byKey(await fetchDefinitionFiles(host, dir, (path) => named.has(path.slice(path.lastIndexOf('/') + 1))));
    if (matches.length === 0) matches = byKey(await fetchDefinitionFiles(host, dir));
  }
  if (matches.length === 0) {
    log({ experiment_id: experimentId, experiment_key: experiment.experiment_key, action: 'unmanaged', message: `no definition under ${dir}/ has this experiment_key; nothing proposed` });
    return { ...known, action: 'unmanaged' };
  }
  if (matches.length > 1) {
    const paths = matches.map((f) => f.path);
    log({ experiment_id: experimentId, experiment_key: experiment.experiment_key, action: 'ambiguous', files: paths });
    return { ...known, action: 'ambiguous', files: paths };
  }
  const file = matches[0]!;

  let edit;
  try {
    edit = writeOutcome(file.text, buildOutcome(experiment));
  } catch (error) {
    if (error instanceof OutcomeEditError) {
      log({ experiment_id: experimentId, file: file.path, action: 'not-editable', message: error.message });
      return { ...known, action: 'not-editable', file: file.path, reason: error.message };
    }
    throw error;
  }
  if (!edit.changed) return { ...known, action: 'unchanged', file: file.path };

  const pr = buildOutcomePullRequest(experiment, file.path);
  const result = await proposeOutcome(host, {
    branch: pr.branch,
    files: [{ path: file.path, text: edit.text }],
    baseCommit: file.commit,
    commitMessage: pr.commitMessage,
    title: pr.title,
    body: pr.body,
    labels: pr.labels,
    marker: pr.marker,
  });
  switch (result.action) {
    case 'created':
      return { ...known, action: 'proposed', file: file.path, branch: result.branch, commit: result.commit, ...(result.pr ? { pr: result.pr } : {}) };
    case 'updated':
      return { ...known, action: 'updated', file: file.path, branch: result.branch, commit: result.commit, ...(result.pr ? { pr: result.pr } : {}) };
    case 'unchanged':
      return { ...known, action: 'already-proposed', file: file.path, branch: result.branch, commit: result.commit, ...(result.pr ? { pr: result.pr } : {}) };
    case 'closed-unmerged':
    case 'merged':
      return { ...known, action: result.action, file: file.path, branch: result.branch, pr: result.pr };
  }
}

export interface SyncOutcomesOptions {
  eppo: EppoApi;
  host: GitHost;
  dir: string;
  log?: OutcomeLog;
}

/**
 * The catch-up that needs no webhook: every experiment that Eppo reports as
 * Concluded and that a definition manages is recorded (proposed when the file
 * lacks that outcome). Definitions are read once at the base head. One
 * experiment failing (`failed`, with the error message) does not stop the others.
 */
export async function syncOutcomes(options: SyncOutcomesOptions): Promise<RecordOutcomeResult[]> {
  const { eppo, host, dir } = options;
  const [experiments, files] = await Promise.all([eppo.listExperiments(), fetchDefinitionFiles(host, dir)]);
  const managed = new Set(files.map((f) => readExperimentKey(f.text)).filter((k): k is string => k !== undefined));
  const candidates = experiments.filter((e) => isConcluded(e.status) && managed.has(e.experiment_key));
  const byKey = groupExperimentsByKey(candidates);
  const results: RecordOutcomeResult[] = [];
  for (const listed of candidates) {
    const ids = byKey.get(listed.experiment_key)!.map((e) => e.id);
    if (ids.length > 1) {
      // Two live experiments with one key: never guess which decision the file should record.
      results.push({ experimentId: listed.id, experimentKey: listed.experiment_key, action: 'conflict', experimentIds: ids });
      continue;
    }
    try {
      results.push(await recordOutcome({ experimentId: listed.id, eppo, host, dir, files, ...(options.log ? { log: options.log } : {}) }));
    } catch (error) {
      results.push({ experimentId: listed.id, experimentKey: listed.experiment_key, action: 'failed', error: error instanceof Error ? error.message : String(error) });
    }
  }
  return results;
}
