import { didYouMean } from '../util/index.js';
import { memoise } from './bounded-memo.js';
import type { ExperimentSpec } from './spec.js';
import type { Severity, SourcePos } from './types.js';

/** What a rule needs besides the spec: where a JSON pointer stands, and the file name. */
export interface RuleContext {
  file: string;
  /** position of the value at a JSON pointer (`/variations/1/is_control`) */
  at(pointer: string): SourcePos;
  /** position of the key at a JSON pointer (`/variations`), or of the value when there is no key */
  keyAt(pointer: string): SourcePos;
}

/** A finding of a rule, positioned; the caller adds file and rule id. */
export interface Finding {
  pos: SourcePos;
  message: string;
  severity?: Severity;
}

export interface Rule {
  id: string;
  check(spec: ExperimentSpec, ctx: RuleContext): Finding[];
}

/** Tolerance of `weights-sum` (FORMAT.md). */
export const WEIGHT_TOLERANCE = 1e-6;

export const oneControl: Rule = {
  id: 'one-control',
  check(spec, ctx) {
    const controls = spec.variations.flatMap((v, i) => (v.is_control === true ? [i] : []));
    if (controls.length === 0) {
      return [{ pos: ctx.keyAt('/variations'), message: 'no variation has is_control: true; mark exactly one variation as the control' }];
    }
    return controls.slice(1).map((i) => ({
      pos: ctx.at(`/variations/${i}/is_control`),
      message: `variation "${spec.variations[i]!.variant_key}" is a second control (the first is "${spec.variations[controls[0]!]!.variant_key}"); exactly one variation has is_control: true`,
    }));
  },
};

export const uniqueVariant: Rule = {
  id: 'unique-variant',
  check(spec, ctx) {
    const seen = new Map<string, number>();
    const findings: Finding[] = [];
    spec.variations.forEach((v, i) => {
      const first = seen.get(v.variant_key);
      if (first === undefined) seen.set(v.variant_key, i);
      else
        findings.push({
          pos: ctx.at(`/variations/${i}/variant_key`),
          message: `variant_key "${v.variant_key}" is already used by variations[${first}]; variant keys must be unique`,
        });
    });
    return findings;
  },
};

export const weightsSum: Rule = {
  id: 'weights-sum',
  check(spec, ctx) {
    const active = spec.variations.filter((v) => v.is_active !== false);
    const sum = active.reduce((total, v) => total + v.weight, 0);
    if (Math.abs(sum - 1) <= WEIGHT_TOLERANCE) return [];
    const shown = Number(sum.toFixed(6));
    return [{ pos: ctx.keyAt('/variations'), message: `weights of active variations sum to ${shown}, not 1` }];
  },
};

export const dateOrder: Rule = {
  id: 'date-order',
  check(spec, ctx) {
    if (spec.assignments_end_date === undefined) return [];
    const start = epochOf(spec.assignments_start_date);
    const end = epochOf(spec.assignments_end_date);
    if (Number.isNaN(start) || Number.isNaN(end) || end > start) return [];
    return [
      {
        pos: ctx.at('/assignments_end_date'),
        message: `assignments_end_date ${spec.assignments_end_date} is not after assignments_start_date ${spec.assignments_start_date}`,
      },
    ];
  },
};

export const onePrimary: Rule = {
  id: 'one-primary',
  check(spec, ctx) {
    if (spec.metrics === undefined) return [];
    const primaries = spec.metrics.flatMap((m, i) => (m.is_primary === true ? [i] : []));
    if (primaries.length === 0) {
      const message =
        spec.metrics.length === 0
          ? 'metrics is an empty list; list the metrics with exactly one is_primary: true, or leave metrics out'
          : 'no metric has is_primary: true; mark exactly one metric as primary';
      return [{ pos: ctx.keyAt('/metrics'), message }];
    }
    return primaries.slice(1).map((i) => ({
      pos: ctx.at(`/metrics/${i}/is_primary`),
      message: `metric "${spec.metrics![i]!.metric}" is a second primary (the first is "${spec.metrics![primaries[0]!]!.metric}"); exactly one metric has is_primary: true`,
    }));
  },
};

export const outcomeVariant: Rule = {
  id: 'outcome-variant',
  check(spec, ctx) {
    const winner = spec.outcome?.winning_variant_key;
    if (winner === undefined) return [];
    const keys = spec.variations.map((v) => v.variant_key);
    if (keys.includes(winner)) return [];
    const suggestion = didYouMean(winner, keys);
    const hint = suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`;
    return [
      {
        pos: ctx.at('/outcome/winning_variant_key'),
        message: `outcome.winning_variant_key "${winner}" names no variation${hint}; variations: ${keys.join(', ')}`,
      },
    ];
  },
};

export const fileName: Rule = {
  id: 'file-name',
  check(spec, ctx) {
    const base = ctx.file.slice(ctx.file.lastIndexOf('/') + 1);
    const stem = base.replace(/\.ya?ml$/i, '');
    if (stem === spec.experiment_key) return [];
    return [
      {
        pos: ctx.at('/experiment_key'),
        severity: 'warning',
        message: `file name "${base}" does not match experiment_key "${spec.experiment_key}"; rename the file to ${spec.experiment_key}.yaml`,
      },
    ];
  },
};

/** The FORMAT.md rules that need one file only, in report order. */
export const FILE_RULES: readonly Rule[] = [oneControl, uniqueVariant, weightsSum, dateOrder, onePrimary, outcomeVariant, fileName];

/** `Date.parse` of a date or date-time, memoised: files share a few dates, and parsing one costs more than the rest of the rule. */
const epochOf = memoise((value) => Date.parse(toIsoInput(value)));

/** `2026-01-05` means midnight UTC; `Date.parse` agrees, but be explicit. */
export function toIsoInput(value: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value;
}
