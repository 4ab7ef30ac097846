import { DEFAULT_DEFINITIONS_DIR, loadConfig, loadDefinitions, resolveDefinitionsDir, type Config, type Definition, type Problem } from '../definitions/index.js';
import type { FlagSet } from '../flags/index.js';
import { ConfigError } from '../errors.js';
import { findMissingFolder } from './definitions-folder.js';

/** The stages of a validation run, in the order they run. */
export type ValidationStageName = 'settings' | 'definitions' | 'flags';

/** eppo-gitops.yaml as `loadConfig` returns it. */
export interface Settings {
  config: Config;
  problems: Problem[];
}

export interface ValidationOptions {
  /** the repository root: eppo-gitops.yaml is read here, and `file` in problems is relative to it */
  cwd: string;
  /** definitions folder; default: "dir" in eppo-gitops.yaml, else experiments */
  dir?: string | undefined;
  /** files or folders to check instead of the definitions folder */
  paths?: string[] | undefined;
  /** eppo-gitops.yaml as the caller already read it (read here when absent) */
  settings?: Settings | undefined;
  /**
   * Stop after the first stage that finds an error (plan: no plan from a broken
   * setup). Default false: report everything (validate).
   */
  stopAtFirstError?: boolean | undefined;
  /**
   * The fixed time of the flag checks: rules on `$flagd.timestamp` are
   * evaluated at it (plan passes its created_at). Default: when the run started.
   */
  at?: Date | number | undefined;
  /**
   * import writes into the folder, so in a new repository the default folder
   * may not exist yet. A folder named by --dir or eppo-gitops.yaml must exist
   * either way (a misspelt one would get every experiment imported again).
   */
  defaultFolderMayBeNew?: boolean | undefined;
  /**
   * A definitions folder that does not exist: a ConfigError (`throw`, the
   * default), or a problem of the folder (`problem`: a report a program reads,
   * `validate --format json`, must hold it).
   */
  missingFolder?: 'throw' | 'problem' | undefined;
}

export interface Validation {
  /** the settings; empty when eppo-gitops.yaml has errors */
  config: Config;
  /** the definitions folder: the option, else "dir" in eppo-gitops.yaml, else experiments */
  dir: string;
  /** the definitions that parsed and passed their rules */
  definitions: Definition[];
  /** every problem, in stage order */
  problems: Problem[];
  /** the problems of each stage that ran */
  stages: Array<{ name: ValidationStageName; problems: Problem[] }>;
  /** definition files read (or attempted) */
  files: number;
  /** the first stage that found an error; absent when none did */
  failed?: ValidationStageName;
  /** the flag files, read once, when eppo-gitops.yaml configures `flags` and the flags stage ran */
  flags?: FlagSet;
}

/** What the stages have found so far; each stage reads it and adds to it. */
interface StageState {
  options: ValidationOptions;
  config: Config;
  dir: string;
  definitions: Definition[];
  files: number;
  at: Date | number;
  flags?: FlagSet;
  /** the flag files being read (flagFiles) */
  loadingFlags?: Promise<FlagSet>;
}

interface ValidationStage {
  name: ValidationStageName;
  run(state: StageState): Promise<Problem[]>;
}

/**
 * The checks in order. The flag checks (FLAGS.md) are the stage after the
 * definitions they check against: definitions/ never needs to know about them.
 */
const STAGES: readonly ValidationStage[] = [
  {
    name: 'settings',
    async run(state) {
      const settings = state.options.settings ?? (await loadConfig(state.options.cwd));
      state.config = settings.config;
      state.dir = resolveDefinitionsDir(state.options.dir, settings.config);
      return settings.problems;
    },
  },
  {
    name: 'definitions',
    async run(state) {
      const { cwd, paths } = state.options;
      const source = state.options.dir !== undefined ? 'flag' : state.config.dir !== undefined ? 'settings' : 'default';
      if ((paths === undefined || paths.length === 0) && !(source === 'default' && state.options.defaultFolderMayBeNew === true)) {
        const missing = await findMissingFolder(cwd, state.dir, source);
        if (missing !== undefined && state.options.missingFolder === 'problem') return [{ file: state.dir, line: 1, col: 1, severity: 'error', rule: 'io', message: missing }];
        if (missing !== undefined) throw new ConfigError(missing);
      }
      // The flag files are read while the definitions are: reading either waits on the disk now and then.
      flagFiles(state)?.catch(() => undefined);
      const named = await namedFlagFiles(state);
      if (named !== undefined && named.paths.length === 0) return named.problems;
      // One file at a time, then `unique-key` across them (definitions/load-definitions.ts).
      const chosen = named?.paths ?? paths;
      // Only --dir may lead out of the repository through a link: a "dir" from eppo-gitops.yaml comes with the pull request.
      const loaded = await loadDefinitions({ cwd, dir: state.dir, trustDir: source === 'flag', ...(chosen === undefined ? {} : { paths: chosen }) });
      state.definitions = loaded.definitions;
      state.files += loaded.files;
      return [...(named?.problems ?? []), ...loaded.problems];
    },
  },
  {
    name: 'flags',
    async run(state) {
      const flags = state.config.flags;
      if (flags === undefined) return [];
      const { checkFlags } = await import('../flags/index.js');
      // Read once per run: the checks below and the callers (plan's note) share this set.
      const set = await flagFiles(state)!;
      state.flags = set;
      return [...set.problems, ...checkFlags(state.definitions, set, { at: state.at, rollout: flags.rollout ?? 'winner' })];
    },
  },
];

/**
 * The flag files eppo-gitops.yaml configures, read once per run (started by
 * the first stage that wants them); undefined when it configures none.
 * flagd-core and its rule engine are loaded only then: they cost a validate
 * without flags nothing.
 */
function flagFiles(state: StageState): Promise<FlagSet> | undefined {
  const flags = state.config.flags;
  if (flags === undefined) return undefined;
  state.loadingFlags ??= import('../flags/index.js').then(({ loadFlagFiles }) => loadFlagFiles({ root: state.options.cwd, files: flags.files }));
  return state.loadingFlags;
}

/**
 * Flag files among the paths given (those `flags.files` matches): they are
 * checked as flag files, with the experiments they serve (found in the
 * definitions folder) in place of them. Undefined when no path is one.
 */
async function namedFlagFiles(state: StageState): Promise<{ paths: string[]; problems: Problem[] } | undefined> {
  const { cwd, paths } = state.options;
  const flags = state.config.flags;
  if (paths === undefined || paths.length === 0 || flags === undefined) return undefined;
  const { findServedKeys, selectFlagPaths } = await import('../flags/index.js');
  const { flagFiles: named, others } = selectFlagPaths({ root: cwd, paths, files: flags.files });
  if (named.length === 0) return undefined;
  state.flags = await flagFiles(state)!;
  state.files += named.length;
  const served = findServedKeys(state.flags, named);
  const folder = served.keys.size === 0 ? [] : (await loadDefinitions({ cwd, dir: state.dir })).definitions;
  return { paths: [...others, ...folder.filter((d) => served.keys.has(d.experiment_key)).map((d) => d.file)], problems: served.problems };
}

/**
 * The validation pipeline shared by validate, plan, apply, import and the
 * demo: reads eppo-gitops.yaml, then finds, parses and checks the definition
 * files (schema, per-file rules, rules across files), then, when
 * eppo-gitops.yaml configures `flags`, reads the flag files and checks each
 * definition against its flag (FLAGS.md). Problems are data; this throws
 * only for what no file explains: a ConfigError when the definitions folder
 * does not exist (unless `missingFolder` asks for a problem).
 */
export async function validateRepository(options: ValidationOptions): Promise<Validation> {
  const state: StageState = { options, config: {}, dir: options.dir ?? DEFAULT_DEFINITIONS_DIR, definitions: [], files: 0, at: options.at ?? Date.now() };
  const stages: Validation['stages'] = [];
  let failed: ValidationStageName | undefined;
  try {
    for (const stage of STAGES) {
      const problems = await stage.run(state);
      stages.push({ name: stage.name, problems });
      if (failed === undefined && problems.some((p) => p.severity === 'error')) failed = stage.name;
      if (failed !== undefined && options.stopAtFirstError === true) break;
    }
  } finally {
    // Flag files started early and then not needed (a stage before failed or threw): nothing outlives the run.
    await state.loadingFlags?.catch(() => undefined);
  }
  return {
    config: state.config,
    dir: state.dir,
    definitions: state.definitions,
    problems: stages.flatMap((s) => s.problems),
    stages,
    files: state.files,
    ...(failed === undefined ? {} : { failed }),
    ...(state.flags === undefined ? {} : { flags: state.flags }),
  };
}

/** The problems one stage found (empty when it did not run). */
export function stageProblems(validation: Validation, name: ValidationStageName): Problem[] {
  return validation.stages.find((s) => s.name === name)?.problems ?? [];
}
