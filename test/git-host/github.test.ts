import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitHubHost, createOctokit, gitBlobSha, type FileChange, type GitHost, type WriteBranchRequest } from '../../src/git-host/index.js';
import { GitHostError, InternalError } from '../../src/errors.js';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake-github.js';

const REPO = '/repos/acme/experiments';
const BRANCH = 'eppo-gitops/outcome/a';
const DEF = 'experiment_key: a\r\nname: A   # keep me\r\n';
const FLAG_PATH = 'flags/a.flagd.json';
const FLAG = '{"flags":{}}\n';

let github: FakeGitHub;
let host: GitHost;
const newHost = (): GitHost =>
  createGitHubHost({ octokit: createOctokit({ token: github.token, baseUrl: github.url, retries: 0, retryBaseMs: 1 }), owner: github.owner, repo: github.repo });

beforeEach(async () => {
  github = await startFakeGitHub();
  github.commitFiles(
    { 'experiments/a.yaml': DEF, 'experiments/nested/b.yml': 'experiment_key: b\n', 'experiments/link.yaml': 'a.yaml', 'tools/run.sh': 'echo hi\n', [FLAG_PATH]: FLAG, 'README.md': 'readme\n' },
    { message: 'definitions', modes: { 'experiments/link.yaml': '120000', 'tools/run.sh': '100755' } },
  );
  host = newHost();
});
afterEach(async () => {
  await github.close();
});

/** requests as `METHOD path` with commit, tree and blob ids written SHA */
const calls = (): string[] => github.requests.map((r) => `${r.method} ${r.path.replace(/[0-9a-f]{40}/g, 'SHA')}${r.query.recursive ? '?recursive' : ''}`);
const writes = (): string[] => github.writes().map((r) => `${r.method} ${r.path}`);
const bodies = (): Array<Record<string, any>> => github.writes().map((r) => r.body as Record<string, any>);
/** the paths a branch changes against main, as the fake's own trees say */
const changedPaths = (branch: string): string[] => github.changedFiles(branch);
function write(files: FileChange[], over: Partial<WriteBranchRequest> = {}): WriteBranchRequest {
  return { branch: BRANCH, base: github.branchHead('main')!, files, message: 'Record outcome of a\n\nbody\n', ...over };
}
const definition = { path: 'experiments/a.yaml', text: `${DEF}outcome: green\r\n` };
const flag = { path: FLAG_PATH, text: '{"flags":{"a":{"defaultVariant":"green"}}}\n' };

describe('github git host primitives (fake GitHub API, real octokit)', () => {
  it('reads the base head, a listing with modes and blob ids, and blobs; a commit is asked for its tree, and the tree for its listing, once', async () => {
    const head = github.branchHead('main')!;
    for (const round of [1, 2]) {
      github.clearRequests();
      expect(await host.baseHead()).toEqual({ branch: 'main', commit: head });
      const listing = await host.listFiles(head, 'experiments');
      expect(listing).toEqual([
        { path: 'experiments/a.yaml', mode: '100644', blob: gitBlobSha(DEF) },
        { path: 'experiments/link.yaml', mode: '120000', blob: gitBlobSha('a.yaml') },
        { path: 'experiments/nested/b.yml', mode: '100644', blob: gitBlobSha('experiment_key: b\n') },
      ]);
      expect(await host.readBlobs(listing.map((f) => f.blob))).toEqual([DEF, 'a.yaml', 'experiment_key: b\n']);
      expect(calls()).toEqual([
        ...(round === 1 ? [`GET ${REPO}`] : []),
        `GET ${REPO}/git/ref/heads/main`,
        ...(round === 1 ? [`GET ${REPO}/git/commits/SHA`, `GET ${REPO}/git/trees/SHA?recursive`] : []),
        `GET ${REPO}/git/blobs/SHA`,
        `GET ${REPO}/git/blobs/SHA`,
        `GET ${REPO}/git/blobs/SHA`,
      ]);
    }
    expect((await host.listFiles(head, './')).map((f) => [f.path, f.mode])).toEqual([
      ['README.md', '100644'],
      ['experiments/a.yaml', '100644'],
      ['experiments/link.yaml', '120000'],
      ['experiments/nested/b.yml', '100644'],
      [FLAG_PATH, '100644'],
      ['tools/run.sh', '100755'],
    ]);
    expect(await host.readBlobs([])).toEqual([]);
  });

  it('a listing GitHub truncates is walked down to the folder and listed from there', async () => {
    const bulk: Record<string, string> = {};
    for (let i = 0; i < 30; i++) bulk[`src/module-${i}.ts`] = `export const x${i} = ${i};\n`;
    const head = github.commitFiles(bulk);
    github.setTreeLimit(10);
    for (const _round of [1, 2]) {
      github.clearRequests();
      expect((await host.listFiles(head, 'experiments/nested')).map((f) => f.path)).toEqual(['experiments/nested/b.yml']);
      expect(github.requests.filter((r) => r.path.includes('/git/trees/')).map((r) => r.query.recursive ?? 'flat')).toEqual(['true', 'flat', 'flat', 'true']);
      expect(await host.listFiles(head, 'nowhere')).toEqual([]);
    }
  });

  it('finds the pull requests from one branch, open and closed, merged or not', async () => {
    github.addPull({ title: 'first', body: 'b1', head: BRANCH, state: 'closed' });
    github.addPull({ title: 'other branch', head: 'eppo-gitops/outcome/b' });
    const open = github.addPull({ title: 'second', body: null, head: BRANCH, labels: ['experiment-outcome'] });
    github.mergePull(open.number);
    const third = github.addPull({ title: 'third', body: 'b3', head: BRANCH });
    for (const _round of [1, 2]) {
      github.clearRequests();
      expect(await host.findPullRequests(BRANCH)).toEqual([
        { number: 1, url: 'https://github.test/acme/experiments/pull/1', state: 'closed', merged: false, title: 'first', body: 'b1', labels: [] },
        { number: 3, url: 'https://github.test/acme/experiments/pull/3', state: 'closed', merged: true, title: 'second', body: '', labels: ['experiment-outcome'] },
        { number: third.number, url: `https://github.test/acme/experiments/pull/${third.number}`, state: 'open', merged: false, title: 'third', body: 'b3', labels: [] },
      ]);
      expect(github.requests.map((r) => [r.method, r.path, r.query])).toEqual([['GET', `${REPO}/pulls`, { state: 'all', head: `acme:${BRANCH}`, per_page: '100' }]]);
    }
    expect(await host.findPullRequests('no-such-branch')).toEqual([]);
  });

  it('writes several files as one commit on the base: blobs, one tree, one commit, the ref; twice is once', async () => {
    const base = github.branchHead('main')!;
    const baseTree = github.commit(base)!.tree;
    let commit = '';
    for (const round of [1, 2]) {
      github.clearRequests();
      const result = await host.writeBranch(write([definition, flag]));
      if (round === 1) {
        commit = github.branchHead(BRANCH)!;
        expect(result).toEqual({ action: 'created', branch: BRANCH, commit });
        expect(writes()).toEqual([`POST ${REPO}/git/blobs`, `POST ${REPO}/git/blobs`, `POST ${REPO}/git/trees`, `POST ${REPO}/git/commits`, `POST ${REPO}/git/refs`]);
        const [blob1, blob2, tree, made, ref] = bodies();
        expect(Buffer.from(blob1!.content, 'base64').toString('utf8')).toBe(definition.text);
        expect(Buffer.from(blob2!.content, 'base64').toString('utf8')).toBe(flag.text);
        expect(tree).toEqual({
          base_tree: baseTree,
          tree: [
            { path: definition.path, mode: '100644', type: 'blob', sha: gitBlobSha(definition.text) },
            { path: FLAG_PATH, mode: '100644', type: 'blob', sha: gitBlobSha(flag.text) },
          ],
        });
        expect(made).toEqual({ message: 'Record outcome of a\n\nbody\n', tree: expect.stringMatching(/^[0-9a-f]{40}$/), parents: [base] });
        expect(ref).toEqual({ ref: `refs/heads/${BRANCH}`, sha: commit });
      } else {
        expect(result).toEqual({ action: 'unchanged', branch: BRANCH, commit });
        expect(writes()).toEqual([]);
        // The branch's change against the base head: the default branch is looked up once per host.
        expect(calls()).toEqual([`GET ${REPO}/git/ref/heads/${BRANCH}`, `GET ${REPO}`, `GET ${REPO}/git/ref/heads/main`, `GET ${REPO}/compare/SHA...SHA`]);
      }
      expect(github.commit(commit)!.parents).toEqual([base]);
      expect(changedPaths(BRANCH)).toEqual([definition.path, FLAG_PATH]);
      expect(github.readFile(BRANCH, FLAG_PATH)).toBe(flag.text);
      expect(github.branchHead('main')).toBe(base);
    }
  });

  it('a later write with fewer files drops the extra one (the branch is forced to a new commit on the base)', async () => {
    await host.writeBranch(write([definition, flag]));
    const first = github.branchHead(BRANCH);
    for (const round of [1, 2]) {
      github.clearRequests();
      const result = await host.writeBranch(write([definition]));
      expect(result.action).toBe(round === 1 ? 'updated' : 'unchanged');
      if (round === 1) {
        expect(writes()).toEqual([`POST ${REPO}/git/blobs`, `POST ${REPO}/git/trees`, `POST ${REPO}/git/commits`, `PATCH ${REPO}/git/refs/heads/${BRANCH}`]);
        expect(bodies()[1]!.tree).toEqual([{ path: definition.path, mode: '100644', type: 'blob', sha: gitBlobSha(definition.text) }]);
        expect(bodies()[3]).toEqual({ sha: result.commit, force: true });
      } else {
        expect(writes()).toEqual([]);
      }
      expect(github.branchHead(BRANCH)).not.toBe(first);
      expect(github.commit(github.branchHead(BRANCH)!)!.parents).toEqual([github.branchHead('main')]);
      expect(changedPaths(BRANCH)).toEqual([definition.path]);
      expect(github.readFile(BRANCH, FLAG_PATH)).toBe(FLAG);
    }
    // A file given with the text it has at the base is no change: the branch already holds exactly that.
    github.clearRequests();
    expect((await host.writeBranch(write([definition, { path: FLAG_PATH, text: FLAG }]))).action).toBe('unchanged');
    expect(writes()).toEqual([]);
  });

  it('a base that moved meanwhile: the commit sits on the commit the text came from, and later writes keep it', async () => {
    const readAt = github.branchHead('main')!;
    github.commitFiles({ 'experiments/a.yaml': `${DEF}name: renamed\r\n` });
    for (const round of [1, 2]) {
      github.clearRequests();
      const result = await host.writeBranch(write([definition], { base: readAt }));
      expect(result.action).toBe(round === 1 ? 'created' : 'unchanged');
      expect(github.commit(github.branchHead(BRANCH)!)!.parents).toEqual([readAt]);
      expect(github.readFile('main', 'experiments/a.yaml')).toBe(`${DEF}name: renamed\r\n`);
      if (round === 2) expect(writes()).toEqual([]);
    }
  });

  it('a commit someone else added, or a branch with no history in common with the base, is replaced by exactly the change', async () => {
    await host.writeBranch(write([definition]));
    github.commitFiles({ 'README.md': 'edited on the outcome branch\n' }, { branch: BRANCH });
    for (const round of [1, 2]) {
      expect((await host.writeBranch(write([definition]))).action).toBe(round === 1 ? 'updated' : 'unchanged');
      expect(changedPaths(BRANCH)).toEqual([definition.path]);
    }
    const orphan = 'eppo-gitops/outcome/orphan';
    github.commitFiles({ 'other.txt': 'unrelated\n' }, { branch: orphan });
    expect(github.commit(github.branchHead(orphan)!)!.parents).toEqual([]);
    for (const round of [1, 2]) {
      github.clearRequests();
      expect((await host.writeBranch(write([definition], { branch: orphan }))).action).toBe(round === 1 ? 'updated' : 'unchanged');
      expect(github.requests.filter((r) => r.path.includes('/compare/')).map((r) => r.status)).toEqual([round === 1 ? 404 : 200]);
      expect(changedPaths(orphan)).toEqual([definition.path]);
    }
  });

  it('a file whose only difference from the base is its mode (GitHub lists it without a blob) still reads as written', async () => {
    const script = { path: 'tools/run.sh', text: 'echo hi\n' };
    for (const round of [1, 2]) {
      github.clearRequests();
      expect((await host.writeBranch(write([definition, script]))).action).toBe(round === 1 ? 'created' : 'unchanged');
      if (round === 2) {
        expect(writes()).toEqual([]);
        const compared = github.requests.find((r) => r.path.includes('/compare/'))!;
        expect(compared.status).toBe(200);
      }
    }
  });

  it('another process creating the branch first ("Reference already exists"): its commit is kept when it holds the change', async () => {
    const replica = newHost();
    await replica.writeBranch(write([definition]));
    const theirs = github.branchHead(BRANCH)!;
    // This host looks before the other one has created the branch, and creates it after.
    github.failNext(1, 404, (method, path) => method === 'GET' && path === `${REPO}/git/ref/heads/${BRANCH}`);
    github.clearRequests();
    expect(await host.writeBranch(write([definition]))).toEqual({ action: 'unchanged', branch: BRANCH, commit: theirs });
    expect(github.requests.filter((r) => r.path === `${REPO}/git/refs`).map((r) => r.status)).toEqual([422]);
    expect(github.branchHead(BRANCH)).toBe(theirs);

    // Theirs holds another change: this write wins, forced.
    github.failNext(1, 404, (method, path) => method === 'GET' && path === `${REPO}/git/ref/heads/${BRANCH}`);
    github.clearRequests();
    const mine = await host.writeBranch(write([definition, flag]));
    expect(mine.action).toBe('updated');
    expect(writes().slice(-2)).toEqual([`POST ${REPO}/git/refs`, `PATCH ${REPO}/git/refs/heads/${BRANCH}`]);
    expect(github.branchHead(BRANCH)).toBe(mine.commit);
    expect(changedPaths(BRANCH)).toEqual([definition.path, FLAG_PATH]);
  });

  it('concurrent writes of one branch, in a process and across processes, give one branch with one commit', async () => {
    const results = await Promise.all([...Array.from({ length: 4 }, () => host.writeBranch(write([definition]))), ...Array.from({ length: 4 }, () => newHost().writeBranch(write([definition])))]);
    expect(results.filter((r) => r.action === 'created')).toHaveLength(1);
    expect(new Set(results.map((r) => r.commit))).toEqual(new Set([github.branchHead(BRANCH)]));
    expect(github.requests.filter((r) => r.path === `${REPO}/git/refs` && r.status === 201)).toHaveLength(1);
    expect(changedPaths(BRANCH)).toEqual([definition.path]);
  });

  it('opens a pull request with its title, body and labels, then updates it in place; unchanged means no write', async () => {
    await host.writeBranch(write([definition]));
    const content = { branch: BRANCH, base: 'main', title: 'Record outcome: A — green (POSITIVE)', body: 'body one', labels: ['experiment-outcome'] };
    github.clearRequests();
    expect(await host.savePullRequest(content)).toEqual({ action: 'created', pr: { number: 1, url: 'https://github.test/acme/experiments/pull/1' } });
    expect(writes()).toEqual([`POST ${REPO}/pulls`, `POST ${REPO}/issues/1/labels`]);
    expect(bodies()).toEqual([{ head: BRANCH, base: 'main', title: content.title, body: 'body one' }, { labels: ['experiment-outcome'] }]);

    const changed = { ...content, title: 'Record outcome: A — blue (NEGATIVE)', body: 'body two' };
    for (const round of [1, 2]) {
      const open = (await host.findPullRequests(BRANCH)).find((p) => p.state === 'open')!;
      github.clearRequests();
      const result = await host.savePullRequest(changed, open);
      expect(result).toEqual({ action: round === 1 ? 'updated' : 'unchanged', pr: { number: 1, url: 'https://github.test/acme/experiments/pull/1' } });
      expect(bodies()).toEqual(round === 1 ? [{ title: changed.title, body: 'body two' }] : []);
      expect(writes()).toEqual(round === 1 ? [`PATCH ${REPO}/pulls/1`] : []);
      expect(github.pulls().map((p) => [p.number, p.state, p.title, p.body, p.labels])).toEqual([[1, 'open', changed.title, 'body two', ['experiment-outcome']]]);
    }

    // A label someone removed comes back, and only that one is added.
    const withLabels = { ...changed, labels: ['experiment-outcome', 'extra'] };
    const open = (await host.findPullRequests(BRANCH))[0]!;
    github.clearRequests();
    expect((await host.savePullRequest(withLabels, open))!.action).toBe('unchanged');
    expect(github.writes().map((r) => [r.path, r.body])).toEqual([[`${REPO}/issues/1/labels`, { labels: ['extra'] }]]);
  });

  it('a pull request opened by another process meanwhile is found and updated, never duplicated', async () => {
    await host.writeBranch(write([definition]));
    const content = { branch: BRANCH, base: 'main', title: 'T', body: 'B', labels: ['experiment-outcome'] };
    await newHost().savePullRequest({ ...content, body: 'older body' });
    for (const round of [1, 2]) {
      github.clearRequests();
      const result = await host.savePullRequest(content);
      expect(result).toEqual({ action: round === 1 ? 'updated' : 'unchanged', pr: { number: 1, url: 'https://github.test/acme/experiments/pull/1' } });
      expect(github.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
        `POST ${REPO}/pulls 422`,
        `GET ${REPO}/pulls 200`,
        ...(round === 1 ? [`PATCH ${REPO}/pulls/1 200`] : []),
      ]);
      expect(github.pulls().map((p) => [p.number, p.state, p.body])).toEqual([[1, 'open', 'B']]);
    }
  });

  it('failures are GitHostErrors that name the call, the repository and the access it needs', async () => {
    github.failWritesWith = 403;
    const writeError = await host.writeBranch(write([definition])).catch((e: unknown) => e);
    expect(writeError).toBeInstanceOf(GitHostError);
    expect((writeError as GitHostError).message).toMatch(
      /^GitHub: writing the branch eppo-gitops\/outcome\/a in acme\/experiments failed \(HTTP 403\): Resource not accessible by integration.*; the token lacks access; give the job "permissions: contents: write"/,
    );
    expect((writeError as GitHostError).status).toBe(403);
    await expect(host.savePullRequest({ branch: BRANCH, base: 'main', title: 'T', body: 'B', labels: [] })).rejects.toThrow(
      /^GitHub: opening a pull request for eppo-gitops\/outcome\/a in acme\/experiments failed \(HTTP 403\).*"permissions: pull-requests: write"/,
    );
    github.failWritesWith = undefined;

    github.failNext(1, 404, (_method, path) => path === `${REPO}/pulls`);
    await expect(host.findPullRequests(BRANCH)).rejects.toThrow(/^GitHub: listing the pull requests from eppo-gitops\/outcome\/a in acme\/experiments failed \(HTTP 404\).*check GITHUB_REPOSITORY/);
    const wrongBase = createGitHubHost({ octokit: createOctokit({ token: github.token, baseUrl: github.url, retries: 0 }), owner: 'acme', repo: 'experiments', baseBranch: 'nope' });
    await expect(wrongBase.baseHead()).rejects.toThrow(new GitHostError('the base branch "nope" does not exist in acme/experiments; set EPPO_GITOPS_BASE_BRANCH to an existing branch'));
    await expect(host.writeBranch(write([]))).rejects.toThrow(new InternalError('writeBranch was given no file to write'));
    await expect(host.writeBranch(write([{ path: '../x', text: 'x' }]))).rejects.toBeInstanceOf(InternalError);
    expect(github.branches()).toEqual(['main']);
  });
});
