import type { ActionRef } from './action-ref.js';

/** A `uses: OWNER/REPO@REF` line (a step's action, no sub-path), with an optional trailing comment. */
const USES_LINE = /^([ \t]*(?:-[ \t]+)?uses:[ \t]*)(['"]?)([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)@([A-Za-z0-9_./-]+)\2([ \t]*#[^\r\n]*)?[ \t]*(?=\r?$)/gm;

/**
 * The references (`owner/repo@ref`, distinct, in file order) of the steps in a
 * workflow that run the eppo-gitops action: `uses:` lines whose repository is
 * named one of `repos` (the package's own, and the one given with --action, so
 * a fork with the same name counts too). Third-party actions such as
 * actions/checkout never match. Pure.
 */
export function findActionUses(text: string, repos: readonly string[]): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(USES_LINE)) if (repos.includes(m[4]!)) found.add(`${m[3]}/${m[4]}@${m[5]}`);
  return [...found];
}

/**
 * The workflow with every eppo-gitops `uses:` line (see findActionUses)
 * pointing at `action`, and nothing else changed: a user's own steps, comments
 * and layout stay as they are. A trailing comment on such a line (a version
 * such as `# v0.1.0`) described the old reference and is dropped. Pure.
 */
export function retargetActionUses(text: string, repos: readonly string[], action: ActionRef): string {
  return text.replace(USES_LINE, (line, lead: string, _quote: string, _owner: string, repo: string) =>
    repos.includes(repo) ? `${lead}${action.owner}/${action.repo}@${action.ref}` : line,
  );
}

/** `owner/repo@ref` read back from a workflow, without the checks --action gets (it is already there). */
export function readActionUses(text: string): ActionRef | undefined {
  const match = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)@([A-Za-z0-9_./-]+)$/.exec(text);
  return match === null ? undefined : { owner: match[1]!, repo: match[2]!, ref: match[3]! };
}
