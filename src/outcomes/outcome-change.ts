import { parseDefinition, readExperimentKey, writeOutcome, type Outcome, type Problem } from '../definitions/index.js';
import { OutcomeEditError } from '../errors.js';
import { buildFlagSet, buildRollout, checkFlags, readFlagFile, type RolloutPlan } from '../flags/index.js';
import type { FileChange } from '../git-host/index.js';
import type { BaseFlags } from './base-flags.js';

/** A field of Eppo's decision that the file could not hold and still pass validate. */
export interface LeftOut {
  field: OptionalField;
  /** Eppo's value, as text */
  value: string;
  /** the problems the field would have caused, in words */
  reason: string;
}

type OptionalField = 'winning_variant_key' | 'recorded_at' | 'outcome';

/** Fields that may be left out of an outcome block, the ones least worth keeping first. */
const OPTIONAL: readonly OptionalField[] = ['recorded_at', 'outcome', 'winning_variant_key'];

export interface OutcomeChangeInput {
  /** the definition file at the base commit; path from the repository root */
  file: { path: string; text: string };
  /** the outcome block from Eppo's decision (buildOutcome) */
  outcome: Outcome;
  /** the flags settings and files at the same commit (fetchBaseFlags) */
  flags: BaseFlags;
  /** the fixed time of the rollout proof */
  at: Date | number;
}

/**
 * What one outcome commit holds: `unchanged` when the file already records
 * this decision; `refused` when no outcome block can be written (the file is
 * not one block mapping, or even the bare outcome would fail validate);
 * otherwise the files (the definition, and the flag file when the winner is
 * rolled out), what was left out of the outcome and why, and the rollout.
 */
export type OutcomeChange =
  | { action: 'unchanged' }
  | { action: 'refused'; reason: string }
  | { action: 'change'; files: FileChange[]; outcome: Outcome; leftOut: LeftOut[]; rollout?: RolloutPlan };

/**
 * Builds the files of an outcome commit (FLAGS.md, "Rollout in the outcome
 * pull request"; a proposed file never fails validate). The edited definition
 * goes through the same parseDefinition and rules as validate; a field of
 * Eppo's decision that would make it fail (a winner the file has no variation
 * for, a concluded date that is not an ISO date-time) is left out and said
 * why, the rest is written. Problems the file already had at the base commit
 * are not held against the edit. When flags are configured and the recorded
 * winner can be rolled out, the flag file is edited and proven (buildRollout)
 * and checked again with the edited definition; anything else leaves the flag
 * alone with the reason. Pure.
 */
export function buildOutcomeChange(input: OutcomeChangeInput): OutcomeChange {
  const { file } = input;
  const before = new Set(errorsOf(file.path, file.text).map(signature));
  const attempt = (outcome: Outcome): { text: string; changed: boolean; introduced: Problem[] } => {
    const edit = writeOutcome(file.text, outcome);
    const introduced = edit.changed ? errorsOf(file.path, edit.text).filter((p) => !before.has(signature(p))) : [];
    return { ...edit, introduced };
  };

  let chosen: { outcome: Outcome; text: string; changed: boolean; dropped: OptionalField[] } | undefined;
  try {
    const present = OPTIONAL.filter((f) => input.outcome[f] !== undefined);
    for (const dropped of subsetsBySize(present)) {
      const outcome = without(input.outcome, dropped);
      const result = attempt(outcome);
      if (result.introduced.length === 0) {
        chosen = { outcome, text: result.text, changed: result.changed, dropped };
        break;
      }
    }
  } catch (error) {
    if (error instanceof OutcomeEditError) return { action: 'refused', reason: error.message };
    throw error;
  }
  if (chosen === undefined) {
    const bare = attempt(without(input.outcome, OPTIONAL));
    return { action: 'refused', reason: `even the outcome without its optional fields would not pass validate: ${describeProblems(bare.introduced)}` };
  }
  if (!chosen.changed) return { action: 'unchanged' };

  const leftOut = chosen.dropped.map((field): LeftOut => {
    const back = attempt({ ...chosen.outcome, [field]: input.outcome[field] });
    return { field, value: String(input.outcome[field]), reason: describeProblems(back.introduced) };
  });
  const files: FileChange[] = [{ path: file.path, text: chosen.text }];
  const rollout = buildFlagEdit(input, chosen.outcome, chosen.text, leftOut);
  if (rollout?.action === 'edit' && input.flags.kind === 'flags') files.push({ path: `${input.flags.root}${rollout.file}`, text: rollout.text });
  return { action: 'change', files, outcome: chosen.outcome, leftOut, ...(rollout === undefined ? {} : { rollout }) };
}

/** The rollout of the recorded winner, checked with the edited definition; undefined when no flags are configured. */
function buildFlagEdit(input: OutcomeChangeInput, outcome: Outcome, definitionText: string, leftOut: LeftOut[]): RolloutPlan | undefined {
  const { flags } = input;
  if (flags.kind === 'none') return undefined;
  const flagKey = readExperimentKey(definitionText) ?? '';
  if (flags.kind === 'unreadable') return { action: 'leave', reason: 'unreadable', flagKey, detail: flags.reason };
  const winner = outcome.winning_variant_key;
  const droppedWinner = leftOut.find((l) => l.field === 'winning_variant_key');
  if (droppedWinner !== undefined) {
    return { action: 'leave', reason: 'no-winner', flagKey, winner: droppedWinner.value, detail: `the winner ${droppedWinner.value} is not recorded in the definition file (see above), so it is not rolled out either` };
  }
  const broken = flags.flags.problems.find((p) => p.severity === 'error');
  if (!flags.flags.byKey.has(flagKey) && broken !== undefined && flags.rollout === 'winner' && winner !== undefined) {
    return { action: 'leave', reason: 'unreadable', flagKey, winner, detail: `a flag file on the base branch has an error (${broken.file}:${broken.line}: ${broken.message}), so the flag could not be looked up` };
  }
  const plan = buildRollout({ experimentKey: flagKey, winner, flags: flags.flags, rollout: flags.rollout, at: input.at });
  if (plan.action !== 'edit') return plan;

  // The commit must pass validate as a whole: the edited flag file read back, and the flag checks run with both edited files.
  const edited = readFlagFile(plan.file, plan.text);
  const definition = parseDefinition(input.file.path, definitionText).definition;
  const set = buildFlagSet(flags.flags.files.map((f) => (f.file === plan.file ? edited : f)));
  const known = new Set(flags.flags.problems.map((p) => `${p.file}\u0000${signature(p)}`));
  const errors = [
    ...set.problems.filter((p) => p.severity === 'error' && !known.has(`${p.file}\u0000${signature(p)}`)),
    ...(definition === undefined ? [] : checkFlags([definition], set, { at: input.at, rollout: flags.rollout })).filter((p) => p.severity === 'error' || p.rule === 'flag-rollout'),
  ];
  // A definition with errors of its own at the base commit cannot be checked against the flag; the proof above still holds.
  if (errors.length > 0) {
    return { action: 'leave', reason: 'proof-failed', flagKey, file: plan.file, winner: plan.winner, detail: `the edited flag file would not pass validate: ${describeProblems(errors)}` };
  }
  return plan;
}

function errorsOf(path: string, text: string): Problem[] {
  return parseDefinition(path, text).problems.filter((p) => p.severity === 'error');
}

/** Problems compared across edits: the same rule and message (lines move when a block is added). */
function signature(p: Problem): string {
  return `${p.rule}\u0000${p.message}`;
}

function describeProblems(problems: readonly Problem[]): string {
  if (problems.length === 0) return 'the file would not pass validate with it';
  return problems.map((p) => `${p.message} [${p.rule}]`).join('; ');
}

function without(outcome: Outcome, fields: readonly OptionalField[]): Outcome {
  const copy: Outcome = { ...outcome };
  for (const f of fields) delete copy[f];
  return copy;
}

/** Every subset of `fields`, smallest first; within a size, earlier fields are dropped first. */
function subsetsBySize<T>(fields: readonly T[]): T[][] {
  const all: T[][] = [];
  for (let mask = 0; mask < 1 << fields.length; mask++) all.push(fields.filter((_, i) => (mask & (1 << i)) !== 0));
  return all.sort((a, b) => a.length - b.length || rank(a, fields) - rank(b, fields));
}

function rank<T>(subset: T[], fields: readonly T[]): number {
  return subset.reduce((sum, f) => sum + (1 << fields.indexOf(f)), 0);
}
