import type { FeatureFlag } from '@openfeature/flagd-core';
import { atFixedTime, buildFeatureFlag, collectingLogger } from './flagd.js';
import { featureFlagOf, readFlagFile } from './read-flag-file.js';
import { SIMULATED_SUBJECTS, simulatedSubjects } from './served-split.js';
import type { Flag, FlagFile } from './types.js';

export type RolloutProof = { ok: true } | { ok: false; reason: string };

/**
 * Proves an edited flag file with flagd-core before it is proposed: the file
 * reads back (strict validation and our checks), every one of the 100,000
 * simulated subjects resolves flag `key` to `winner` (a DISABLED flag resolves
 * to the caller's default, as in flagd), and every other flag of the file
 * resolves each subject to the same variant and value as before, at the fixed
 * time `at`. A flag whose flagd content hash is unchanged is equal by
 * construction and is not evaluated again. Pure.
 */
export function proveRollout(before: FlagFile, afterText: string, key: string, winner: string, at: Date | number): RolloutProof {
  const ms = typeof at === 'number' ? at : at.getTime();
  const after = readFlagFile(before.file, afterText);
  const problem = after.problems.find((p) => p.severity === 'error');
  if (problem !== undefined) return { ok: false, reason: `the edited file does not read back (line ${problem.line}: ${problem.message})` };
  const afterByKey = new Map(after.flags.map((f) => [f.key, f]));
  const edited = afterByKey.get(key);
  if (edited === undefined) return { ok: false, reason: `the edited file no longer has flag "${key}"` };
  if (edited.state === 'DISABLED') return { ok: false, reason: `flag "${key}" is DISABLED, so flagd would serve the caller's default, not ${winner}; enable it first` };

  const results = resolveAll(evaluator(edited), ms);
  const wrong = results.filter((r) => r.variant !== winner);
  if (wrong.length > 0) {
    return { ok: false, reason: `${wrong.length.toLocaleString('en-US')} of ${SIMULATED_SUBJECTS.toLocaleString('en-US')} subjects would not get ${winner} (for example ${wrong[0]!.variant ?? 'no variant'})` };
  }
  for (const flag of before.flags) {
    if (flag.key === key) continue;
    const now = afterByKey.get(flag.key);
    if (now === undefined) return { ok: false, reason: `the edit would remove flag "${flag.key}"` };
    if (now.hash === flag.hash) continue;
    const was = resolveAll(evaluator(flag), ms);
    const is = resolveAll(evaluator(now), ms);
    const changed = was.filter((r, i) => r.variant !== is[i]!.variant || r.value !== is[i]!.value).length;
    if (changed > 0) {
      return { ok: false, reason: `the edit would change flag "${flag.key}" for ${changed.toLocaleString('en-US')} of ${SIMULATED_SUBJECTS.toLocaleString('en-US')} subjects` };
    }
  }
  const added = after.flags.find((f) => !before.flags.some((b) => b.key === f.key));
  if (added !== undefined) return { ok: false, reason: `the edit would add flag "${added.key}"` };
  return { ok: true };
}

function evaluator(flag: Flag): { feature: FeatureFlag; disabled: boolean } {
  return { feature: featureFlagOf(flag) ?? buildFeatureFlag(flag.key, flag.definition), disabled: flag.state === 'DISABLED' };
}

/** What flagd resolves each simulated subject to: the variant and its value (JSON), as flagd's resolve does. */
function resolveAll({ feature, disabled }: { feature: FeatureFlag; disabled: boolean }, ms: number): Array<{ variant: string | undefined; value: string | undefined }> {
  const subjects = simulatedSubjects();
  if (disabled) return subjects.map(() => ({ variant: undefined, value: undefined }));
  const logger = collectingLogger();
  return atFixedTime(ms, () =>
    subjects.map((subject) => {
      const result = feature.evaluate(subject, logger);
      if (result.reason === 'ERROR' || result.value === undefined) return { variant: undefined, value: undefined };
      return { variant: result.variant, value: JSON.stringify(result.value) };
    }),
  );
}
