import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { PLAN_COMMENT_MARKER } from '../../src/reconcile/index.js';
import { captureIo } from '../helpers/io.js';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake-github.js';

// plan/apply with the --github-* flags, end to end: the real CLI in-process, the
// embedded emulator (--local) and a fake GitHub API over HTTP.
let github: FakeGitHub;
let dir: string;
let env: Record<string, string>;

beforeEach(async () => {
  github = await startFakeGitHub();
  github.addPull({ number: 7, title: 'Change experiments', head: 'change-experiments' });
  dir = await mkdtemp(join(tmpdir(), 'eppo-gitops-plan-github-'));
  await cp(join(process.cwd(), 'experiments'), join(dir, 'experiments'), { recursive: true });
  const event = join(dir, 'event.json');
  await writeFile(event, JSON.stringify({ pull_request: { number: 7 } }));
  env = {
    GITHUB_TOKEN: github.token,
    GITHUB_REPOSITORY: `${github.owner}/${github.repo}`,
    GITHUB_API_URL: github.url,
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: event,
    GITHUB_STEP_SUMMARY: join(dir, 'summary.md'),
    GITHUB_SERVER_URL: 'https://github.example',
    GITHUB_RUN_ID: '42',
  };
});

afterEach(async () => {
  await github.close();
  await rm(dir, { recursive: true, force: true });
});

async function run(args: string[]) {
  const io = captureIo({ cwd: dir, env });
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

describe('plan --github-comment / --github-summary', () => {
  it('posts one sticky comment on the first plan and edits it on the next', async () => {
    const first = await run(['plan', '--local', '--github-comment', '--github-summary']);
    expect(first.code).toBe(0);
    expect(first.err).toMatch(/plan comment created: /);
    expect(github.comments()).toHaveLength(1);
    expect(github.comments()[0]!.issue_number).toBe(7);
    expect(github.comments()[0]!.body.startsWith(PLAN_COMMENT_MARKER)).toBe(true);
    expect(github.comments()[0]!.body).toContain('3 to create');

    const checklist = join(dir, 'experiments/onboarding-checklist.yaml');
    await writeFile(checklist, (await readFile(checklist, 'utf8')).replace('name: Onboarding checklist', 'name: Onboarding checklist v2'));
    const second = await run(['plan', '--local', '--github-comment', '--github-summary']);
    expect(second.code).toBe(0);
    expect(second.err).toMatch(/plan comment updated: /);
    expect(github.comments()).toHaveLength(1);
    expect(github.comments()[0]!.body).toContain('Onboarding checklist v2');
    expect(github.writes().map((r) => r.method)).toEqual(['POST', 'PATCH']);

    const summary = await readFile(env.GITHUB_STEP_SUMMARY!, 'utf8');
    expect(summary.match(/### eppo-gitops plan/g)).toHaveLength(2);
  });

  it('shows validation problems in the comment when the definitions do not validate', async () => {
    const checklist = join(dir, 'experiments/onboarding-checklist.yaml');
    await writeFile(checklist, (await readFile(checklist, 'utf8')).replace('weight: 0.2', 'weight: 0.3'));
    const result = await run(['plan', '--local', '--github-comment']);
    expect(result.code).toBe(1);
    expect(github.comments()).toHaveLength(1);
    expect(github.comments()[0]!.body).toContain('The definitions have errors; no plan was made.');
    expect(github.comments()[0]!.body).toContain('experiments/onboarding-checklist.yaml');
    expect(github.comments()[0]!.body).toContain('[weights-sum]');
  });

  it('trust item 9: EPPO_GITOPS_BOT_LOGIN names the one bot whose marked comment is the plan', async () => {
    await github.close();
    github = await startFakeGitHub({ login: 'eppo-plans[bot]' });
    github.addPull({ number: 7, title: 'Change experiments', head: 'change-experiments' });
    env.GITHUB_API_URL = github.url;
    const planted = github.addComment(7, `${PLAN_COMMENT_MARKER}\nPlan: no changes`, 'other-app[bot]');

    env.EPPO_GITOPS_BOT_LOGIN = 'eppo-plans[bot]';
    const first = await run(['plan', '--local', '--github-comment']);
    expect(first.err).toMatch(/plan comment created: /);
    const second = await run(['plan', '--local', '--github-comment']);
    expect(second.err).toMatch(/plan comment unchanged: /);
    expect(github.comments().map((c) => c.user.login)).toEqual(['other-app[bot]', 'eppo-plans[bot]']);
    expect(github.comments()[0]!.body).toBe(planted.body);

    env.EPPO_GITOPS_BOT_LOGIN = 'not a login';
    const bad = await run(['plan', '--local', '--github-comment']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^error: EPPO_GITOPS_BOT_LOGIN is "not a login", which is not a GitHub login; set it to the login GITHUB_TOKEN posts as/m);
    expect(github.comments()).toHaveLength(2);
  });

  it('trust item 10: a stalled GitHub fails the comment after GITHUB_TIMEOUT_SECONDS, with a message that says what to do', async () => {
    env.GITHUB_TIMEOUT_SECONDS = '0.2';
    github.stallNext(1);
    const result = await run(['plan', '--local', '--github-comment']);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/^error: GitHub: listing the comments of acme\/experiments#7 failed: no complete answer within 0\.2 s; check GITHUB_API_URL and the network, or allow more time with GITHUB_TIMEOUT_SECONDS$/m);
    expect(github.comments()).toHaveLength(0);
  });

  it('explains what is missing outside GitHub Actions instead of failing obscurely', async () => {
    delete env.GITHUB_EVENT_PATH;
    const result = await run(['plan', '--local', '--github-comment']);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/--github-comment/);
    expect(github.comments()).toHaveLength(0);
  });
});

describe('plan --github-drift-issue and apply --github-summary', () => {
  it('opens one drift issue while there are changes and closes it once applied', async () => {
    const drift = await run(['plan', '--local', '--detailed-exitcode', '--github-drift-issue']);
    expect(drift.code).toBe(2);
    expect(github.issues().filter((i) => i.state === 'open' && i.labels.includes('eppo-drift'))).toHaveLength(1);

    const again = await run(['plan', '--local', '--detailed-exitcode', '--github-drift-issue']);
    expect(again.code).toBe(2);
    expect(github.issues()).toHaveLength(1);

    const applied = await run(['apply', '--local', '--yes', '--github-summary']);
    expect(applied.code).toBe(0);
    const summary = await readFile(env.GITHUB_STEP_SUMMARY!, 'utf8');
    expect(summary).toContain('### eppo-gitops apply');
    expect(summary).toContain('| onboarding-checklist | create | applied |');

    const clean = await run(['plan', '--local', '--detailed-exitcode', '--github-drift-issue']);
    expect(clean.code).toBe(0);
    expect(github.issues()).toHaveLength(1);
    expect(github.issues()[0]!.state).toBe('closed');
  });

  it('apply --github-summary outside GitHub Actions fails before it plans or changes anything', async () => {
    delete env.GITHUB_STEP_SUMMARY;
    const applied = await run(['apply', '--local', '--yes', '--github-summary']);
    expect(applied.code).toBe(1);
    expect(applied.err).toBe('error: --github-summary needs GITHUB_STEP_SUMMARY (the job summary file GitHub Actions provides); run it in GitHub Actions, or drop --github-summary\n');
    expect(applied.out).toBe('');

    const saved = await run(['plan', '--local', '--out', 'plan.json']);
    expect(saved.code).toBe(0);
    const fromFile = await run(['apply', '--local', '--github-summary', 'plan.json']);
    expect(fromFile.code).toBe(1);
    expect(fromFile.err).toMatch(/^error: --github-summary needs GITHUB_STEP_SUMMARY/);
    expect(fromFile.out).toBe('');

    // nothing reached Eppo: all three creates are still to do
    const after = await run(['plan', '--local', '--detailed-exitcode']);
    expect(after.code).toBe(2);
    expect(after.out).toContain('3 to create');
  });

  it.each([
    ['--github-comment', 'GITHUB_TOKEN', /^error: --github-comment needs GITHUB_TOKEN/],
    ['--github-comment', 'GITHUB_EVENT_PATH', /^error: --github-comment needs a pull request/],
    ['--github-summary', 'GITHUB_STEP_SUMMARY', /^error: --github-summary needs GITHUB_STEP_SUMMARY/],
    ['--github-drift-issue', 'GITHUB_REPOSITORY', /^error: --github-drift-issue needs GITHUB_REPOSITORY/],
    ['--github-drift-issue', 'GITHUB_TOKEN', /^error: --github-drift-issue needs GITHUB_TOKEN/],
  ])('plan %s without %s fails before it reads Eppo or saves the plan', async (flag, missing, message) => {
    delete env[missing];
    const result = await run(['plan', '--local', '--out', 'plan.json', flag]);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(message);
    expect(result.out).toBe('');
    await expect(readFile(join(dir, 'plan.json'), 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(github.requests).toEqual([]);
  });
});
