import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkGitHubTargets, publishPlan } from '../../src/ci-report/index.js';
import { ConfigError } from '../../src/errors.js';
import { emptyPlan } from '../../src/reconcile/index.js';

const DRIFT_ONLY = { comment: false, summary: false, driftIssue: true };
const BAD_LOGIN = /^EPPO_GITOPS_BOT_LOGIN is "not a login", which is not a GitHub login/;

let dir: string;
let env: Record<string, string>;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eppo-gitops-publish-'));
  const summary = join(dir, 'summary.md');
  await writeFile(summary, '');
  // No request is ever sent: every check fails before the first one.
  env = { GITHUB_TOKEN: 'ghs_0123456789abcdef', GITHUB_REPOSITORY: 'acme/experiments', GITHUB_API_URL: 'http://127.0.0.1:1', GITHUB_STEP_SUMMARY: summary, EPPO_GITOPS_BOT_LOGIN: 'not a login' };
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the GitHub targets are checked before anything is written', () => {
  it('an EPPO_GITOPS_BOT_LOGIN that is no login fails --github-drift-issue alone at once', async () => {
    const error = await checkGitHubTargets({ env }, DRIFT_ONLY).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(BAD_LOGIN);
  });

  it('publishPlan writes no job summary when the drift issue could not be written', async () => {
    const error = await publishPlan({ env }, { ...DRIFT_ONLY, summary: true }, { plan: emptyPlan(), problems: [] }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(BAD_LOGIN);
    expect(await readFile(env.GITHUB_STEP_SUMMARY!, 'utf8')).toBe('');
  });
});
