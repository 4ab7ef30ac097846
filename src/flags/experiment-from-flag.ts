import { isValidKey, parseDefinition, renderDefinitionYaml } from '../definitions/index.js';
import type { ExperimentSpec, VariationSpec } from '../definitions/index.js';
import { bucketEntries, fractionalShares } from './targeting.js';
import type { Flag } from './types.js';

export interface ExperimentFromFlagOptions {
  entity: string;
  assignmentSource: string;
  /** assignments_start_date, `YYYY-MM-DD` (today, from the caller's clock) */
  startDate: string;
  /** where the file will be written, e.g. `experiments/<key>.yaml` (checked like validate does) */
  file: string;
  /** the experiment JSON Schema relative to the file, for the editor hint */
  schemaPath: string;
  /** the share of subjects the flag puts in the experiment, when its targeting lets fewer than all in (written when below 1) */
  trafficAllocation?: number;
}

export type ExperimentFromFlag = { ok: true; spec: ExperimentSpec; comments: string[]; text: string } | { ok: false; message: string };

/** Decimals of a written weight; the last weight takes the rounding so they sum to 1. */
const WEIGHT_DECIMALS = 6;

/**
 * Builds the experiment file `new <flag-key>` writes (FLAGS.md, "Starting an
 * experiment from a flag"): one variation per variant the flag's fractional
 * serves, weight = its share, the flag's defaultVariant as the control (or
 * the first variant, with a comment saying so), `name` from the key. The
 * rendered text is checked with parseDefinition, so what is written passes
 * validate; anything that would not is refused with a message. Pure.
 */
export function buildExperimentFromFlag(flag: Flag, options: ExperimentFromFlagOptions): ExperimentFromFlag {
  if (!isValidKey(flag.key)) {
    return { ok: false, message: `flag key "${flag.key}" cannot be an experiment_key (letters, digits, ".", "_", "-"; at most 128, starting with a letter or digit)` };
  }
  const comments = [`written by eppo-gitops new from flag ${flag.key} in ${flag.file}`];
  let weights = fractionalShares(flag);
  if (weights === undefined) {
    const fractionals = collectFractionals(flag.targeting);
    if (fractionals.length === 0) return { ok: false, message: `flag "${flag.key}" (${flag.file}) has no fractional in its targeting, so it splits no traffic to start an experiment from` };
    if (fractionals.length > 1) return { ok: false, message: `flag "${flag.key}" (${flag.file}) has ${fractionals.length} fractionals in its targeting; write the experiment file by hand` };
    weights = sharesOf(fractionals[0]!, flag.variants);
    if (weights === undefined) return { ok: false, message: `the fractional of flag "${flag.key}" (${flag.file}) does not name its variants with whole-number weights; write the experiment file by hand` };
    comments.push('the flag does more than one fractional: check traffic_allocation against its targeting');
  }
  const served = Object.entries(weights).filter(([, share]) => share > 0);
  if (served.length < 2) return { ok: false, message: `the fractional of flag "${flag.key}" (${flag.file}) serves ${served.length} variant; an experiment needs at least 2` };
  if (served.length > 20) return { ok: false, message: `the fractional of flag "${flag.key}" (${flag.file}) serves ${served.length} variants; an experiment has at most 20` };
  const bad = served.find(([variant]) => !isValidKey(variant));
  if (bad !== undefined) return { ok: false, message: `variant "${bad[0]}" of flag "${flag.key}" cannot be a variant_key (letters, digits, ".", "_", "-"); rename it in the flag first` };

  let control = flag.defaultVariant !== undefined && served.some(([v]) => v === flag.defaultVariant) ? flag.defaultVariant : undefined;
  if (control === undefined) {
    control = served[0]![0];
    comments.push(
      flag.defaultVariant === undefined
        ? `the flag has no defaultVariant: ${control}, its first variant, is the control; check it`
        : `the flag's defaultVariant ${flag.defaultVariant} is not among the variants its fractional serves: ${control}, its first variant, is the control; check it`,
    );
  }
  const scale = 10 ** WEIGHT_DECIMALS;
  let rest = scale;
  const variations: VariationSpec[] = served.map(([variant, share], i) => {
    const units = i === served.length - 1 ? rest : Math.round(share * scale);
    rest -= units;
    return variant === control ? { variant_key: variant, is_control: true, weight: units / scale } : { variant_key: variant, weight: units / scale };
  });
  const spec: ExperimentSpec = {
    experiment_key: flag.key,
    name: nameFromKey(flag.key),
    entity: options.entity,
    assignment_source: options.assignmentSource,
    assignments_start_date: options.startDate,
    ...(options.trafficAllocation !== undefined && options.trafficAllocation < 1 ? { traffic_allocation: options.trafficAllocation } : {}),
    variations,
  };
  const text = renderDefinitionYaml(spec, { schemaPath: options.schemaPath, comments });
  const error = parseDefinition(options.file, text).problems.find((p) => p.severity === 'error');
  if (error !== undefined) return { ok: false, message: `the experiment file would not pass validate: ${error.message}` };
  return { ok: true, spec, comments, text };
}

/** `checkout-button_color` → `Checkout button color` */
export function nameFromKey(key: string): string {
  const words = key.replace(/[-_.]+/g, ' ').trim();
  return words === '' ? key : words[0]!.toUpperCase() + words.slice(1);
}

function collectFractionals(targeting: unknown): unknown[][] {
  const found: unknown[][] = [];
  const stack: unknown[] = [targeting];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    if (Array.isArray(node)) stack.push(...node);
    else
      for (const [name, child] of Object.entries(node)) {
        if (name === 'fractional' && Array.isArray(child)) found.push(child);
        stack.push(child);
      }
  }
  return found;
}

function sharesOf(args: unknown[], variants: string[]): Record<string, number> | undefined {
  const weights = new Map<string, number>();
  let total = 0;
  for (const entry of bucketEntries(args)) {
    const weight = entry.hasWeight ? entry.weight : 1;
    if (typeof entry.variant !== 'string' || !variants.includes(entry.variant) || typeof weight !== 'number' || !Number.isInteger(weight)) return undefined;
    const clamped = Math.max(0, weight);
    weights.set(entry.variant, (weights.get(entry.variant) ?? 0) + clamped);
    total += clamped;
  }
  if (total === 0) return undefined;
  return Object.fromEntries([...weights].map(([v, w]) => [v, w / total]));
}
