import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DEFAULT_DEFINITIONS_DIR, loadConfig, loadDefinitions, resolveDefinitionsDir, type Config, type Definition, type LoadResult, type ParsedSettings, type Problem } from '../definitions/index.js';
import type { FlagSet } from '../flags/index.js';
import { ConfigError } from '../errors.js';
import { findMissingFolder, type FolderSource } from './definitions-folder.js';
import { buildUnconfiguredFlagFileProblem, flagFileKind } from './unconfigured-flag-file.js';
import { displayPath } from '../util/index.js';

/** The stages of a validation run, in the order they run. */
export type ValidationStageName = 'settings' | 'definitions' | 'flags';

/** eppo-gitops.yaml as `loadConfig` returns it. */
export type Settings = ParsedSettings;

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
  /** where `dir` came from, for the message when it is missing */
  dirSource: FolderSource;
  /** whether eppo-gitops.yaml has errors */
  settingsFailed: boolean;
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
      // A file with errors has no config, but the folder it names is still the one to check (and report on).
      const named = settings.config.dir ?? settings.dir;
      state.dir = resolveDefinitionsDir(state.options.dir, { ...(named === undefined ? {} : { dir: named }) });
      state.dirSource = state.options.dir !== undefined ? 'flag' : named !== undefined ? 'settings' : 'default';
      state.settingsFailed = settings.problems.some((p) => p.severity === 'error');
      return settings.problems;
    },
  },
  {
    name: 'definitions',
    async run(state) {
      const { cwd, paths } = state.options;
      const source = state.dirSource;
      if ((paths === undefined || paths.length === 0) && !(source === 'default' && state.options.defaultFolderMayBeNew === true)) {
        const missing = await findMissingFolder(cwd, state.dir, source);
        // Thrown, it would hide the settings problems, which may be why the folder is not found.
        if (missing !== undefined && (state.options.missingFolder === 'problem' || state.settingsFailed)) {
          return [{ file: state.dir, line: 1, col: 1, severity: 'error', rule: 'io', message: missing }];
        }
        if (missing !== undefined) throw new ConfigError(missing);
      }
      // The flag files are read while the definitions are: reading either waits on the disk now and then.
      flagFiles(state)?.catch(() => undefined);
      return loadChosenDefinitions(state, source);
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
 * The definitions the run checks: the paths given, else the definitions
 * folder. Flag files are never read as definitions: a path that flags.files
 * names, given or found in a folder given, is checked as a flag file with the
 * experiments it serves (found in the definitions folder) in place of it; any
 * other flag file (`*.flagd.*`, or a JSON file given) is a warning that
 * flags.files does not name it.
 */
async function loadChosenDefinitions(state: StageState, source: FolderSource): Promise<Problem[]> {
  const { cwd } = state.options;
  const paths = state.options.paths ?? [];
  const flags = state.config.flags;
  const flagModule = flags === undefined ? undefined : await import('../flags/index.js');
  const configured = flagModule === undefined || flags === undefined ? () => false : flagModule.buildFlagFileMatcher(flags.files);
  const split = flagModule === undefined || flags === undefined ? { flagFiles: [], others: paths } : flagModule.selectFlagPaths({ root: cwd, paths, matches: configured });
  const unconfigured: Problem[] = [];
  const others: string[] = [];
  for (const path of split.others) {
    const absolute = resolve(cwd, path);
    const kind = flagFileKind(path);
    const isFile = kind !== undefined && (await stat(absolute).then((info) => info.isFile(), () => false));
    if (isFile) unconfigured.push(buildUnconfiguredFlagFileProblem(displayPath(cwd, absolute), kind, state.settingsFailed));
    else others.push(path);
  }
  // Only --dir may lead out of the repository through a link: a "dir" from eppo-gitops.yaml comes with the pull request.
  const load = (chosen: string[] | undefined) =>
    loadDefinitions({ cwd, dir: state.dir, trustDir: source === 'flag', notDefinition: (file) => flagFileKind(file) === 'flagd' || configured(file), ...(chosen === undefined ? {} : { paths: chosen }) });
  const none: LoadResult = { definitions: [], problems: [], files: 0, skipped: [] };
  let loaded = paths.length === 0 ? await load(undefined) : others.length > 0 ? await load(others) : none;
  // In the definitions folder, configured flag files are the flags stage's; in a folder given, they are the files to check.
  const foundFlagFiles = paths.length === 0 ? [] : loaded.skipped.filter(configured);
  unconfigured.push(...loaded.skipped.filter((file) => !configured(file)).map((file) => buildUnconfiguredFlagFileProblem(file, 'flagd', state.settingsFailed)));
  const chosenFlagFiles = [...new Set([...split.flagFiles, ...foundFlagFiles])];
  const served: Problem[] = [];
  if (flagModule !== undefined && flags !== undefined && chosenFlagFiles.length > 0) {
    state.flags = await flagFiles(state)!;
    state.files += chosenFlagFiles.length;
    const found = flagModule.findServedKeys(state.flags, chosenFlagFiles);
    served.push(...found.problems);
    // The folder as the run reads it (a --dir leading out through a link included), so no served experiment is dropped.
    const folder = found.keys.size === 0 ? [] : (await load(undefined)).definitions;
    const chosen = new Set(loaded.definitions.map((d) => d.file));
    const extra = folder.filter((d) => found.keys.has(d.experiment_key) && !chosen.has(d.file)).map((d) => d.file);
    // One run over all of them, so unique-key compares the files given with the ones served.
    if (extra.length > 0) loaded = await load([...others, ...extra]);
  }
  state.definitions = loaded.definitions;
  state.files += loaded.files + unconfigured.length;
  return [...sortByFile(unconfigured), ...served, ...loaded.problems];
}

function sortByFile(problems: Problem[]): Problem[] {
  return [...problems].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
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
  const state: StageState = {
    options,
    config: {},
    dir: options.dir ?? DEFAULT_DEFINITIONS_DIR,
    dirSource: options.dir === undefined ? 'default' : 'flag',
    settingsFailed: false,
    definitions: [],
    files: 0,
    at: options.at ?? Date.now(),
  };
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
