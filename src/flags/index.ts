/**
 * The flags module (FLAGS.md): flagd flag files read with flagd-core, the
 * split each flag serves, the checks of experiments against their flags, the
 * rollout of a winner in a flag file, and new experiments from flags.
 * It imports definitions/, never the reverse.
 */
export type { Flag, FlagFile, FlagSet, ServedSplit } from './types.js';
export { readFlagFile, FLAG_FILE_RULE } from './read-flag-file.js';
export { clearFlagdCache } from './flagd.js';
export { buildFlagSet } from './flag-set.js';
export { loadFlagFiles } from './load-flag-files.js';
export { compileGlob, matchGlob, filterByGlobs, expandBraces } from './glob.js';
export { buildFlagFileMatcher, findServedKeys, selectFlagPaths } from './flag-paths.js';
export type { FlagPaths } from './flag-paths.js';
export { buildServedSplit, clearServedSplitCache } from './served-split.js';
export { fractionalShares, hasFractional, servedOutsideFractional } from './targeting.js';
export {
  checkFlags,
  splitTolerance,
} from './rules.js';
export type { FlagCheckOptions } from './rules.js';
export { buildRolloutEdit } from './rollout-edit.js';
export { proveRollout } from './prove-rollout.js';
export { buildRollout, renderRolloutSection } from './rollout.js';
export type { RolloutPlan } from './rollout.js';
export { buildExperimentFromFlag, nameFromKey } from './experiment-from-flag.js';
export { writeExperimentFromFlag } from './write-experiment-from-flag.js';
export { readNewExperimentSettings } from './new-experiment-settings.js';
export type { WriteExperimentFromFlagOptions, WriteExperimentFromFlagResult } from './write-experiment-from-flag.js';
export { buildFlagsWithoutExperimentNote, describeFlagsWithoutExperiment, findFlagsWithoutExperiment } from './flags-without-experiment.js';
export type { FlagsWithoutExperimentOptions } from './flags-without-experiment.js';
