import { CONFIG_FILE, loadConfig, resolveDefinitionsDir, settingsError, type FlagsConfig } from '../definitions/index.js';
import { ConfigError } from '../errors.js';

export interface NewExperimentSettingsOptions {
  /** the folder holding eppo-gitops.yaml */
  root: string;
  /** --entity; default: defaults.entity in eppo-gitops.yaml */
  entity?: string | undefined;
  /** --assignment-source; default: defaults.assignment_source in eppo-gitops.yaml */
  assignmentSource?: string | undefined;
  /** --dir; default: "dir" in eppo-gitops.yaml, else experiments */
  dir?: string | undefined;
}

/**
 * What `new` writes with, or the settings neither the caller nor
 * eppo-gitops.yaml gave (`missing`, by their name under `defaults:`).
 */
export type NewExperimentSettings =
  | {
      ok: true;
      flags: FlagsConfig;
      entity: string;
      assignmentSource: string;
      /** where to write: --dir, else the definitions folder */
      dir: string;
      /** the definitions folder validate checks ("dir" in eppo-gitops.yaml, else experiments), whatever --dir says */
      definitionsDir: string;
    }
  | { ok: false; missing: Array<'entity' | 'assignment_source'> };

/**
 * Reads eppo-gitops.yaml for `new`: the options beat its `defaults:`, the
 * definitions folder is resolved, and the flag files must be configured. A
 * settings file with errors, or one without `flags`, is a ConfigError that
 * says what to add.
 */
export async function readNewExperimentSettings(options: NewExperimentSettingsOptions): Promise<NewExperimentSettings> {
  const settings = await loadConfig(options.root);
  const refused = settingsError(settings.problems);
  if (refused !== undefined) throw refused;
  const { config } = settings;
  const entity = nonEmpty(options.entity ?? config.defaults?.entity);
  const assignmentSource = nonEmpty(options.assignmentSource ?? config.defaults?.assignment_source);
  if (entity === undefined || assignmentSource === undefined) {
    return { ok: false, missing: [...(entity === undefined ? ['entity' as const] : []), ...(assignmentSource === undefined ? ['assignment_source' as const] : [])] };
  }
  if (config.flags === undefined) {
    throw new ConfigError(`no flag files are configured: add flags: {files: ["flags/*.flagd.json"]} to ${CONFIG_FILE} (globs from the folder holding it)`);
  }
  return { ok: true, flags: config.flags, entity, assignmentSource, dir: resolveDefinitionsDir(options.dir, config), definitionsDir: resolveDefinitionsDir(undefined, config) };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
