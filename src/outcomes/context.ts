import { loadConfig, resolveDefinitionsDir, settingsError, type Config } from '../definitions/index.js';
import { checkLocalTarget, connectEppo, type EppoConnection } from '../eppo/index.js';
import { selectGitHost, type GitHost } from '../git-host/index.js';
import { recordOutcome, syncOutcomes, type OutcomeLog, type RecordOutcomeResult } from './record.js';

export interface OutcomeContextOptions {
  /** the repository root: eppo-gitops.yaml, the local checkout, `.eppo-local/` */
  cwd: string;
  env: Record<string, string | undefined>;
  /** definitions folder; default: "dir" in eppo-gitops.yaml, else experiments */
  dir?: string | undefined;
  /** github | local; default: github when GITHUB_TOKEN and GITHUB_REPOSITORY are set, else local */
  gitHost?: string | undefined;
  /** the embedded emulator instead of Eppo (state in `.eppo-local/`) */
  local?: boolean | undefined;
  /** the Eppo API base URL; beats EPPO_BASE_URL and the settings file */
  baseUrl?: string | undefined;
}

/** Eppo and the git host, opened once for `outcome`, `outcomes sync` and `serve`. */
export interface OutcomeContext {
  connection: EppoConnection;
  /** eppo-gitops.yaml as read when the context opened (`port` is serve's) */
  config: Config;
  host: GitHost;
  /** the definitions folder, relative to the repository root */
  dir: string;
  /** records one experiment's outcome (`recordOutcome` on this context) */
  record(experimentId: number, log?: OutcomeLog): Promise<RecordOutcomeResult>;
  /** proposes every concluded outcome not yet in git (`syncOutcomes` on this context) */
  sync(log?: OutcomeLog): Promise<RecordOutcomeResult[]>;
  close(): Promise<void>;
}

/**
 * Opens Eppo and the git host for the outcome commands: options beat the
 * environment, which beats eppo-gitops.yaml. A settings file with errors is a
 * ConfigError naming the first one. The caller closes the context.
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
  const host = selectGitHost({ ...(kind ? { kind } : {}), cwd: options.cwd, env });
  // Once at start: a server must not find out on every delivery that it cannot commit anywhere.
  await host.check();
  const dir = resolveDefinitionsDir(options.dir, config);
  const connection = await connectEppo({
    cwd: options.cwd,
    env: options.env,
    local: options.local === true,
    ...(options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl }),
    config,
  });
  return {
    connection,
    config,
    host,
    dir,
    record: (experimentId, log) => recordOutcome({ experimentId, eppo: connection.api, host, dir, ...(log ? { log } : {}) }),
    sync: (log) => syncOutcomes({ eppo: connection.api, host, dir, ...(log ? { log } : {}) }),
    close: () => connection.close(),
  };
}
