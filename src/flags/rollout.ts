import { buildRolloutEdit } from './rollout-edit.js';
import { proveRollout } from './prove-rollout.js';
import { buildServedSplit, SIMULATED_SUBJECTS } from './served-split.js';
import type { FlagSet, ServedSplit } from './types.js';
import { escapeMarkdown, markdownCode } from '../util/index.js';

/** Why an outcome leaves the flag file as it is (`unreadable`: the settings or flag files could not be read). */
export type RolloutLeaveReason = 'rollout-off' | 'no-winner' | 'no-flag' | 'unknown-winner' | 'already-rolled-out' | 'edit-refused' | 'proof-failed' | 'unreadable';

/**
 * What an outcome does to the flag of its experiment: `edit` (the new text of
 * the flag file, proven) or `leave` (the file untouched, and why).
 */
export type RolloutPlan =
  | { action: 'edit'; file: string; flagKey: string; winner: string; before: ServedSplit; text: string }
  | { action: 'leave'; reason: RolloutLeaveReason; flagKey: string; file?: string; winner?: string; detail: string };

export interface RolloutInput {
  /** the experiment_key, which is the flag key */
  experimentKey: string;
  /** the outcome's winning_variant_key */
  winner: string | undefined;
  flags: FlagSet;
  /** `flags.rollout` (default `winner`) */
  rollout?: 'winner' | 'off';
  /** the fixed time of the proof (rules on `$flagd.timestamp`) */
  at: Date | number;
}

/**
 * Decides the rollout of a concluded experiment's winner in its flag file
 * (FLAGS.md, "Rollout in the outcome pull request"): with a winner the flag
 * has and `rollout: winner`, `defaultVariant` becomes the winner and the
 * targeting is removed, then flagd-core proves the new file. Anything that
 * stops that (rollout off, no winner, no such flag, a winner the flag lacks,
 * a flag already serving the winner to everyone, an edit that cannot be made
 * or proven) leaves the file alone and says why. Pure.
 */
export function buildRollout(input: RolloutInput): RolloutPlan {
  const { experimentKey: flagKey, winner } = input;
  if (input.rollout === 'off') return { action: 'leave', reason: 'rollout-off', flagKey, detail: 'rollout is off in eppo-gitops.yaml (flags.rollout: off)' };
  if (winner === undefined || winner === '') return { action: 'leave', reason: 'no-winner', flagKey, detail: 'the outcome names no winning variant' };
  const flag = input.flags.byKey.get(flagKey);
  if (flag === undefined) return { action: 'leave', reason: 'no-flag', flagKey, winner, detail: `no flag file has a flag with the key ${flagKey}` };
  const file = input.flags.files.find((f) => f.file === flag.file)!;
  const base = { action: 'leave' as const, flagKey, file: flag.file, winner };
  if (!flag.variants.includes(winner)) {
    return { ...base, reason: 'unknown-winner', detail: `the winner ${winner} is not a variant of the flag, which has ${flag.variants.join(', ')}` };
  }
  if (flag.state === 'ENABLED' && flag.targeting === undefined && flag.defaultVariant === winner) {
    return { ...base, reason: 'already-rolled-out', detail: `the flag already serves ${winner} to everyone` };
  }
  const edit = buildRolloutEdit(file.text, file.format, flagKey, winner);
  if (!edit.ok) return { ...base, reason: 'edit-refused', detail: `the file cannot be edited without changing more than the flag: ${edit.reason}` };
  const proof = proveRollout(file, edit.text, flagKey, winner, input.at);
  if (!proof.ok) return { ...base, reason: 'proof-failed', detail: `flagd could not prove the edit: ${proof.reason}` };
  return { action: 'edit', file: flag.file, flagKey, winner, before: buildServedSplit(flag, input.at), text: edit.text };
}

/**
 * The "Rollout" section of the outcome pull request body: file, flag, the
 * split before and the winner for everyone after, or that the flag was left
 * as it is and why. Names are shown as inline code that cannot be broken out of.
 */
export function renderRolloutSection(plan: RolloutPlan): string {
  if (plan.action === 'leave') {
    const where = plan.file === undefined ? `Flag ${code(plan.flagKey)}` : `Flag ${code(plan.flagKey)} in ${code(plan.file)}`;
    return ['### Rollout', '', `${where} was left as it is: ${escapeMarkdown(plan.detail)}.`, ''].join('\n');
  }
  return [
    '### Rollout',
    '',
    '| | |',
    '|---|---|',
    `| File | ${code(plan.file)} |`,
    `| Flag | ${code(plan.flagKey)} |`,
    `| Before | ${describeSplit(plan.before)} |`,
    `| After | ${code(plan.winner)} for everyone |`,
    '',
  ].join('\n');
}

/** `control` 0.50, `green` 0.50 (computed from the fractional) */
export function describeSplit(split: ServedSplit): string {
  const parts = Object.entries(split.shares)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([variant, share]) => `${code(variant)} ${share.toFixed(2)}`);
  if (split.none > 0) parts.push(`no variant ${split.none.toFixed(2)}`);
  const how = split.method === 'measured' ? `measured over ${SIMULATED_SUBJECTS.toLocaleString('en-US')} subjects` : 'computed from the flag';
  return `${parts.join(', ')} (${how})`;
}

/** Inline code that shows the text exactly and cannot be broken out of; pipes escaped for tables. */
function code(text: string): string {
  return markdownCode(text, { table: true });
}
