import { createRequire } from 'node:module';
import type { FeatureFlag } from '@openfeature/flagd-core';
import type { Logger } from '@openfeature/core';
import type { FlagdFlag } from './types.js';

type FlagdCore = typeof import('@openfeature/flagd-core');

let loaded: FlagdCore | undefined;

/**
 * flagd-core, loaded on first use: commands that import this module for
 * something else (init's path filters, plan without flag files) never pay
 * for it. Loaded with `require`: an `import` of its CommonJS build (the one
 * Node picks either way, so this is the same instance) would also have Node
 * scan that whole bundle for export names on every start of a validate with
 * flags.
 */
function flagdCore(): FlagdCore {
  return (loaded ??= createRequire(import.meta.url)('@openfeature/flagd-core') as FlagdCore);
}

/** A logger that keeps warnings (flagd-core reports a targeting it cannot compile that way) and drops the rest. */
export function collectingLogger(warnings: string[] = []): Logger & { warnings: string[] } {
  return {
    warnings,
    error: (...args: unknown[]) => void warnings.push(args.map(String).join(' ')),
    warn: (...args: unknown[]) => void warnings.push(args.map(String).join(' ')),
    info: () => undefined,
    debug: () => undefined,
  };
}

type FlagdParse = { ok: true; flags: Map<string, FeatureFlag>; warnings: string[] } | { ok: false; error: unknown };

/**
 * Hands a flag file's JSON text to flagd-core's storage with strict
 * validation (its JSON Schema, then its own structure checks), the way flagd
 * itself loads a file. `FlagdCore.setConfigurations` would only log problems.
 */
function parseWithFlagd(json: string): FlagdParse {
  const logger = collectingLogger();
  const storage = new (flagdCore().MemoryStorage)(logger);
  try {
    storage.setConfigurations(json, true);
  } catch (error) {
    return { ok: false, error };
  }
  return { ok: true, flags: storage.getFlags(), warnings: logger.warnings };
}

/** What flagd-core made of one flag of a file. */
export interface FlagdFlagRead {
  state: string;
  defaultVariant: string | undefined;
  /** variant names in flagd's order */
  variants: string[];
  /** flagd-core's content hash */
  hash: string;
  /** flagd-core could not compile the targeting (it logs a warning and fails every evaluation) */
  compileFailed: boolean;
  /** flagd-core's flag for this very key, when it was built in this read */
  feature?: FeatureFlag;
  /** one object for all the flags read with the same content (and file metadata): what depends on the content alone can be kept on it */
  content: object;
}

export type FlagdRead = { ok: true; flags: Map<string, FlagdFlagRead>; warnings: string[] } | { ok: false; error: unknown };

interface Validated {
  /** the key flagd-core built `feature` for */
  key: string;
  feature: FeatureFlag;
  compileFailed: boolean;
  /** what a flag of another key with this content reads as (no flagd-core flag of its own) */
  shared: FlagdFlagRead;
  content: object;
}

/**
 * Flag contents flagd-core has validated in this process: by the file's
 * flag-set metadata (merged into each flag), then by the flag as written.
 * flagd's schema check, content hash and rule compiler depend on nothing
 * else, so a content is validated once however many flags and files repeat
 * it. The files' other top-level fields are remembered the same way.
 */
const validated = new Map<string, Map<string, Validated>>();
const validatedTops = new Set<string>();
let validatedCount = 0;
const VALIDATED_LIMIT = 20_000;

/** flagd's schema accepts a flag key that matches this (`^.{1,}$`, Unicode). */
const FLAG_KEY = /^.{1,}$/u;

/**
 * Reads a flag file with flagd-core's strict validation, as parseWithFlagd
 * does, but hands flagd-core each distinct content only once per process:
 * the file's other top-level fields and the flags whose content it has not
 * validated yet go through `setConfigurations(…, true)`, the others take the
 * result of the earlier identical content. A file with `$evaluators` (whose
 * `$ref`s flagd expands over the whole text), an unusual flag key, or any
 * refusal is read whole, exactly as before, so errors are flagd's own.
 */
export function readWithFlagd(json: string, data: Record<string, unknown>): FlagdRead {
  const flags = data['flags'];
  const evaluators = data['$evaluators'];
  if (flags === null || typeof flags !== 'object' || Array.isArray(flags) || (evaluators !== undefined && evaluators !== null)) return whole(json);
  const keys = Object.keys(flags);
  if (!keys.every((k) => FLAG_KEY.test(k))) return whole(json);
  const entries = flags as Record<string, unknown>;
  const top: Record<string, unknown> = {};
  for (const field of Object.keys(data)) if (field !== 'flags') top[field] = data[field];
  const topText = JSON.stringify(top);
  const context = JSON.stringify(data['metadata'] ?? null);
  if (validatedCount > VALIDATED_LIMIT) {
    validated.clear();
    validatedCount = 0;
  }
  let known = validated.get(context);
  if (known === undefined) validated.set(context, (known = new Map()));

  // Each flag's earlier reading, or its content for the lookup after flagd-core has validated the fresh ones: one lookup per flag when all are known.
  const seen: Array<Validated | string> = [];
  const fresh = new Map<string, string>(); // content → the key that stands for it
  for (const key of keys) {
    const content = JSON.stringify(entries[key]);
    const entry = known.get(content);
    if (entry !== undefined) seen.push(entry);
    else {
      seen.push(content);
      if (!fresh.has(content)) fresh.set(content, key);
    }
  }
  const found = new Map<string, Validated>();
  let others: string[] = [];
  if (fresh.size > 0 || !validatedTops.has(topText)) {
    top['flags'] = Object.fromEntries([...fresh.values()].map((key) => [key, entries[key]]));
    const parsed = parseWithFlagd(JSON.stringify(top));
    if (!parsed.ok) return whole(json);
    validatedTops.add(topText);
    const sorted = sortWarnings(parsed.warnings);
    const failed = sorted.failed;
    others = sorted.others;
    for (const [content, key] of fresh) {
      const feature = parsed.flags.get(key)!;
      const token = {};
      const entry: Validated = { key, feature, compileFailed: failed.has(key), shared: infoOf(feature, failed.has(key), false, token), content: token };
      found.set(content, entry);
      known.set(content, entry);
      validatedCount++;
    }
  }
  const out = new Map<string, FlagdFlagRead>();
  // flagd keeps the order of its JSON parse (for…in); the keys of `data` come in the same order.
  keys.forEach((key, i) => {
    const earlier = seen[i]!;
    const entry = typeof earlier === 'string' ? found.get(earlier)! : earlier;
    out.set(key, entry.key === key ? infoOf(entry.feature, entry.compileFailed, true, entry.content) : entry.shared);
  });
  return { ok: true, flags: out, warnings: others };
}

/**
 * flagd-core's warnings split into the keys of the flags whose targeting it
 * could not compile (it says so in a warning naming the flag, and nothing
 * else) and the other warnings, which are the file's.
 */
function sortWarnings(warnings: readonly string[]): { failed: Set<string>; others: string[] } {
  const failed = new Set<string>();
  const others: string[] = [];
  for (const warning of warnings) {
    const key = /flag '(.*)'$/.exec(warning)?.[1];
    if (key === undefined) others.push(warning);
    else failed.add(key);
  }
  return { failed, others };
}

function whole(json: string): FlagdRead {
  const parsed = parseWithFlagd(json);
  if (!parsed.ok) return parsed;
  const { failed, others } = sortWarnings(parsed.warnings);
  const flags = new Map<string, FlagdFlagRead>();
  for (const [key, feature] of parsed.flags) flags.set(key, infoOf(feature, failed.has(key), true, {}));
  return { ok: true, flags, warnings: others };
}

function infoOf(feature: FeatureFlag, compileFailed: boolean, own: boolean, content: object): FlagdFlagRead {
  return {
    state: feature.state,
    defaultVariant: feature.defaultVariant,
    variants: [...feature.variants.keys()],
    hash: feature.hash,
    compileFailed,
    ...(own ? { feature } : {}),
    content,
  };
}

/** Forgets the flag contents validated so far (for benchmarks). */
export function clearFlagdCache(): void {
  validated.clear();
  validatedTops.clear();
  validatedCount = 0;
}

/** A flagd-core flag built from its definition alone (for a Flag not read by readFlagFile). */
export function buildFeatureFlag(key: string, definition: FlagdFlag): FeatureFlag {
  return new (flagdCore().FeatureFlag)(key, definition as ConstructorParameters<typeof FeatureFlag>[1], collectingLogger());
}

/**
 * Runs `evaluate` with `Date.now` fixed at `ms`. flagd-core stamps every
 * evaluation with `$flagd.timestamp` = the current second and offers no way to
 * pass one in; rules on it must give the same answer on every run of a plan.
 * The evaluation is synchronous, so nothing else runs while the clock is held.
 */
export function atFixedTime<T>(ms: number, evaluate: () => T): T {
  const realNow = Date.now;
  Date.now = () => ms;
  try {
    return evaluate();
  } finally {
    Date.now = realNow;
  }
}
