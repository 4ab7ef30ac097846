import { parseDefinition, type Problem } from '../definitions/index.js';
import { buildExperimentFromFlag, type ExperimentFromFlagOptions } from './experiment-from-flag.js';
import { checkFlags } from './rules.js';
import { buildServedSplit } from './served-split.js';
import type { Flag, FlagSet } from './types.js';

export interface NewExperimentOptions extends Omit<ExperimentFromFlagOptions, 'trafficAllocation'> {
  /** the fixed time of the flag checks (rules on `$flagd.timestamp`) */
  at: Date | number;
  /** `flags.rollout` (default `winner`) */
  rollout?: 'winner' | 'off';
}

/**
 * `ok`: the text `new` writes, its comments and the warnings of the flag
 * checks; else why `new` refuses the flag.
 */
export type NewExperiment = { ok: true; text: string; comments: string[]; problems: Problem[] } | { ok: false; message: string };

const DECIMALS = 100;

/**
 * Whether `new` can start an experiment from `flag`, and the file it writes:
 * buildExperimentFromFlag, with `traffic_allocation` when the targeting lets
 * fewer than all subjects into the arms (measured with flagd-core), then the
 * checks validate runs on it, flag checks against `set` included. The one
 * decision shared by `new` and plan's note of flags without an experiment.
 * Pure (measured splits are cached).
 */
export function buildNewExperiment(flag: Flag, set: FlagSet, options: NewExperimentOptions): NewExperiment {
  let built = buildExperimentFromFlag(flag, options);
  if (!built.ok) return built;
  // A targeting that lets only some subjects into the fractional: the experiment says how many.
  const split = buildServedSplit(flag, options.at);
  const entered = built.spec.variations.reduce((sum, v) => sum + (split.shares[v.variant_key] ?? 0), 0);
  if (entered > 0 && entered < 0.995) {
    built = buildExperimentFromFlag(flag, { ...options, trafficAllocation: Math.round(entered * DECIMALS) / DECIMALS });
    if (!built.ok) return built;
  }
  const parsed = parseDefinition(options.file, built.text);
  const problems: Problem[] = [...parsed.problems, ...(parsed.definition === undefined ? [] : checkFlags([parsed.definition], set, { at: options.at, rollout: options.rollout ?? 'winner' }))];
  const error = problems.find((p) => p.severity === 'error');
  if (parsed.definition === undefined || error !== undefined) {
    return { ok: false, message: `the experiment file would not pass validate (${error?.message ?? 'it does not parse'} [${error?.rule ?? 'schema'}]); write it by hand` };
  }
  return { ok: true, text: built.text, comments: built.comments, problems };
}
