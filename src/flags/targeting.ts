import { escapePointer } from '../definitions/index.js';
import type { Flag } from './types.js';

/** Weights above this make flagd's fractional return nothing (Go's MaxInt32, as in flagd-core). */
const MAX_TOTAL_WEIGHT = 2147483647;

/** One `fractional` operation met in a rule, and where its entries stand in the file as written. */
export interface FractionalUse {
  /** pointer to the `fractional` array */
  pointer: string;
  args: unknown[];
}

/**
 * Replaces `{"$ref": name}` by `$evaluators[name]` in a flag file's data,
 * exactly as flagd-core does before it validates (a textual replacement in
 * the normalised JSON), so a flag can be analysed as flagd sees it. Pure.
 */
export function resolveEvaluators(data: unknown): unknown {
  const evaluators = (data as Record<string, unknown> | null)?.['$evaluators'];
  if (evaluators === null || typeof evaluators !== 'object') return data;
  let text = JSON.stringify(data);
  for (const key of Object.keys(evaluators)) {
    text = text.replaceAll(`{"$ref":${JSON.stringify(key)}}`, JSON.stringify((evaluators as Record<string, unknown>)[key]));
  }
  return JSON.parse(text) as unknown;
}

/**
 * Every `fractional` in the targeting of flag `key`, walking the file as
 * written and following `$ref`s into `$evaluators` (each evaluator once), so
 * each use has a pointer into the file. Pure.
 */
export function findFractionals(data: unknown, key: string): FractionalUse[] {
  const root = data as Record<string, unknown>;
  const flag = ((root['flags'] as Record<string, unknown> | undefined)?.[key] ?? null) as Record<string, unknown> | null;
  if (flag === null || typeof flag !== 'object' || !Object.hasOwn(flag, 'targeting')) return [];
  const targeting = flag['targeting'];
  // The usual rule, one fractional over literal entries, holds nothing more to walk.
  if (isLiteralFractional(targeting)) return [{ pointer: `/flags/${escapePointer(key)}/targeting/fractional`, args: targeting.fractional }];
  const evaluators = (root['$evaluators'] ?? {}) as Record<string, unknown>;
  const found: FractionalUse[] = [];
  const followed = new Set<string>();
  const stack: Array<{ node: unknown; pointer: string; depth: number }> = [{ node: flag['targeting'], pointer: `/flags/${escapePointer(key)}/targeting`, depth: 0 }];
  while (stack.length > 0) {
    const { node, pointer, depth } = stack.pop()!;
    if (node === null || typeof node !== 'object' || depth > 200) continue;
    if (Array.isArray(node)) {
      node.forEach((child, i) => stack.push({ node: child, pointer: `${pointer}/${i}`, depth: depth + 1 }));
      continue;
    }
    const entries = Object.entries(node);
    const ref = (node as Record<string, unknown>)['$ref'];
    if (entries.length === 1 && typeof ref === 'string' && Object.hasOwn(evaluators, ref)) {
      if (!followed.has(ref)) {
        followed.add(ref);
        stack.push({ node: evaluators[ref], pointer: `/$evaluators/${escapePointer(ref)}`, depth: depth + 1 });
      }
      continue;
    }
    for (const [name, child] of entries) {
      const childPointer = `${pointer}/${escapePointer(name)}`;
      if (name === 'fractional' && Array.isArray(child)) found.push({ pointer: childPointer, args: child });
      stack.push({ node: child, pointer: childPointer, depth: depth + 1 });
    }
  }
  return found.sort((a, b) => (a.pointer < b.pointer ? -1 : a.pointer > b.pointer ? 1 : 0));
}

/** `{"fractional": [...]}` whose entries are literals or lists of literals: no operation, `$ref` or other fractional inside. */
function isLiteralFractional(targeting: unknown): targeting is { fractional: unknown[] } {
  if (targeting === null || typeof targeting !== 'object' || Array.isArray(targeting)) return false;
  const keys = Object.keys(targeting);
  const args = (targeting as Record<string, unknown>)['fractional'];
  if (keys.length !== 1 || keys[0] !== 'fractional' || !Array.isArray(args)) return false;
  for (const entry of args) {
    if (entry === null || typeof entry !== 'object') continue;
    if (!Array.isArray(entry)) return false;
    for (const item of entry) if (item !== null && typeof item === 'object') return false;
  }
  return true;
}

/**
 * The bucket entries of a fractional (`[variant, weight?]`), skipping the
 * optional first argument that says what to bucket by. Entries that are not
 * lists are left out (flagd returns no variant for such a fractional).
 */
export function bucketEntries(args: unknown[]): Array<{ index: number; variant: unknown; weight: unknown; hasWeight: boolean }> {
  const out: Array<{ index: number; variant: unknown; weight: unknown; hasWeight: boolean }> = [];
  args.forEach((entry, index) => {
    if (!Array.isArray(entry) || entry.length === 0) return;
    out.push({ index, variant: entry[0], weight: entry[1], hasWeight: entry.length >= 2 });
  });
  return out;
}

/**
 * The exact shares of a flag whose targeting is a single `fractional` over
 * its own variants (literal names, whole-number weights, optionally bucketed
 * by an expression such as `{"var": "email"}`): variant → weight / total, as
 * flagd's bucketing gives them. Undefined for any other targeting, whose split
 * must be measured. Pure.
 */
export function fractionalShares(flag: Pick<Flag, 'targeting' | 'variants'>): Record<string, number> | undefined {
  const targeting = flag.targeting;
  if (targeting === null || typeof targeting !== 'object' || Array.isArray(targeting)) return undefined;
  const keys = Object.keys(targeting);
  if (keys.length !== 1 || keys[0] !== 'fractional') return undefined;
  const args = (targeting as { fractional: unknown }).fractional;
  if (!Array.isArray(args) || args.length === 0) return undefined;
  let entries = args;
  // A string first argument is a literal bucketing key (everyone lands in one bucket); an expression buckets by an attribute.
  if (!Array.isArray(args[0])) {
    if (args[0] === null || typeof args[0] !== 'object') return undefined;
    entries = args.slice(1);
  }
  const weights = new Map<string, number>();
  let total = 0;
  for (const entry of entries) {
    if (!Array.isArray(entry) || entry.length === 0 || entry.length > 2) return undefined;
    const [variant, weight = 1] = entry as [unknown, unknown];
    if (typeof variant !== 'string' && typeof variant !== 'number' && typeof variant !== 'boolean') return undefined;
    if (typeof weight !== 'number' || !Number.isInteger(weight)) return undefined;
    const name = String(variant);
    if (!flag.variants.includes(name)) return undefined;
    const clamped = Math.max(0, weight);
    weights.set(name, (weights.get(name) ?? 0) + clamped);
    total += clamped;
  }
  if (total === 0 || total > MAX_TOTAL_WEIGHT) return undefined;
  const shares: Record<string, number> = {};
  for (const [name, weight] of weights) if (weight > 0) shares[name] = weight / total;
  return shares;
}

/**
 * Variants a flag serves without a `fractional`: the results of its `if`
 * branches that are variant names (outside any fractional), and its
 * defaultVariant when an `if` has no else (the rule then gives nothing and
 * flagd serves the default). Only for a targeting that holds a fractional;
 * distinct. Pure.
 */
export function servedOutsideFractional(flag: Pick<Flag, 'targeting' | 'variants' | 'defaultVariant'>): string[] {
  if (!hasFractional(flag.targeting)) return [];
  const found = new Set<string>();
  let noElse = false;
  const stack: unknown[] = [flag.targeting];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    if (Array.isArray(node)) {
      stack.push(...node);
      continue;
    }
    for (const [operator, args] of Object.entries(node)) {
      if (operator === 'fractional') continue;
      if (operator === 'if' && Array.isArray(args)) {
        if (args.length % 2 === 0) noElse = true;
        // [cond, then, cond, then, …, else]: the results are the odd positions and a last one at an even position.
        args.forEach((arg, i) => {
          const result = i % 2 === 1 || (i === args.length - 1 && i % 2 === 0 && i > 0);
          if (result && typeof arg === 'string' && flag.variants.includes(arg)) found.add(arg);
          else stack.push(arg);
        });
      } else stack.push(args);
    }
  }
  if (noElse && flag.defaultVariant !== undefined) found.add(flag.defaultVariant);
  return [...found];
}

/** True when the flag's targeting holds a `fractional` anywhere (it splits traffic when enabled). */
export function hasFractional(targeting: unknown): boolean {
  const stack: unknown[] = [targeting];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    if (Array.isArray(node)) stack.push(...node);
    else {
      if (Object.hasOwn(node, 'fractional')) return true;
      stack.push(...Object.values(node));
    }
  }
  return false;
}

/** True when the rule reads `$flagd.timestamp` (or all of `$flagd`): its result then depends on the time. */
export function readsTimestamp(targeting: unknown): boolean {
  const text = JSON.stringify(targeting ?? null);
  return text.includes('"$flagd.timestamp"') || text.includes('"$flagd"');
}

/** Size of a file's targeting rules as flagd compiles them: every `$ref` expanded where it is used. */
export interface RuleSize {
  /** JSONLogic operations (objects) */
  operations: number;
  /** every value: operations, lists, strings, numbers… */
  nodes: number;
}

/**
 * Counts the rules of every flag's targeting with each `$ref` counted as
 * the evaluator it stands for, without expanding anything (an evaluator used
 * a thousand times must not cost a thousand copies to count). Pure.
 */
export function measureRules(data: unknown): RuleSize {
  const root = (data ?? {}) as Record<string, unknown>;
  const evaluators = (root['$evaluators'] !== null && typeof root['$evaluators'] === 'object' ? root['$evaluators'] : {}) as Record<string, unknown>;
  const memo = new Map<string, RuleSize>();
  const inProgress = new Set<string>();
  const sizeOf = (node: unknown, depth: number): RuleSize => {
    if (node === null || typeof node !== 'object' || depth > 200) return LEAF;
    if (Array.isArray(node)) {
      const size = { operations: 0, nodes: 1 };
      for (const child of node) add(size, sizeOf(child, depth + 1));
      return size;
    }
    // Keys, not entries: this visits every value of every rule, and pairs would be garbage at once.
    const keys = Object.keys(node);
    const ref = (node as Record<string, unknown>)['$ref'];
    if (keys.length === 1 && typeof ref === 'string' && Object.hasOwn(evaluators, ref) && !inProgress.has(ref)) {
      let size = memo.get(ref);
      if (size === undefined) {
        inProgress.add(ref);
        size = sizeOf(evaluators[ref], depth + 1);
        inProgress.delete(ref);
        memo.set(ref, size);
      }
      return size;
    }
    const size = { operations: 1, nodes: 1 };
    for (const key of keys) add(size, sizeOf((node as Record<string, unknown>)[key], depth + 1));
    return size;
  };
  const total = { operations: 0, nodes: 0 };
  const flags = root['flags'];
  if (flags !== null && typeof flags === 'object') {
    for (const flag of Object.values(flags)) {
      if (flag !== null && typeof flag === 'object' && Object.hasOwn(flag, 'targeting')) add(total, sizeOf((flag as Record<string, unknown>)['targeting'], 0));
    }
  }
  return total;
}

/** The size of a value that is no list or operation (only ever read). */
const LEAF: RuleSize = Object.freeze({ operations: 0, nodes: 1 });

function add(into: RuleSize, size: RuleSize): void {
  into.operations += size.operations;
  into.nodes += size.nodes;
}
