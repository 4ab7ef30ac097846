import { definitionFileNames, isValidKey, readExperimentKey } from '../definitions/index.js';
import { describeError, EppoApiError } from '../errors.js';
import { describeMalformedExperiment, describeTwins, describeUnreadableExperiment, groupExperimentsByKey, isConcluded, type EppoApi, type EppoExperiment } from '../eppo/index.js';
import type { GitHost, PullRequestRef } from '../git-host/index.js';
import { fetchBaseSettings, type BaseSettings, type BaseSettingsOptions } from './base-settings.js';
import { fetchDefinitionFiles, type DefinitionFile } from './definition-files.js';
import { buildOutcomeChange } from './outcome-change.js';
import { proposeOutcome } from './propose.js';
import { buildOutcome, buildOutcomePullRequest } from './pull-request.js';

export type OutcomeLog = (entry: Record<string, unknown>) => void;

export interface RecordOutcomeOptions {
  experimentId: number;
  eppo: EppoApi;
  host: GitHost;
  /**
   * the definitions folder, relative to `root` (so from the repository root
   * when the project is there); default: "dir" in eppo-gitops.yaml at the
   * base head, else experiments
   */
  dir?: string | undefined;
  /** the project folder (the one holding eppo-gitops.yaml), from the repository root; default the root */
  root?: string | undefined;
  log?: OutcomeLog;
  /** the experiment as the caller just read it from Eppo; otherwise it is read here */
  experiment?: EppoExperiment;
  /** definition files at the base head, when already read (outcomes sync) */
  files?: DefinitionFile[];
  /** the live experiments with this experiment's key, when already listed (outcomes sync); otherwise listed here */
  sameKey?: readonly EppoExperiment[];
  /** eppo-gitops.yaml at the commit of `files`, when already read (outcomes sync) */
  settings?: BaseSettings;
  /** the clock: the fixed time of the rollout proof; default the current time */
  now?: () => Date;
}

/** The experiment as Eppo names it: its id and its experiment_key. */
interface ExperimentIdentity {
  experimentId: number;
  experimentKey: string;
}

/** What a proposal carries beyond the outcome block. */
export interface ProposalNotes {
  /** the flag file the same commit edits to roll the winner out */
  flagFile?: string;
  /** why the flag was left as it is (flags configured, no flag edit) */
  flagLeft?: string;
  /** fields of Eppo's decision left out of the file, which would not pass validate with them */
  leftOut?: string[];
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
  | (ExperimentIdentity & { action: 'proposed' | 'updated' | 'already-proposed'; file: string; branch: string; commit: string; pr?: PullRequestRef } & ProposalNotes)
  | (ExperimentIdentity & { action: 'closed-unmerged' | 'merged'; file: string; branch: string; pr: PullRequestRef })
  | (ExperimentIdentity & { action: 'failed'; error: string })
  | (ExperimentIdentity & { action: 'conflict'; experimentIds: number[] });

/**
 * Records one experiment's outcome: re-reads it from Eppo (a webhook carries
 * only ids and may be stale, duplicated or out of order), acts only when it is
 * Concluded, finds its definition at the head of the base branch through the
 * host, refuses when several live experiments share its key, writes the
 * `outcome` block (only what passes validate; the rest is named in the pull
 * request), rolls the winner out in its flag file when eppo-gitops.yaml on
 * the base branch configures flags, and proposes both files as one commit on
 * the experiment's own branch. Every step is idempotent: running it again
 * changes nothing.
 */
export async function recordOutcome(options: RecordOutcomeOptions): Promise<RecordOutcomeResult> {
  const { experimentId, eppo, host } = options;
  const place: BaseSettingsOptions = { root: options.root, dir: options.dir };
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
  if (typeof key !== 'string' || !isValidKey(key)) {
    // No valid definition can declare such a key, and it must never become a file or branch name.
    log({ experiment_id: experimentId, action: 'unmanaged', message: 'the experiment_key from Eppo is not a valid key (letters, digits, ".", "_", "-"); nothing proposed' });
    return { ...known, action: 'unmanaged' };
  }
  const malformed = describeMalformedExperiment(experiment);
  if (malformed !== undefined) {
    const error = describeUnreadableExperiment(experimentId, malformed, 'outcome');
    log({ experiment_id: experimentId, action: 'failed', message: error });
    return { ...known, action: 'failed', error };
  }
  const byKey = (files: DefinitionFile[]): DefinitionFile[] => files.filter((f) => readExperimentKey(f.text) === key);
  let matches: DefinitionFile[];
  let settings = options.settings;
  if (options.files !== undefined) {
    matches = byKey(options.files);
  } else {
    // The settings and the definitions are read at one base head.
    const head = await host.baseHead();
    settings ??= await fetchBaseSettings(host, head.commit, place);
    // Files are named <experiment_key>.yaml by convention: read those first, everything only when that misses.
    const named = new Set(definitionFileNames(key));
    matches = byKey(await fetchDefinitionFiles(host, settings.dir, (path) => named.has(path.slice(path.lastIndexOf('/') + 1)), head));
    if (matches.length === 0) matches = byKey(await fetchDefinitionFiles(host, settings.dir, undefined, head));
  }
  if (matches.length === 0) {
    const where = settings === undefined ? 'the files given' : `${settings.dir || '.'}/`;
    log({ experiment_id: experimentId, experiment_key: experiment.experiment_key, action: 'unmanaged', message: `no definition under ${where} has this experiment_key; nothing proposed` });
    return { ...known, action: 'unmanaged' };
  }
  if (matches.length > 1) {
    const paths = matches.map((f) => f.path);
    log({ experiment_id: experimentId, experiment_key: experiment.experiment_key, action: 'ambiguous', files: paths });
    return { ...known, action: 'ambiguous', files: paths };
  }
  const file = matches[0]!;

  // Two live experiments with one key: never guess which decision the file should record (outcomes sync says the same).
  const sameKey = options.sameKey ?? (await eppo.listExperiments({ experiment_key: key }));
  const twins = groupExperimentsByKey(sameKey).get(key) ?? [];
  const ids = [...new Set([experimentId, ...twins.map((e) => e.id)])].sort((a, b) => a - b);
  if (ids.length > 1) {
    const conflict: RecordOutcomeResult = { ...known, action: 'conflict', experimentIds: ids };
    log({ experiment_id: experimentId, experiment_key: key, action: 'conflict', experiment_ids: ids, message: describeTwins(key, ids, 'outcome') });
    return conflict;
  }

  settings ??= await fetchBaseSettings(host, file.commit, place);
  const flags = await settings.flags();
  const change = buildOutcomeChange({ file, outcome: buildOutcome(experiment), flags, at: options.now?.() ?? new Date() });
  if (change.action === 'refused') {
    log({ experiment_id: experimentId, file: file.path, action: 'not-editable', message: change.reason });
    return { ...known, action: 'not-editable', file: file.path, reason: change.reason };
  }
  if (change.action === 'unchanged') return { ...known, action: 'unchanged', file: file.path };

  const { rollout, leftOut } = change;
  const notes: ProposalNotes = {
    ...(rollout?.action === 'edit' ? { flagFile: change.files[1]!.path } : {}),
    ...(rollout?.action === 'leave' ? { flagLeft: rollout.detail } : {}),
    ...(leftOut.length > 0 ? { leftOut: leftOut.map((l) => l.field) } : {}),
  };
  if (leftOut.length > 0) {
    log({ experiment_id: experimentId, file: file.path, action: 'left-out', message: leftOut.map((l) => `${l.field} "${l.value}": ${l.reason}`).join('; ') });
  }
  const pr = buildOutcomePullRequest(experiment, file.path, { leftOut, ...(rollout === undefined ? {} : { rollout }) });
  const result = await proposeOutcome(host, {
    branch: pr.branch,
    files: change.files,
    baseCommit: file.commit,
    commitMessage: pr.commitMessage,
    title: pr.title,
    body: pr.body,
    labels: pr.labels,
    marker: pr.marker,
  });
  switch (result.action) {
    case 'created':
      return { ...known, action: 'proposed', file: file.path, branch: result.branch, commit: result.commit, ...(result.pr ? { pr: result.pr } : {}), ...notes };
    case 'updated':
      return { ...known, action: 'updated', file: file.path, branch: result.branch, commit: result.commit, ...(result.pr ? { pr: result.pr } : {}), ...notes };
    case 'unchanged':
      return { ...known, action: 'already-proposed', file: file.path, branch: result.branch, commit: result.commit, ...(result.pr ? { pr: result.pr } : {}), ...notes };
    case 'closed-unmerged':
    case 'merged':
      return { ...known, action: result.action, file: file.path, branch: result.branch, pr: result.pr };
  }
}

export interface SyncOutcomesOptions {
  eppo: EppoApi;
  host: GitHost;
  /** the definitions folder, relative to `root`; default: "dir" in eppo-gitops.yaml at the base head, else experiments */
  dir?: string | undefined;
  /** the project folder, from the repository root; default the root */
  root?: string | undefined;
  log?: OutcomeLog;
  /** the clock: the fixed time of the rollout proofs; default the current time */
  now?: () => Date;
}

/**
 * The catch-up that needs no webhook: every experiment that Eppo reports as
 * Concluded and that a definition manages is recorded (proposed when the file
 * lacks that outcome) exactly as recordOutcome does for a webhook, refusals
 * included. Definitions, settings and flag files are read once at the base
 * head. One experiment failing (`failed`, with the error message) does not
 * stop the others.
 */
export async function syncOutcomes(options: SyncOutcomesOptions): Promise<RecordOutcomeResult[]> {
  const { eppo, host } = options;
  const readGit = async (): Promise<{ settings: BaseSettings; files: DefinitionFile[] }> => {
    const head = await host.baseHead();
    const settings = await fetchBaseSettings(host, head.commit, { root: options.root, dir: options.dir });
    return { settings, files: await fetchDefinitionFiles(host, settings.dir, undefined, head) };
  };
  const [experiments, { settings, files }] = await Promise.all([eppo.listExperiments(), readGit()]);
  const managed = new Set(files.map((f) => readExperimentKey(f.text)).filter((k): k is string => k !== undefined));
  const candidates = experiments.filter((e) => isConcluded(e.status) && managed.has(e.experiment_key));
  // Every live experiment counts for twins, concluded or not: the same rule as the webhook path and plan.
  const byKey = groupExperimentsByKey(experiments);
  const results: RecordOutcomeResult[] = [];
  for (const listed of candidates) {
    try {
      results.push(
        await recordOutcome({
          experimentId: listed.id,
          eppo,
          host,
          files,
          sameKey: byKey.get(listed.experiment_key)!,
          settings,
          ...(options.log ? { log: options.log } : {}),
          ...(options.now ? { now: options.now } : {}),
        }),
      );
    } catch (error) {
      results.push({ experimentId: listed.id, experimentKey: listed.experiment_key, action: 'failed', error: describeError(error) });
    }
  }
  return results;
}
