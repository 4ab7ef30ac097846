import { FeatureFlag, MemoryStorage } from '@openfeature/flagd-core';
import type { Logger } from '@openfeature/core';
import type { FlagdFlag } from './types.js';

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

export type FlagdParse = { ok: true; flags: Map<string, FeatureFlag>; warnings: string[] } | { ok: false; error: unknown };

/**
 * Hands a flag file's JSON text to flagd-core's storage with strict
 * validation (its JSON Schema, then its own structure checks), the way flagd
 * itself loads a file. `FlagdCore.setConfigurations` would only log problems.
 */
export function parseWithFlagd(json: string): FlagdParse {
  const logger = collectingLogger();
  const storage = new MemoryStorage(logger);
  try {
    storage.setConfigurations(json, true);
  } catch (error) {
    return { ok: false, error };
  }
  return { ok: true, flags: storage.getFlags(), warnings: logger.warnings };
}

/** A flagd-core flag built from its definition alone (for a Flag not read by readFlagFile). */
export function buildFeatureFlag(key: string, definition: FlagdFlag): FeatureFlag {
  return new FeatureFlag(key, definition as ConstructorParameters<typeof FeatureFlag>[1], collectingLogger());
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
