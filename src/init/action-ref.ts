import { UsageError } from '../errors.js';

/** A reference to the eppo-gitops composite action: `owner/repo@ref`. */
export interface ActionRef {
  owner: string;
  repo: string;
  ref: string;
}

/** What of package.json the action reference is built from. */
export interface PackageInfo {
  version: string;
  repository?: string | { type?: string; url?: string; directory?: string };
}

const NAME = /^[A-Za-z0-9_.-]+$/;
const REF = /^[A-Za-z0-9_.][A-Za-z0-9_./-]*$/;
const MOVING = /^(main|master|HEAD|latest|trunk|develop)$/i;

/**
 * The action a team's workflows should use, from the package's `repository`
 * field (GitHub only) and the major version tag the release workflow moves
 * (`v1` for 1.x). Pure. Throws a UsageError naming `--action` when the field
 * is missing or not a GitHub repository.
 */
export function buildActionRef(pkg: PackageInfo): ActionRef {
  const url = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
  const found = url === undefined ? undefined : githubRepository(url);
  if (found === undefined) {
    throw new UsageError(
      `eppo-gitops's package.json names no GitHub repository${url === undefined ? '' : ` ("${url}")`}, so the action for the workflows is unknown; pass --action OWNER/REPO@REF`,
    );
  }
  const major = /^(\d+)\./.exec(pkg.version)?.[1];
  if (major === undefined) throw new UsageError(`eppo-gitops's version "${pkg.version}" is not semver; pass --action OWNER/REPO@REF`);
  return { ...found, ref: `v${major}` };
}

/**
 * Reads `--action OWNER/REPO@REF`. The ref must be a tag, a release branch or a
 * commit SHA: a moving branch such as main is refused, since every run would
 * then execute whatever was pushed last.
 */
export function parseActionRef(text: string): ActionRef {
  const match = /^([^/@\s]+)\/([^/@\s]+)@(\S+)$/.exec(text.trim());
  if (match === null || !NAME.test(match[1]!) || !NAME.test(match[2]!) || !REF.test(match[3]!) || match[3]!.includes('..')) {
    throw new UsageError(`--action must look like OWNER/REPO@REF (e.g. eppo-gitops/eppo-gitops@v1, or a commit SHA after the @), not "${text}"`);
  }
  if (MOVING.test(match[3]!)) {
    throw new UsageError(`--action ${text} follows the moving branch "${match[3]}"; pin a release tag (e.g. v1) or a commit SHA`);
  }
  return { owner: match[1]!, repo: match[2]!, ref: match[3]! };
}

/** `owner/repo@ref`, as written after `uses:`. */
export function renderActionRef(action: ActionRef): string {
  return `${action.owner}/${action.repo}@${action.ref}`;
}

/** owner and repo of a github.com repository URL in any form npm accepts. */
function githubRepository(url: string): { owner: string; repo: string } | undefined {
  const patterns = [
    /^(?:git\+)?(?:https?|ssh|git):\/\/(?:[^@/]+@)?github\.com\/([^/]+)\/([^/#]+?)(?:\.git)?\/?(?:#.*)?$/,
    /^git@github\.com:([^/]+)\/([^/#]+?)(?:\.git)?(?:#.*)?$/,
    /^(?:github:)?([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?(?:#.*)?$/,
  ];
  for (const pattern of patterns) {
    const match = pattern.exec(url.trim());
    if (match !== null && NAME.test(match[1]!) && NAME.test(match[2]!)) return { owner: match[1]!, repo: match[2]! };
  }
  return undefined;
}
