import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOctokit, gitBlobSha } from '../../src/git-host/index.js';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake-github.js';

let github: FakeGitHub;
beforeEach(async () => {
  github = await startFakeGitHub();
});
afterEach(async () => {
  await github.close();
});
const client = (token = github.token, retries = 0) => createOctokit({ token, baseUrl: github.url, retries, retryBaseMs: 1 });
const repo = { owner: 'acme', repo: 'experiments' };

describe('fake GitHub API (driven by @octokit/rest)', () => {
  it('checks the token', async () => {
    await expect(client('wrong-token').rest.repos.get(repo)).rejects.toMatchObject({ status: 401 });
    expect((await client().rest.repos.get(repo)).data.default_branch).toBe('main');
  });

  it('keeps issue comments: create, list with pagination, update, delete', async () => {
    const octokit = client();
    const issue = await octokit.rest.issues.create({ ...repo, title: 'Drift', body: 'b', labels: ['eppo-drift'] });
    for (let i = 0; i < 3; i++) await octokit.rest.issues.createComment({ ...repo, issue_number: issue.data.number, body: `c${i}` });
    const all = await octokit.paginate(octokit.rest.issues.listComments, { ...repo, issue_number: issue.data.number, per_page: 2 });
    expect(all.map((c) => c.body)).toEqual(['c0', 'c1', 'c2']);
    await octokit.rest.issues.updateComment({ ...repo, comment_id: all[1]!.id, body: 'edited' });
    await octokit.rest.issues.deleteComment({ ...repo, comment_id: all[0]!.id });
    expect(github.comments().map((c) => c.body)).toEqual(['edited', 'c2']);
    expect(github.requests.filter((r) => r.path.endsWith('/comments') && r.method === 'GET')).toHaveLength(2);
  });

  it('keeps issues: list by label and state, update, close', async () => {
    const octokit = client();
    await octokit.rest.issues.create({ ...repo, title: 'A', labels: ['eppo-drift'] });
    const b = await octokit.rest.issues.create({ ...repo, title: 'B', labels: ['other'] });
    const listed = await octokit.rest.issues.listForRepo({ ...repo, labels: 'eppo-drift', state: 'open' });
    expect(listed.data.map((i) => i.title)).toEqual(['A']);
    await octokit.rest.issues.update({ ...repo, issue_number: b.data.number, state: 'closed', body: 'done' });
    expect(github.issues().map((i) => [i.title, i.state, i.body])).toEqual([
      ['A', 'open', null],
      ['B', 'closed', 'done'],
    ]);
    expect((await octokit.rest.issues.listForRepo({ ...repo, state: 'closed' })).data.map((i) => i.title)).toEqual(['B']);
  });

  it('pages issues (pull requests included) newest first or with direction=asc, and records state_reason', async () => {
    const octokit = client();
    for (let i = 1; i <= 3; i++) github.addIssue({ title: `issue ${i}`, labels: ['eppo-drift'], user: 'alice' });
    github.addPull({ title: 'a pull request', labels: ['eppo-drift'] });
    const newest = await octokit.paginate(octokit.rest.issues.listForRepo, { ...repo, labels: 'eppo-drift', per_page: 3 });
    expect(newest.map((i) => [i.number, i.pull_request === undefined, i.user?.login])).toEqual([
      [4, false, 'someone'],
      [3, true, 'alice'],
      [2, true, 'alice'],
      [1, true, 'alice'],
    ]);
    const oldest = await octokit.rest.issues.listForRepo({ ...repo, labels: 'eppo-drift', direction: 'asc', per_page: 2 });
    expect(oldest.data.map((i) => i.number)).toEqual([1, 2]);
    expect(oldest.headers.link).toMatch(/[?&]page=2>; rel="next"/);
    await octokit.rest.issues.update({ ...repo, issue_number: 2, state: 'closed', state_reason: 'not_planned' });
    expect(github.issues().map((i) => [i.number, i.state, i.state_reason])).toEqual([
      [1, 'open', null],
      [2, 'closed', 'not_planned'],
      [3, 'open', null],
    ]);
  });

  it('keeps comments by other users apart from its own, and 404s a comment on a missing issue', async () => {
    const octokit = client();
    const pr = github.addPull({ number: 12, title: 'Change' });
    github.addComment(pr.number, 'LGTM', 'alice');
    await octokit.rest.issues.createComment({ ...repo, issue_number: 12, body: 'plan' });
    expect(github.comments().map((c) => [c.user.login, c.user.type, c.body])).toEqual([
      ['alice', 'User', 'LGTM'],
      [github.botLogin, 'Bot', 'plan'],
    ]);
    const listed = await octokit.rest.issues.listComments({ ...repo, issue_number: 12 });
    expect(listed.data.map((c) => c.html_url)).toEqual([
      'https://github.test/acme/experiments/pull/12#issuecomment-1000',
      'https://github.test/acme/experiments/pull/12#issuecomment-1001',
    ]);
    await expect(octokit.rest.issues.createComment({ ...repo, issue_number: 99, body: 'x' })).rejects.toMatchObject({ status: 404 });
    expect(() => github.addComment(99, 'x')).toThrow(/no issue or pull request #99/);
  });

  it('refuses every write with failWritesWith, and reads still work', async () => {
    const octokit = client();
    github.failWritesWith = 403;
    await expect(octokit.rest.issues.create({ ...repo, title: 'x' })).rejects.toMatchObject({ status: 403, message: expect.stringContaining('Resource not accessible by integration') });
    expect((await octokit.rest.issues.listForRepo(repo)).status).toBe(200);
    github.failWritesWith = undefined;
    expect((await octokit.rest.issues.create({ ...repo, title: 'x' })).status).toBe(201);
    expect(github.requests.map((r) => [r.method, r.status])).toEqual([
      ['POST', 403],
      ['GET', 200],
      ['POST', 201],
    ]);
  });

  it('injects faults: 502s are retried by the client, rate limits answer 403 with Retry-After', async () => {
    github.failNext(2, 502);
    expect((await client(github.token, 3).rest.repos.get(repo)).status).toBe(200);
    expect(github.requests.map((r) => r.status)).toEqual([502, 502, 200]);
    github.secondaryRateLimitNext(1, 1);
    expect((await client(github.token, 2).rest.repos.get(repo)).status).toBe(200);
    expect(github.requests.slice(3).map((r) => r.status)).toEqual([403, 200]);
  });

  it('refuses a non-fast-forward ref update unless forced, and a second open PR for one head', async () => {
    const octokit = client();
    const main = github.branchHead('main')!;
    const side = github.commitFiles({ 'a.txt': 'a\n' }, { branch: 'main' });
    await octokit.rest.git.createRef({ ...repo, ref: 'refs/heads/topic', sha: side });
    await expect(octokit.rest.git.createRef({ ...repo, ref: 'refs/heads/topic', sha: side })).rejects.toMatchObject({ status: 422 });
    await expect(octokit.rest.git.updateRef({ ...repo, ref: 'heads/topic', sha: main })).rejects.toMatchObject({ status: 422 });
    await octokit.rest.git.updateRef({ ...repo, ref: 'heads/topic', sha: main, force: true });
    github.commitFiles({ 'b.txt': 'b\n' }, { branch: 'topic' });
    const pr = await octokit.rest.pulls.create({ ...repo, head: 'topic', base: 'main', title: 't', body: 'b' });
    await expect(octokit.rest.pulls.create({ ...repo, head: 'topic', base: 'main', title: 't', body: 'b' })).rejects.toMatchObject({ status: 422 });
    github.mergePull(pr.data.number);
    expect(github.files('main')).toEqual({ 'a.txt': 'a\n', 'b.txt': 'b\n' });
    expect((await octokit.rest.pulls.get({ ...repo, pull_number: pr.data.number })).data.merged).toBe(true);
  });
  it('compares like GitHub (three dots): the head\'s change since the merge base, file by file', async () => {
    const octokit = client();
    const root = github.commitFiles({ 'keep.txt': 'k\n', 'gone.txt': 'g\n', 'run.sh': 'echo\n', 'edit.txt': 'one\ntwo\n' });
    await octokit.rest.git.createRef({ ...repo, ref: 'refs/heads/topic', sha: root });
    const topic = github.commitFiles({ 'gone.txt': null, 'new.txt': 'n\n', 'edit.txt': 'one\nTWO\nthree\n' }, { branch: 'topic', modes: { 'run.sh': '100755' } });
    github.commitFiles({ 'run.sh': 'echo\n' }, { branch: 'topic', modes: { 'run.sh': '100755' } });
    const topicHead = github.branchHead('topic')!;
    const mainMoved = github.commitFiles({ 'main-only.txt': 'm\n' });

    const { data } = await octokit.rest.repos.compareCommitsWithBasehead({ ...repo, basehead: `main...topic` });
    expect(data).toMatchObject({ status: 'diverged', ahead_by: 2, behind_by: 1, total_commits: 2 });
    expect(data.merge_base_commit.sha).toBe(root);
    expect(data.base_commit.sha).toBe(mainMoved);
    expect(data.commits.map((c) => c.sha)).toEqual([topic, topicHead]);
    expect(data.files!.map((f) => [f.filename, f.status, f.sha, f.additions, f.deletions])).toEqual([
      ['edit.txt', 'modified', gitBlobSha('one\nTWO\nthree\n'), 2, 1],
      ['gone.txt', 'removed', gitBlobSha('g\n'), 0, 1],
      ['new.txt', 'added', gitBlobSha('n\n'), 1, 0],
      // a change of mode only: GitHub gives no blob
      ['run.sh', 'modified', null, 0, 0],
    ]);

    const same = await octokit.rest.repos.compareCommits({ ...repo, base: topicHead, head: 'topic' });
    expect(same.data).toMatchObject({ status: 'identical', ahead_by: 0, behind_by: 0, files: [] });
    const behind = await octokit.rest.repos.compareCommitsWithBasehead({ ...repo, basehead: `${mainMoved}...${root}` });
    expect(behind.data).toMatchObject({ status: 'behind', ahead_by: 0, behind_by: 1, files: [] });
    const ahead = await octokit.rest.repos.compareCommitsWithBasehead({ ...repo, basehead: `${root}...${mainMoved}` });
    expect(ahead.data).toMatchObject({ status: 'ahead', ahead_by: 1, behind_by: 0 });
    expect(ahead.data.files!.map((f) => [f.filename, f.status])).toEqual([['main-only.txt', 'added']]);

    github.commitFiles({ 'x.txt': 'x\n' }, { branch: 'orphan' });
    await expect(octokit.rest.repos.compareCommitsWithBasehead({ ...repo, basehead: 'main...orphan' })).rejects.toMatchObject({ status: 404, message: expect.stringContaining('No common ancestor between main and orphan.') });
    await expect(octokit.rest.repos.compareCommitsWithBasehead({ ...repo, basehead: 'main...nope' })).rejects.toMatchObject({ status: 404 });
  });
});
