import type { Definition, Problem } from '../definitions/index.js';
import { connectEppo, fetchWorkspace, type EppoClientOptions, type EppoConnection } from '../eppo/index.js';
import { findFlagsWithoutExperiment } from '../flags/index.js';
import { validateRepository, type Settings, type ValidationStageName } from '../validation/index.js';
import { buildPlan } from './build-plan.js';
import { resolveReferences } from './resolve.js';
import type { Plan } from './types.js';

export interface PlanWorkspaceOptions {
  /** the repository root */
  cwd: string;
  /** EPPO_API_KEY, EPPO_BASE_URL, EPPO_TIMEOUT_SECONDS */
  env: Record<string, string | undefined>;
  /** definitions folder; default: "dir" in eppo-gitops.yaml, else experiments */
  dir?: string | undefined;
  /** the embedded emulator instead of Eppo (state in `.eppo-local/`) */
  local?: boolean | undefined;
  /** the Eppo API base URL; beats EPPO_BASE_URL and the settings file */
  baseUrl?: string | undefined;
  /** requests to Eppo in flight; default: the settings file, else 4 */
  parallelism?: number | undefined;
  /** eppo-gitops.yaml as the caller already read it (read here when absent) */
  settings?: Settings | undefined;
  /** the plan's created_at, also the fixed time of the flag checks; default: the current time */
  now?: () => Date;
  /** client tuning beyond parallelism (tests use short backoffs) */
  client?: Omit<EppoClientOptions, 'baseUrl' | 'apiKey' | 'concurrency'>;
}

export type PlanWorkspaceResult =
  | { ok: true; plan: Plan; definitions: Definition[]; problems: Problem[]; connection: EppoConnection }
  | { ok: false; problems: Problem[]; files: number; stage: 'validate' | 'reference'; failed?: ValidationStageName };

/**
 * What plan and apply run first: validation (settings, definitions, flag
 * files; it stops at the first stage with errors), the Eppo connection, the
 * live workspace, name resolution, then the plan. The plan's created_at is
 * taken first and is the fixed time of the flag checks, and flags that split
 * traffic without an experiment file are listed in the plan. Problems come
 * back as data with the stage that found them. On success the caller owns,
 * and must close, the connection; on failure it is closed here.
 */
export async function planWorkspace(options: PlanWorkspaceOptions): Promise<PlanWorkspaceResult> {
  const created = options.now?.() ?? new Date();
  const validation = await validateRepository({
    cwd: options.cwd,
    dir: options.dir,
    settings: options.settings,
    stopAtFirstError: true,
    at: created,
  });
  const { problems, config } = validation;
  if (validation.failed !== undefined) return { ok: false, problems, files: validation.files, stage: 'validate', failed: validation.failed };

  const connection = await connectEppo({
    cwd: options.cwd,
    env: options.env,
    local: options.local === true,
    ...(options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl }),
    config,
    client: { ...options.client, concurrency: options.parallelism ?? config.parallelism ?? 4 },
  });
  try {
    const workspace = await fetchWorkspace(connection.api);
    const resolution = resolveReferences(validation.definitions, workspace);
    const all = [...problems, ...resolution.problems];
    if (resolution.problems.some((p) => p.severity === 'error')) {
      await connection.close();
      return { ok: false, problems: all, files: validation.files, stage: 'reference' };
    }
    const plan = buildPlan(validation.definitions, workspace, { baseUrl: connection.baseUrl, createdAt: created.toISOString(), resolution });
    const unmatched = validation.flags === undefined ? [] : findFlagsWithoutExperiment(validation.flags, validation.definitions);
    if (unmatched.length > 0) plan.flags_without_experiment = unmatched;
    return { ok: true, plan, definitions: validation.definitions, problems: all, connection };
  } catch (error) {
    await connection.close();
    throw error;
  }
}
