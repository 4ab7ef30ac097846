import { resolve } from 'node:path';
import type { Config } from '../definitions/index.js';
import { checkLocalTarget, connectEppo, type EppoClientOptions } from '../eppo/index.js';
import { applyCheckedPlan, type ApplyOutcome } from './apply-checked-plan.js';
import type { ApplyOptions } from './apply.js';
import { readPlanFile } from './read-plan-file.js';
import type { Plan } from './types.js';

export interface ApplySavedPlanOptions extends Pick<ApplyOptions, 'parallelism' | 'onProgress' | 'onStopping' | 'signal'> {
  /** the repository root; `file` is relative to it */
  cwd: string;
  /** EPPO_API_KEY, EPPO_BASE_URL, EPPO_TIMEOUT_SECONDS */
  env: Record<string, string | undefined>;
  /** the plan file, as the user named it */
  file: string;
  /** the embedded emulator instead of Eppo (state in `.eppo-local/`) */
  local?: boolean | undefined;
  /** the Eppo API base URL; beats EPPO_BASE_URL and the settings file */
  baseUrl?: string | undefined;
  /** eppo-gitops.yaml's settings */
  config?: Config | undefined;
  /** client tuning beyond parallelism and the signal (tests use short backoffs) */
  client?: Omit<EppoClientOptions, 'baseUrl' | 'apiKey' | 'concurrency' | 'signal'>;
}

/**
 * What applying a saved plan came to: an `ApplyOutcome`, or `other-eppo` when
 * the plan was made against another Eppo than this run talks to (nothing was
 * changed). `plan` is the plan the file holds.
 */
export type SavedPlanOutcome = (ApplyOutcome | { kind: 'other-eppo'; planned: string; current: string }) & { plan: Plan };

/**
 * `apply FILE`: reads the saved plan (`readPlanFile`: a ConfigError when it is
 * not one), connects to Eppo, refuses a plan made against another Eppo, then
 * `applyCheckedPlan`. Once `signal` aborts, reads are cancelled and no change
 * starts; writes in flight finish. The connection is closed before this returns.
 */
export async function applySavedPlan(options: ApplySavedPlanOptions): Promise<SavedPlanOutcome> {
  checkLocalTarget(options);
  const plan = await readPlanFile(resolve(options.cwd, options.file), options.file, options.local === true);
  const connection = await connectEppo({
    cwd: options.cwd,
    env: options.env,
    local: options.local === true,
    ...(options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl }),
    ...(options.config === undefined ? {} : { config: options.config }),
    client: { ...options.client, ...(options.parallelism === undefined ? {} : { concurrency: options.parallelism }), ...(options.signal === undefined ? {} : { signal: options.signal }) },
  });
  try {
    if (plan.eppo_base_url !== connection.baseUrl) return { kind: 'other-eppo', planned: plan.eppo_base_url, current: connection.baseUrl, plan };
    return { ...(await applyCheckedPlan(connection.api, plan, options)), plan };
  } finally {
    await connection.close();
  }
}

