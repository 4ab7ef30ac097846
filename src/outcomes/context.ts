import { loadConfig, settingsError, type Config } from '../definitions/index.js';
import { checkLocalTarget, connectEppo, type EppoConnection } from '../eppo/index.js';
import { selectGitHost, type GitHost } from '../git-host/index.js';
import { findCheckoutFolder } from '../util/index.js';
import { fetchBaseSettings } from './base-settings.js';
import { fetchDefinitionFiles } from './definition-files.js';
import { recordOutcome, syncOutcomes, type OutcomeLog, type RecordOutcomeResult } from './record.js';

export interface OutcomeContextOptions {
  /** the repository root: eppo-gitops.yaml, the local checkout, `.eppo-local/` */
  cwd: string;
  env: Record<string, string | undefined>;
  /**
   * definitions folder, relative to `cwd` (the folder holding
   * eppo-gitops.yaml) on every git host; default: "dir" in eppo-gitops.yaml
   * on the base branch, else experiments
   */
  dir?: string | undefined;
  /** github | local; default: github when GITHUB_TOKEN and GITHUB_REPOSITORY are set, else local */
  gitHost?: string | undefined;
  /** the embedded emulator instead of Eppo (state in `.eppo-local/`) */
  local?: boolean | undefined;
  /** the Eppo API base URL; beats EPPO_BASE_URL and the settings file */
  baseUrl?: string | undefined;
  /**
   * once aborted, every Eppo and git host request in flight is cancelled and
   * the jobs using them fail (serve cancels its jobs this way when it stops)
   */
  signal?: AbortSignal | undefined;
}

/** Eppo and the git host, opened once for `outcome`, `outcomes sync` and `serve`. */
export interface OutcomeContext {
  connection: EppoConnection;
  /** eppo-gitops.yaml as read when the context opened (`port` is serve's) */
  config: Config;
  host: GitHost;
  /** the project folder (`cwd` in its checkout), from the repository root: `''`, or a path ending in `/` */
  root: string;
  /** the definitions folder, from the repository root, as found at the base head when the context was opened */
  dir: string;
  /** records one experiment's outcome (`recordOutcome` on this context) */
  record(experimentId: number, log?: OutcomeLog): Promise<RecordOutcomeResult>;
  /** proposes every concluded outcome not yet in git (`syncOutcomes` on this context) */
  sync(log?: OutcomeLog): Promise<RecordOutcomeResult[]>;
  close(): Promise<void>;
}

/**
 * Opens Eppo and the git host for the outcome commands. Where to connect
 * (the Eppo URL, the repository, the API URL, the base branch) comes from the
 * options, then the environment, then eppo-gitops.yaml in `cwd`: it is needed
 * before the base branch can be read. What to write (`dir`, `flags`) comes
 * from eppo-gitops.yaml on the base branch, read by every job at the base
 * head with the definitions, `--dir` beating it. Checked at once, before Eppo
 * is asked anything: the Eppo settings (connecting sends no request), then
 * that the host can be used and the definitions folder exists at the base
 * head. A settings file with errors is a ConfigError naming the
 * first one. The caller closes the context.
 */
export async function openOutcomeContext(options: OutcomeContextOptions): Promise<OutcomeContext> {
  checkLocalTarget(options);
  const settings = await loadConfig(options.cwd);
  const refused = settingsError(settings.problems);
  if (refused !== undefined) throw refused;
  const config = settings.config;
  const kind = options.gitHost;
  const env = {
    ...options.env,
    EPPO_GITOPS_BASE_BRANCH: options.env.EPPO_GITOPS_BASE_BRANCH || config.base_branch,
    GITHUB_REPOSITORY: options.env.GITHUB_REPOSITORY || config.github_repository,
    GITHUB_API_URL: options.env.GITHUB_API_URL || config.github_api_url,
  };
  const host = selectGitHost({ ...(kind ? { kind } : {}), cwd: options.cwd, env, signal: options.signal });
  // Every Eppo setting is read first (connecting asks Eppo nothing): a bad one is reported before any git work.
  const connection = await connectEppo({
    cwd: options.cwd,
    env: options.env,
    local: options.local === true,
    ...(options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl }),
    ...(options.signal === undefined ? {} : { client: { signal: options.signal } }),
    config,
  });
  let root: string;
  let dir: string;
  try {
    // Once at start: a server must not find out on every delivery that it cannot commit anywhere.
    await host.check();
    // `dir` means the same on every host: relative to the folder holding eppo-gitops.yaml, in the repository.
    root = await findCheckoutFolder(options.cwd, options.env);
    const head = await host.baseHead();
    dir = (await fetchBaseSettings(host, head.commit, { root, dir: options.dir })).dir;
    await fetchDefinitionFiles(host, dir, () => false, head);
  } catch (error) {
    await connection.close();
    throw error;
  }
  const place = { root, dir: options.dir };
  return {
    connection,
    config,
    host,
    root,
    dir,
    record: (experimentId, log) => recordOutcome({ experimentId, eppo: connection.api, host, ...place, ...(log ? { log } : {}) }),
    sync: (log) => syncOutcomes({ eppo: connection.api, host, ...place, ...(log ? { log } : {}) }),
    close: () => connection.close(),
  };
}
