/**
 * The flag file globs init suggests (commented out in eppo-gitops.yaml) and
 * watches in the workflows' path filters when the settings name none, so
 * uncommenting the block needs no workflow change. One glob with
 * alternatives: a JSON-only folder does not warn that a YAML glob matches
 * nothing.
 */
export const DEFAULT_FLAG_FILES: readonly string[] = ['flags/*.flagd.{json,yaml,yml}'];

export interface SettingsOptions {
  /** the definitions folder, relative to the file (POSIX separators) */
  dir: string;
  /** the config schema's path relative to the file */
  schemaPath: string;
}

/**
 * eppo-gitops.yaml with every setting and its default spelled out and
 * explained. Settings without a fixed default are shown commented out. Pure.
 */
export function renderSettingsFile(options: SettingsOptions): string {
  return `# yaml-language-server: $schema=${options.schemaPath}
# eppo-gitops settings, written by "eppo-gitops init". The values are the
# defaults. Flags beat environment variables, which beat this file.
# This file is committed, so it never holds a secret: EPPO_API_KEY, GITHUB_TOKEN
# and EPPO_WEBHOOK_SECRET come from the environment (repository secrets in CI).

# The folder of experiment definitions, relative to this file (flag --dir).
dir: ${quote(options.dir)}

# The Eppo REST API (env EPPO_BASE_URL). This file comes with pull requests,
# so it may only name Eppo's own host or loopback: another host (a proxy, a
# regional endpoint elsewhere) must come from EPPO_BASE_URL or --base-url.
eppo_base_url: https://eppo.cloud/api/v1

# Requests to Eppo in flight at once, 1 to 64 (flag --parallelism).
parallelism: 4

# The GitHub API (env GITHUB_API_URL). Only api.github.com or loopback here:
# for GitHub Enterprise set GITHUB_API_URL (GitHub Actions sets it).
github_api_url: https://api.github.com

# The port "eppo-gitops serve" listens on (env PORT).
port: 8080

# The branch outcome pull requests target (env EPPO_GITOPS_BASE_BRANCH).
# Default: the repository's default branch.
# base_branch: main

# The repository as owner/repo, for outcome pull requests and PR comments
# (env GITHUB_REPOSITORY, which GitHub Actions sets).
# github_repository: acme/experiments

# Flag files (flagd): check each experiment against the split its flag serves,
# and roll the winner out in the outcome pull request.
# flags:
#   files: ['${DEFAULT_FLAG_FILES.join("', '")}']   # globs, relative to this file
#   rollout: winner                            # winner (default) | off

# The names "eppo-gitops new <flag-key>" writes into a new experiment file
# when --entity and --assignment-source are not given.
# defaults:
#   entity: user
#   assignment_source: User assignments
`;
}

/** A plain scalar when that reads back as the same string, else single-quoted. */
function quote(value: string): string {
  return /^[A-Za-z0-9_][A-Za-z0-9_./-]*$/.test(value) && !/^(true|false|null|yes|no|on|off|~)$/i.test(value) && !/^[0-9.]+$/.test(value)
    ? value
    : `'${value.replace(/'/g, "''")}'`;
}
