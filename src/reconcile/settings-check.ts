import type { Problem } from '../definitions/index.js';
import type { Settings } from '../validation/index.js';

/** Why plan, apply or import stopped before reading Eppo: eppo-gitops.yaml has errors. */
export interface SettingsFailure {
  ok: false;
  /** the settings file's problems */
  problems: Problem[];
  /** no definition file was read */
  files: 0;
  stage: 'validate';
  failed: 'settings';
}

/**
 * The settings check that comes before anything else in plan, apply and
 * import: a settings file with errors is read as empty, so going on would use
 * the default folder, the default Eppo and the default parallelism instead of
 * the ones the file names. Undefined when the settings have no errors.
 */
export function checkSettings(settings: Settings): SettingsFailure | undefined {
  if (!settings.problems.some((p) => p.severity === 'error')) return undefined;
  return { ok: false, problems: settings.problems, files: 0, stage: 'validate', failed: 'settings' };
}
