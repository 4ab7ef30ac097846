import { loadConfig } from '../definitions/index.js';
import { checkLocalTarget, connectEppo, fetchWorkspace, type EppoClientOptions } from '../eppo/index.js';
import { DEFAULT_PARALLELISM } from '../util/index.js';
import { stageProblems, validateRepository, type Settings } from '../validation/index.js';
import { buildImportPlan, type ImportPlan } from './import-plan.js';
import { checkSettings, type SettingsFailure } from './settings-check.js';

export interface PlanImportOptions {
  /** the repository root */
  cwd: string;
  /** EPPO_API_KEY, EPPO_BASE_URL, EPPO_TIMEOUT_SECONDS */
  env: Record<string, string | undefined>;
  /** the keys asked for (`--key`), or every live key no file manages (`--all`) */
  wanted: readonly string[] | 'all';
  /** definitions folder; default: "dir" in eppo-gitops.yaml, else experiments (created when missing) */
  dir?: string | undefined;
  /** the embedded emulator instead of Eppo (state in `.eppo-local/`) */
  local?: boolean | undefined;
  /** the Eppo API base URL; beats EPPO_BASE_URL and the settings file */
  baseUrl?: string | undefined;
  /** eppo-gitops.yaml as the caller already read it (read here when absent) */
  settings?: Settings | undefined;
  /** client tuning (tests use short backoffs) */
  client?: Omit<EppoClientOptions, 'baseUrl' | 'apiKey'>;
}

export type PlanImportResult =
  | {
      ok: true;
      plan: ImportPlan;
      /** the definitions folder, relative to `cwd` */
      dir: string;
      /** definition files with errors: the keys they declare do not count as managed */
      broken: string[];
    }
  | SettingsFailure;

/**
 * What `import` runs before it writes: the settings check (a settings file
 * with errors stops it, as it stops plan), the definitions that say which
 * keys are managed, the live workspace read from Eppo, then the pure
 * `buildImportPlan`. The connection is closed before this returns; the files
 * are written by `writeImportFile`.
 */
export async function planImport(options: PlanImportOptions): Promise<PlanImportResult> {
  checkLocalTarget(options);
  const settings = options.settings ?? (await loadConfig(options.cwd));
  const refused = checkSettings(settings);
  if (refused !== undefined) return refused;
  const validation = await validateRepository({ cwd: options.cwd, dir: options.dir, settings, defaultFolderMayBeNew: true });
  const broken = [...new Set(stageProblems(validation, 'definitions').filter((p) => p.severity === 'error' && p.rule !== 'io').map((p) => p.file))];
  const managed = new Map(validation.definitions.map((d) => [d.experiment_key, d.file]));
  const connection = await connectEppo({
    cwd: options.cwd,
    env: options.env,
    local: options.local === true,
    ...(options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl }),
    config: validation.config,
    client: { concurrency: validation.config.parallelism ?? DEFAULT_PARALLELISM, ...options.client },
  });
  try {
    const workspace = await fetchWorkspace(connection.api);
    const plan = buildImportPlan({ wanted: options.wanted, managed, workspace, cwd: options.cwd, dir: validation.dir });
    return { ok: true, plan, dir: validation.dir, broken };
  } finally {
    await connection.close();
  }
}
