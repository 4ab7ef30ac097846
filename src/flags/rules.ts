import type { Definition, Problem, Severity, SourcePos, Variation } from '../definitions/index.js';
import { didYouMean } from '../util/index.js';
import { buildServedSplit, SIMULATED_SUBJECTS } from './served-split.js';
import { servedOutsideFractional } from './targeting.js';
import type { Flag, FlagSet, ServedSplit } from './types.js';

/** What the flag checks need besides the definitions and the flags. */
export interface FlagCheckOptions {
  /** the plan's time: rules on `$flagd.timestamp` are evaluated at it */
  at: Date | number;
  /** `flags.rollout` (default `winner`) */
  rollout?: 'winner' | 'off';
}

/** One check of a definition against its flag (FLAGS.md, "Checks"); `id` is the stable rule id. */
export interface FlagRule {
  id: string;
  /** `flag` is undefined when no flag has the experiment's key */
  check(definition: Definition, flag: Flag | undefined, context: FlagRuleContext): Problem[];
}

export interface FlagRuleContext {
  options: FlagCheckOptions;
  /** true when a flag file could not be read: a missing flag may be in it */
  brokenFiles: boolean;
  /** the split `flag` serves (computed or measured once per flag) */
  split(flag: Flag): ServedSplit;
  /** the flag whose key is closest to `key`, when one is close enough to be a typo */
  closestFlag(key: string): Flag | undefined;
}

/** Largest difference between a served share and the file's that is not a mismatch, for computed shares. */
export const SPLIT_TOLERANCE = 0.01;

/** Fewer subjects than this entering the experiment: the split cannot be measured. */
export const MIN_MEASURED_SUBJECTS = 1_000;

/**
 * The tolerance of a measured share: max(0.01, 6·√(p(1−p)/n)), with `p` the
 * expected share and `n` the subjects it is measured over, so a correct flag
 * fails by chance far less than once in a million checks.
 */
export function splitTolerance(p: number, n: number): number {
  if (n <= 0) return Infinity;
  return Math.max(SPLIT_TOLERANCE, 6 * Math.sqrt((p * (1 - p)) / n));
}

/** Float noise below this never turns a difference of exactly 0.01 into a mismatch. */
const EPSILON = 1e-9;

const problemAt = (definition: Definition, path: string, severity: Severity, rule: string, message: string): Problem => {
  const pos: SourcePos = definition.positions[path] ?? definition.positions['experiment_key'] ?? definition.positions[''] ?? { line: 1, col: 1 };
  return { file: definition.file, line: pos.line, col: pos.col, severity, rule, message };
};

const fmt = (share: number): string => share.toFixed(2);

/** `flag-missing` (warning): flags are configured and no flag has the experiment's key. */
export const flagMissing: FlagRule = {
  id: 'flag-missing',
  check(definition, flag, context) {
    if (flag !== undefined || definition.outcome !== undefined || context.brokenFiles) return [];
    const close = context.closestFlag(definition.experiment_key);
    const fix = close === undefined ? 'add the flag or fix the key' : `did you mean flag "${close.key}" (${close.file})? Make the two keys equal, or add the flag`;
    return [
      problemAt(
        definition,
        'experiment_key',
        'warning',
        this.id,
        `no flag in the flag files has the key "${definition.experiment_key}", so the split the randomizer serves cannot be checked; ${fix}`,
      ),
    ];
  },
};

/** `flag-disabled` (warning): the flag is DISABLED while the experiment has no outcome. */
export const flagDisabled: FlagRule = {
  id: 'flag-disabled',
  check(definition, flag) {
    if (flag === undefined || definition.outcome !== undefined || flag.state !== 'DISABLED') return [];
    return [
      problemAt(
        definition,
        'experiment_key',
        'warning',
        this.id,
        `flag "${flag.key}" (${flag.file}) is DISABLED, so flagd serves every subject the caller's default and nobody enters the experiment; set its state to ENABLED`,
      ),
    ];
  },
};

/** `flag-variants` (error): an active variation whose variant_key is not a variant of the flag. */
export const flagVariants: FlagRule = {
  id: 'flag-variants',
  check(definition, flag) {
    if (flag === undefined || definition.outcome !== undefined) return [];
    const problems: Problem[] = [];
    definition.variations.forEach((v, i) => {
      if (!v.is_active || flag.variants.includes(v.variant_key)) return;
      problems.push(
        problemAt(definition, `variations[${i}].variant_key`, 'error', this.id, `"${v.variant_key}" is not a variant of flag "${flag.key}" (${flag.file}), which has ${flag.variants.join(', ')}`),
      );
    });
    return problems;
  },
};

/**
 * `flag-split` (error): among the subjects the flag puts in the experiment,
 * the share served each active variation differs from its weight, or the
 * share entering differs from traffic_allocation. A warning when fewer than
 * 1,000 of the simulated subjects entered (the split cannot be measured).
 */
export const flagSplit: FlagRule = {
  id: 'flag-split',
  check(definition, flag, context) {
    if (flag === undefined || definition.outcome !== undefined || flag.state === 'DISABLED') return [];
    // Plain loops: this runs once per definition, and a repository may hold ten thousand.
    const active: Array<{ v: Variation; index: number }> = [];
    for (let index = 0; index < definition.variations.length; index++) {
      const v = definition.variations[index]!;
      if (!v.is_active) continue;
      if (!flag.variants.includes(v.variant_key)) return []; // flag-variants says it
      active.push({ v, index });
    }
    const split = context.split(flag);
    let entered = 0;
    for (const { v } of active) entered += split.shares[v.variant_key] ?? 0;
    const measured = split.method === 'measured';
    const how = (): string =>
      measured
        ? `measured over ${SIMULATED_SUBJECTS.toLocaleString('en-US')} subjects with ${flag.file}`
        : flag.targeting === undefined
          ? `${flag.file}: the flag has no targeting`
          : `computed from the fractional in ${flag.file}`;
    const enteredCount = Math.round(entered * split.subjects);
    const unmeasured = !measured
      ? undefined
      : split.subjects < SIMULATED_SUBJECTS
        ? `its targeting is too slow to evaluate for ${SIMULATED_SUBJECTS.toLocaleString('en-US')} subjects (${split.subjects.toLocaleString('en-US')} done in the time allowed)`
        : enteredCount < MIN_MEASURED_SUBJECTS
          ? `only ${enteredCount.toLocaleString('en-US')} of ${split.subjects.toLocaleString('en-US')} simulated subjects (targetingKey only) entered the experiment; its targeting likely reads attributes the simulation does not have`
          : undefined;
    if (unmeasured !== undefined) {
      const at = definition.positions['traffic_allocation'] !== undefined ? 'traffic_allocation' : 'variations';
      return [problemAt(definition, at, 'warning', this.id, `the split of flag "${flag.key}" could not be measured: ${unmeasured}`)];
    }
    const problems: Problem[] = [];
    if (entered > 0) {
      for (const { v, index } of active) {
        const share = (split.shares[v.variant_key] ?? 0) / entered;
        const tolerance = measured ? splitTolerance(v.weight, enteredCount) : SPLIT_TOLERANCE;
        if (Math.abs(share - v.weight) > tolerance + EPSILON) {
          problems.push(problemAt(definition, `variations[${index}].weight`, 'error', this.id, `flag serves ${v.variant_key} ${fmt(share)} (${how()}), the file says ${fmt(v.weight)}`));
        }
      }
    }
    const allocation = definition.traffic_allocation;
    const tolerance = measured ? splitTolerance(allocation, split.subjects) : SPLIT_TOLERANCE;
    if (Math.abs(entered - allocation) > tolerance + EPSILON) {
      const at = definition.positions['traffic_allocation'] !== undefined ? 'traffic_allocation' : 'variations';
      problems.push(
        problemAt(
          definition,
          at,
          'error',
          this.id,
          `flag puts ${fmt(entered)} of subjects in the experiment (${how()}), the file says traffic_allocation ${fmt(allocation)}${definition.positions['traffic_allocation'] === undefined ? ' (the default)' : ''}`,
        ),
      );
    }
    if (problems.length > 0 && measured) {
      // The usual cause of a measured mismatch: subjects the rule keeps out of its fractional still get an arm.
      const arms = active.map(({ v }) => v.variant_key);
      const leaked = servedOutsideFractional(flag).filter((variant) => arms.includes(variant) && (split.shares[variant] ?? 0) > 0);
      if (leaked.length > 0) {
        const names = leaked.map((v) => `"${v}"`).join(' and ');
        const first = problems[0]!;
        problems[0] = {
          ...first,
          message:
            `${first.message}. Subjects the targeting keeps out of its fractional (by country, time or any other condition) get ${names}, ` +
            `${leaked.length === 1 ? 'an arm' : 'arms'} of this experiment, so they count as in it: serve them a variant that is not an arm ` +
            '(a holdout such as "off", left out of variations) as the else branch or the defaultVariant',
        };
      }
    }
    return problems;
  },
};

/**
 * `flag-rollout` (warning): the experiment has an outcome naming a winner,
 * rollout is on, and its flag still splits traffic. Never an error, so
 * merging an outcome pull request can never stop the next plan.
 */
export const flagRollout: FlagRule = {
  id: 'flag-rollout',
  check(definition, flag, context) {
    const winner = definition.outcome?.winning_variant_key;
    if (flag === undefined || winner === undefined || context.options.rollout === 'off' || flag.state === 'DISABLED') return [];
    const served = Object.values(context.split(flag).shares).filter((share) => share > 0).length;
    if (served < 2) return [];
    const at = definition.positions['outcome.winning_variant_key'] !== undefined ? 'outcome.winning_variant_key' : 'outcome';
    return [problemAt(definition, at, 'warning', this.id, `flag "${flag.key}" (${flag.file}) still splits traffic; the outcome named ${winner}`)];
  },
};

/** The flag rules, in the order their problems are listed for one definition. */
export const FLAG_RULES: readonly FlagRule[] = [flagMissing, flagDisabled, flagVariants, flagSplit, flagRollout];

/**
 * Checks every definition against the flag whose key equals its
 * experiment_key (FLAGS.md, "Checks"). Pure apart from the process-wide
 * cache of measured splits. Experiments with an `outcome` get only
 * flag-rollout. The flag files' own problems are in `flags.problems`, not here.
 */
export function checkFlags(definitions: readonly Definition[], flags: FlagSet, options: FlagCheckOptions): Problem[] {
  const splits = new Map<Flag, ServedSplit>();
  let closestKey: ((key: string) => string | undefined) | undefined;
  const context: FlagRuleContext = {
    closestFlag(key) {
      const found = (closestKey ??= buildClosestKey(flags.byKey.keys()))(key);
      return found === undefined ? undefined : flags.byKey.get(found);
    },
    options,
    brokenFiles: flags.problems.some((p) => p.severity === 'error'),
    split(flag) {
      const known = splits.get(flag);
      if (known !== undefined) return known;
      const split = buildServedSplit(flag, options.at);
      // A computed split is cheap, and kept by content for flags read from files: only a measured one is kept per flag
      // (ten thousand flags as keys of one map cost more than the splits).
      if (split.method === 'measured') splits.set(flag, split);
      return split;
    },
  };
  const problems: Problem[] = [];
  for (const definition of definitions) {
    const flag = flags.byKey.get(definition.experiment_key);
    for (const rule of FLAG_RULES) {
      const found = rule.check(definition, flag, context);
      if (found.length > 0) problems.push(...found);
    }
  }
  return problems;
}

/** Buckets of the letter counts compared before an edit distance (character codes folded onto them). */
const LETTER_BUCKETS = 32;

/**
 * didYouMean over many keys: a repository may hold thousands of flags, and
 * every experiment without one asks (an edit distance each made five thousand
 * of them take minutes). Only keys that can be within didYouMean's reach
 * (max(2, a third of the length)) are compared with it: their lengths differ
 * by at most the reach, and their letter counts by at most twice the reach,
 * as one edit changes those by 2 at most. The same answer as didYouMean over
 * every key of a length within reach.
 */
function buildClosestKey(keys: Iterable<string>): (key: string) => string | undefined {
  const index = [...keys].map((key) => ({ key, counts: letterCounts(key) }));
  return (key) => {
    const reach = Math.max(2, Math.floor(key.length / 3));
    const counts = letterCounts(key);
    const candidates: string[] = [];
    for (const entry of index) {
      if (Math.abs(entry.key.length - key.length) > reach) continue;
      let differ = 0;
      for (let i = 0; i < LETTER_BUCKETS && differ <= 2 * reach; i++) differ += Math.abs(counts[i]! - entry.counts[i]!);
      if (differ <= 2 * reach) candidates.push(entry.key);
    }
    return didYouMean(key, candidates);
  };
}

/** How many characters of `key` (case aside, as didYouMean compares) fall in each bucket. */
function letterCounts(key: string): Int32Array {
  const counts = new Int32Array(LETTER_BUCKETS);
  const lower = key.toLowerCase();
  for (let i = 0; i < lower.length; i++) counts[lower.charCodeAt(i) % LETTER_BUCKETS]!++;
  return counts;
}
