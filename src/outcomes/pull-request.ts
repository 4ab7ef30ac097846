import type { Outcome } from '../definitions/index.js';
import type { EppoExperiment } from '../eppo/index.js';
import { renderRolloutSection, type RolloutPlan } from '../flags/index.js';
import { isValidKey } from '../definitions/index.js';
import { defuseReferences, escapeMarkdown, markdownCode } from '../util/index.js';
import type { LeftOut } from './outcome-change.js';


export const OUTCOME_LABEL = 'experiment-outcome';
export const OUTCOME_BRANCH_PREFIX = 'eppo-gitops/outcome/';
const MARKER_PREFIX = '<!-- eppo-gitops:outcome ';

/** What an outcome pull request records, read back from its hidden marker. */
export interface OutcomeMarker {
  experiment_id: number;
  outcome: string | null;
  winning_variant_key: string | null;
}

export interface OutcomePullRequest {
  branch: string;
  title: string;
  body: string;
  commitMessage: string;
  labels: string[];
  marker: OutcomeMarker;
}

/**
 * `eppo-gitops/outcome/<experiment_key>`, one branch per key. A valid key is
 * used as it is, unless git would refuse it as a ref (`..`, a trailing `.` or
 * `.lock`): then every `.` becomes `=`, a character no valid key holds, so two
 * keys never share a branch. Anything else (never proposed: recordOutcome
 * refuses invalid keys) has its other characters turned into `-`.
 */
export function buildOutcomeBranch(experimentKey: string): string {
  if (isValidKey(experimentKey)) {
    const refSafe = !experimentKey.includes('..') && !experimentKey.endsWith('.') && !/\.lock$/i.test(experimentKey);
    return `${OUTCOME_BRANCH_PREFIX}${refSafe ? experimentKey : experimentKey.replace(/\./g, '=')}`;
  }
  const safe = experimentKey
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/^[.-]+|[.]+$|\.lock$/g, '');
  return `${OUTCOME_BRANCH_PREFIX}${safe === '' ? 'experiment' : safe}`;
}

/**
 * The `outcome` block for a concluded experiment. `recorded_at` is Eppo's
 * `concluded_date`, not the wall clock, so a redelivery renders the same file.
 */
export function buildOutcome(experiment: EppoExperiment): Outcome {
  const outcome: Outcome = { status: experiment.status };
  if (typeof experiment.outcome === 'string' && experiment.outcome !== '') outcome.outcome = experiment.outcome;
  if (typeof experiment.winning_variant_key === 'string' && experiment.winning_variant_key !== '') {
    outcome.winning_variant_key = experiment.winning_variant_key;
  }
  outcome.eppo_experiment_id = experiment.id;
  if (typeof experiment.concluded_date === 'string' && experiment.concluded_date !== '') outcome.recorded_at = experiment.concluded_date;
  return outcome;
}

/** What the pull request says beyond Eppo's decision. */
export interface OutcomePullRequestDetails {
  /** fields of Eppo's decision the file could not hold and still pass validate */
  leftOut?: readonly LeftOut[];
  /** what happens to the experiment's flag (absent when no flags are configured) */
  rollout?: RolloutPlan;
}

/**
 * Branch, title, body (table, what was left out of the file and why, the
 * rollout of the winner in its flag, and the hidden marker), commit message
 * and labels of the pull request that records `experiment`'s outcome in
 * `file`. Title, table and marker always carry Eppo's real decision. Text
 * from Eppo is escaped: no HTML, no @-mentions, no links except the results link.
 */
export function buildOutcomePullRequest(experiment: EppoExperiment, file: string, details: OutcomePullRequestDetails = {}): OutcomePullRequest {
  const key = experiment.experiment_key;
  const winner = experiment.winning_variant_key ?? null;
  const result = experiment.outcome ?? null;
  const marker: OutcomeMarker = { experiment_id: experiment.id, outcome: result, winning_variant_key: winner };
  // Titles and commit messages are plain text on GitHub, but it still reads mentions, references and
  // closing keywords in them ("closes #2" in a merged commit closes that issue): Eppo's words are defused.
  const plain = (text: string): string => defuseReferences(oneLine(text));
  const title = truncate(`Record outcome: ${plain(experiment.name || key)} — ${plain(winner ?? 'no winner')} (${plain(result ?? 'no outcome')})`, 256);

  const rows: Array<[string, string]> = [
    ['Experiment', `${code(key, true)} — ${escapeMarkdown(experiment.name ?? '')}`],
    ['Eppo id', String(experiment.id)],
    ['Status', escapeMarkdown(experiment.status ?? '')],
    ['Outcome', result === null ? '—' : escapeMarkdown(result)],
    ['Winning variant', winner === null ? '—' : code(winner, true)],
    ['Concluded', experiment.concluded_date ? escapeMarkdown(experiment.concluded_date) : '—'],
  ];
  const link = safeUrl(experiment.results_url);
  if (link !== undefined) rows.push(['Results', `[Open the results in Eppo](${link})`]);

  const { rollout } = details;
  const leftOut = details.leftOut ?? [];
  const rolledOut = rollout?.action === 'edit' ? ` and rolls the winner out in ${code(rollout.file)}` : '';
  const sections: string[] = [];
  if (leftOut.length > 0) {
    sections.push(
      '### Left out',
      '',
      `${code(file)} cannot hold all of Eppo's decision and still pass \`eppo-gitops validate\`, so the outcome block leaves out:`,
      '',
      ...leftOut.map((l) => `- ${code(`${l.field}: ${l.value}`)}: ${escapeMarkdown(l.reason)}`),
      '',
      "Eppo's decision is in the table above. To record the rest, fix the file (for example add the missing variation) and write it by hand.",
      '',
    );
  }
  if (rollout !== undefined) sections.push(renderRolloutSection(rollout));

  const body = [
    `Eppo reports that experiment ${code(key)} is concluded. This pull request records the decision in ${code(file)}${rolledOut}.`,
    '',
    '| | |',
    '|---|---|',
    ...rows.map(([k, v]) => `| ${k} | ${v} |`),
    '',
    ...sections,
    'Merge it to keep the outcome in git. Opened by eppo-gitops; a later decision in Eppo updates this pull request.',
    '',
    renderOutcomeMarker(marker),
    '',
  ].join('\n');

  const commitMessage = [
    truncate(`Record outcome of ${key}: ${plain(winner ?? 'no winner')} (${plain(result ?? 'no outcome')})`, 200),
    '',
    `Eppo experiment ${experiment.id} concluded${experiment.concluded_date ? ` on ${plain(experiment.concluded_date)}` : ''}.`,
    ...(rollout?.action === 'edit' ? [`Roll ${oneLine(rollout.winner)} out to everyone in ${rollout.file} (flag ${oneLine(rollout.flagKey)}).`] : []),
    // Without a pull request (the local git host) the commit is the only place that says why.
    ...(rollout?.action === 'leave' ? [`Flag ${oneLine(rollout.flagKey)} left as it is: ${plain(rollout.detail)}.`] : []),
    ...(leftOut.length > 0 ? [`Left out of the file (it would not pass validate): ${leftOut.map((l) => l.field).join(', ')}.`] : []),
    '',
  ].join('\n');

  return { branch: buildOutcomeBranch(key), title, body, commitMessage, labels: [OUTCOME_LABEL], marker };
}

/** The hidden marker line; `<` and `>` inside are JSON-escaped so it cannot close early. */
export function renderOutcomeMarker(marker: OutcomeMarker): string {
  const json = JSON.stringify({
    experiment_id: marker.experiment_id,
    outcome: marker.outcome,
    winning_variant_key: marker.winning_variant_key,
  })
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e');
  return `${MARKER_PREFIX}${json} -->`;
}

/** Reads back the marker of an outcome pull request body; undefined when absent or malformed. */
export function parseOutcomeMarker(body: string | null | undefined): OutcomeMarker | undefined {
  if (typeof body !== 'string') return undefined;
  const start = body.indexOf(MARKER_PREFIX);
  if (start === -1) return undefined;
  const end = body.indexOf(' -->', start);
  if (end === -1) return undefined;
  try {
    const parsed = JSON.parse(body.slice(start + MARKER_PREFIX.length, end)) as Record<string, unknown>;
    const id = parsed.experiment_id;
    const outcome = parsed.outcome;
    const winner = parsed.winning_variant_key;
    if (typeof id !== 'number' || !Number.isInteger(id)) return undefined;
    if (outcome !== null && typeof outcome !== 'string') return undefined;
    if (winner !== null && typeof winner !== 'string') return undefined;
    return { experiment_id: id, outcome, winning_variant_key: winner };
  } catch {
    return undefined;
  }
}

/** True when two markers record the same decision. */
export function sameMarker(a: OutcomeMarker | undefined, b: OutcomeMarker): boolean {
  return a !== undefined && a.experiment_id === b.experiment_id && a.outcome === b.outcome && a.winning_variant_key === b.winning_variant_key;
}

/** Inline code that shows the text exactly and that it cannot break out of; `cell` for a table cell. */
function code(text: string, cell = false): string {
  return markdownCode(text, { table: cell });
}

/** Every kind of line break (CR, LF, NEL, LS, PS, VT, FF) and tab becomes one space. */
function oneLine(text: string): string {
  return text.replace(/[\r\n\t\v\f\u0085\u2028\u2029]+/g, ' ').trim();
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** An http(s) URL usable inside `(…)`, or undefined. */
function safeUrl(url: string | null | undefined): string | undefined {
  if (typeof url !== 'string' || url === '') return undefined;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined;
    return parsed.href.replace(/[()<>\s]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  } catch {
    return undefined;
  }
}
