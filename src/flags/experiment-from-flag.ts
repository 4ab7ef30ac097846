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
  /** the control variant (`--control`); default: a variant named `control`, else the defaultVariant, else the first */
  control?: string;
  /** variants the fractional serves that are not arms (`--holdout`): subjects who get them are outside the experiment */
  holdouts?: readonly string[];
}

export type ExperimentFromFlag = { ok: true; spec: ExperimentSpec; comments: string[]; text: string } | { ok: false; message: string };

/** Decimals of a written weight; the last weight takes the rounding so they sum to 1. */
const WEIGHT_DECIMALS = 6;

/**
 * Builds the experiment file `new <flag-key>` writes (FLAGS.md, "Starting an
 * experiment from a flag"): one variation per variant the flag's fractional
 * serves, except the `holdouts` (served to subjects outside the experiment),
 * weight = its share among those arms, `name` from the key. The control is
 * `control` when given, else the variant named `control`, else the flag's
 * defaultVariant, else the first arm (with a comment saying so). The
 * caller's `trafficAllocation` is the share of subjects served an arm. The
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
  const all = Object.entries(weights).filter(([, share]) => share > 0);
  const holdouts = [...new Set(options.holdouts ?? [])];
  for (const holdout of holdouts) {
    if (!all.some(([v]) => v === holdout)) return { ok: false, message: notServed(flag, holdout, '--holdout', all) };
  }
  if (options.control !== undefined && holdouts.includes(options.control)) {
    return { ok: false, message: `${options.control} cannot be both the control and a holdout; the control is an arm of the experiment` };
  }
  if (options.control !== undefined && !all.some(([v]) => v === options.control)) return { ok: false, message: notServed(flag, options.control, '--control', all) };
  const armShare = all.filter(([v]) => !holdouts.includes(v)).reduce((sum, [, share]) => sum + share, 0);
  const served = all.filter(([v]) => !holdouts.includes(v)).map(([v, share]): [string, number] => [v, share / armShare]);
  if (holdouts.length > 0) {
    comments.push(`${holdouts.join(', ')} ${holdouts.length === 1 ? 'is a holdout' : 'are holdouts'}: not an arm; subjects who get ${holdouts.length === 1 ? 'it' : 'them'} are outside the experiment`);
  }
  if (served.length < 2) {
    const without = holdouts.length > 0 ? ` besides the holdout${holdouts.length === 1 ? '' : 's'}` : '';
    return { ok: false, message: `the fractional of flag "${flag.key}" (${flag.file}) serves ${served.length} variant${served.length === 1 ? '' : 's'}${without}; an experiment needs at least 2` };
  }
  if (served.length > 20) return { ok: false, message: `the fractional of flag "${flag.key}" (${flag.file}) serves ${served.length} variants; an experiment has at most 20` };
  const bad = served.find(([variant]) => !isValidKey(variant));
  if (bad !== undefined) return { ok: false, message: `variant "${bad[0]}" of flag "${flag.key}" cannot be a variant_key (letters, digits, ".", "_", "-"); rename it in the flag first` };

  const isArm = (v: string | undefined) => v !== undefined && served.some(([arm]) => arm === v);
  // A variant named control says what it is; the defaultVariant is often the holdout, served to everyone outside.
  let control = options.control ?? (isArm('control') ? 'control' : isArm(flag.defaultVariant) ? flag.defaultVariant : undefined);
  if (control === undefined) {
    control = served[0]![0];
    comments.push(
      flag.defaultVariant === undefined
        ? `the flag has no defaultVariant: ${control}, its first variant, is the control; check it`
        : `the flag's defaultVariant ${flag.defaultVariant} is not among the variants its fractional serves: ${control}, its first variant, is the control; check it`,
    );
  }
  if ((options.holdouts ?? []).length === 0 && flag.defaultVariant !== undefined && flag.defaultVariant !== control && isArm(flag.defaultVariant)) {
    comments.push(
      `the flag's defaultVariant ${flag.defaultVariant} is written as an arm; if subjects who get it are outside the experiment, ` +
        `it is a holdout: delete this file and run eppo-gitops new ${flag.key} --holdout ${flag.defaultVariant}`,
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

function notServed(flag: Flag, variant: string, option: string, served: Array<[string, number]>): string {
  const what = flag.variants.includes(variant) ? 'has it, but its fractional does not serve it' : 'has no such variant';
  return `${option} ${variant}: flag "${flag.key}" (${flag.file}) ${what}; its fractional serves ${served.map(([v]) => v).join(', ')}`;
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
