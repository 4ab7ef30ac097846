import { opendir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DEFAULT_DEFINITIONS_DIR, isDefinitionFile, loadConfig, type Config, type Definition, type Problem } from '../definitions/index.js';
import { checkLocalTarget, connectEppo, EppoRequestError, fetchWorkspace, type EppoClientOptions, type EppoConnection, type Workspace } from '../eppo/index.js';
import { findFlagsWithoutExperiment } from '../flags/index.js';
import { DEFAULT_PARALLELISM, isWithin } from '../util/index.js';
import { validateRepository, type Settings, type Validation, type ValidationStageName } from '../validation/index.js';
import { buildPlan } from './build-plan.js';
import { resolveReferences } from './resolve.js';
import { checkSettings } from './settings-check.js';
import type { Plan } from './types.js';

/**
 * From this many definition files on, plan reads Eppo while it validates.
 * Fewer files validate in well under a network round trip, so there is
 * nothing to hide, and plan keeps to "no request before the files are valid".
 */
export const EARLY_READS_FROM_FILES = 1_000;

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
  client?: Omit<EppoClientOptions, 'baseUrl' | 'apiKey' | 'concurrency' | 'signal'>;
  /**
   * Ctrl-C: once aborted, the Eppo reads are cancelled and the result is
   * `interrupted`. The connection returned keeps the signal: later reads are
   * refused, writes in flight finish (EppoClientOptions.signal).
   */
  signal?: AbortSignal | undefined;
  /**
   * Read Eppo while validating once the definitions folder holds at least this
   * many files; default EARLY_READS_FROM_FILES (0: always, Infinity: never).
   * Never with `local`.
   */
  earlyReadsFromFiles?: number | undefined;
}

/**
 * The plan and the open connection, or why there is none: the stage that
 * stopped it (`validate` with the validation stage that `failed`, `reference`
 * for names that do not resolve in Eppo, `interrupted` when `signal` aborted
 * the reads) and the problems found so far.
 */
export type PlanWorkspaceResult =
  | { ok: true; plan: Plan; definitions: Definition[]; problems: Problem[]; connection: EppoConnection }
  | { ok: false; problems: Problem[]; files: number; stage: 'validate' | 'reference' | 'interrupted'; failed?: ValidationStageName };

/**
 * What plan and apply run first: validation (settings, definitions, flag
 * files; it stops at the first stage with errors), the Eppo connection, the
 * live workspace, name resolution, then the plan. The plan's created_at is
 * taken first and is the fixed time of the flag checks, and flags that split
 * traffic without an experiment file are listed in the plan. Problems come
 * back as data with the stage that found them. On success the caller owns,
 * and must close, the connection; on failure it is closed here.
 *
 * With many definition files (`earlyReadsFromFiles`) the Eppo reads start as
 * soon as the settings are valid and run while the files are validated. When
 * the files then have errors, the reads are cancelled and whatever they found
 * (an answer, or a failure such as a missing EPPO_API_KEY) is dropped: the
 * result is the same validation failure as without them, and nothing is ever
 * written to Eppo before a plan exists. The pages are read between batches of
 * files, so the overlap lasts only while validation yields to the event loop.
 */
export async function planWorkspace(options: PlanWorkspaceOptions): Promise<PlanWorkspaceResult> {
  checkLocalTarget(options);
  const created = options.now?.() ?? new Date();
  const settings = options.settings ?? (await loadConfig(options.cwd));
  const refused = checkSettings(settings);
  if (refused !== undefined) return refused;
  const threshold = options.earlyReadsFromFiles ?? EARLY_READS_FROM_FILES;
  const early =
    options.local !== true && (await holdsFiles(options.cwd, options.dir ?? settings.config.dir, threshold))
      ? startReads(options, settings.config, true)
      : undefined;

  let validation: Validation;
  try {
    validation = await validateRepository({ cwd: options.cwd, dir: options.dir, settings, stopAtFirstError: true, at: created });
  } catch (error) {
    await early?.discard();
    throw error;
  }
  const { problems, config } = validation;
  if (validation.failed !== undefined) {
    await early?.discard();
    return { ok: false, problems, files: validation.files, stage: 'validate', failed: validation.failed };
  }

  let reads: Awaited<Reads['result']>;
  try {
    reads = await (early ?? startReads(options, config, false)).result;
  } catch (error) {
    if (options.signal?.aborted === true && error instanceof EppoRequestError && error.cancelled) {
      return { ok: false, problems, files: validation.files, stage: 'interrupted' };
    }
    throw error;
  }
  const { connection, workspace } = reads;
  try {
    const resolution = resolveReferences(validation.definitions, workspace);
    const all = [...problems, ...resolution.problems];
    if (resolution.problems.some((p) => p.severity === 'error')) {
      await connection.close();
      return { ok: false, problems: all, files: validation.files, stage: 'reference' };
    }
    const plan = buildPlan(validation.definitions, workspace, { baseUrl: connection.baseUrl, createdAt: created.toISOString(), resolution });
    const unmatched = validation.flags === undefined ? [] : findFlagsWithoutExperiment(validation.flags, validation.definitions, { at: created, rollout: validation.config.flags?.rollout ?? 'winner' });
    if (unmatched.length > 0) plan.flags_without_experiment = unmatched;
    return { ok: true, plan, definitions: validation.definitions, problems: all, connection };
  } catch (error) {
    await connection.close();
    throw error;
  }
}

interface Reads {
  /** the open connection and the live workspace; rejects with the connection's or the reads' failure */
  result: Promise<{ connection: EppoConnection; workspace: Workspace }>;
  /** cancels the reads, closes the connection, and forgets every outcome */
  discard(): Promise<void>;
}

/** Connects to Eppo and reads the workspace; a failed read closes the connection. */
function startReads(options: PlanWorkspaceOptions, config: Config, cancellable: boolean): Reads {
  const controller = cancellable ? new AbortController() : undefined;
  const result = (async () => {
    const connection = await connectEppo({
      cwd: options.cwd,
      env: options.env,
      local: options.local === true,
      ...(options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl }),
      config,
      client: {
        ...options.client,
        concurrency: options.parallelism ?? config.parallelism ?? DEFAULT_PARALLELISM,
        ...readSignal(controller?.signal, options.signal),
      },
    });
    try {
      return { connection, workspace: await fetchWorkspace(connection.api) };
    } catch (error) {
      await connection.close();
      throw error;
    }
  })();
  // Until someone awaits it, a failure here is not yet anyone's to report.
  result.catch(() => undefined);
  return {
    result,
    async discard() {
      controller?.abort();
      const settled = await result.catch(() => undefined);
      await settled?.connection.close();
    },
  };
}

/** The client's signal: the early reads' own, the caller's, or either. */
function readSignal(own: AbortSignal | undefined, caller: AbortSignal | undefined): { signal?: AbortSignal } {
  const signals = [own, caller].filter((s): s is AbortSignal => s !== undefined);
  if (signals.length === 0) return {};
  return { signal: signals.length === 1 ? signals[0]! : AbortSignal.any(signals) };
}

/**
 * True when `dir` (relative to `cwd`; default experiments) holds at least
 * `count` YAML files, counting no further than that. Links are not followed,
 * and a folder outside `cwd` counts as empty: this only decides whether to
 * read Eppo early, and the validation that follows reports what is wrong.
 */
async function holdsFiles(cwd: string, dir: string | undefined, count: number): Promise<boolean> {
  if (count <= 0) return true;
  if (!Number.isFinite(count)) return false;
  const root = resolve(cwd, dir ?? DEFAULT_DEFINITIONS_DIR);
  if (!isWithin(root, cwd)) return false;
  let found = 0;
  const folders = [root];
  while (folders.length > 0) {
    const folder = folders.pop()!;
    try {
      for await (const entry of await opendir(folder, { bufferSize: 256 })) {
        if (entry.isDirectory()) folders.push(join(folder, entry.name));
        else if (entry.isFile() && isDefinitionFile(entry.name) && ++found >= count) return true;
      }
    } catch {
      // unreadable: validation reports it
    }
  }
  return false;
}
