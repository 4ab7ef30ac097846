// A stateful fake of the few GitHub REST endpoints eppo-gitops uses, on
// 127.0.0.1 port 0, for tests driven by the real @octokit/rest: git data
// (refs, commits, trees, blobs), compare, pull requests, issues, labels and
// issue comments (pull request comments are issue comments). Git objects are real
// enough: blob ids are git's own (sha1 of "blob <len>\0<bytes>"). Lists are
// paged with Link headers; comments and issues can be seeded as other users;
// faults (5xx, secondary rate limits, refused writes, stalled connections) can be injected.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { diffLines } from 'diff';

export interface LoggedRequest {
  method: string;
  /** decoded path without the query, e.g. /repos/acme/exp/git/refs/heads/main */
  path: string;
  /** the path as requested, with a GitHub Enterprise `/api/v3` prefix when there was one */
  rawPath: string;
  query: Record<string, string>;
  body: unknown;
  status: number;
}

interface TreeEntry {
  path: string;
  mode: string;
  type: 'blob' | 'tree';
  sha: string;
}
interface Commit {
  sha: string;
  tree: string;
  parents: string[];
  message: string;
}
export interface FakePull {
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  head: string;
  base: string;
  merged_at: string | null;
  labels: string[];
  /** login of the author */
  user: string;
  created_at: string;
  updated_at: string;
}
export interface FakeIssue {
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  /** set by PATCH with `state_reason` (e.g. "completed") */
  state_reason: string | null;
  labels: string[];
  /** login of the author */
  user: string;
  created_at: string;
}
export interface FakeComment {
  id: number;
  issue_number: number;
  body: string;
  user: { login: string; type: string };
  created_at: string;
  updated_at: string;
}

interface Stall {
  remaining: number;
  match?: (method: string, path: string) => boolean;
  headers: boolean;
}

interface Fault {
  remaining: number;
  status: number;
  headers: Record<string, string>;
  body: unknown;
  match?: (method: string, path: string) => boolean;
}

export interface FakeGitHubOptions {
  owner?: string;
  repo?: string;
  token?: string;
  defaultBranch?: string;
  /** the login that owns issues, pull requests and comments created through the API */
  login?: string;
  /** logins with write access: their comments are COLLABORATOR, the owner's OWNER, everyone else's NONE */
  collaborators?: string[];
}

export interface AddIssueInit {
  title: string;
  body?: string | null;
  state?: 'open' | 'closed';
  state_reason?: string | null;
  labels?: string[];
  /** default: someone */
  user?: string;
  /** a fixed number; default: the next free one */
  number?: number;
}

export interface AddPullInit extends Omit<AddIssueInit, 'state_reason'> {
  /** default: pr-<number>, created at the base head when missing */
  head?: string;
  /** default: the default branch */
  base?: string;
}

export interface FakeGitHub {
  /** REST base for octokit (`baseUrl`) */
  url: string;
  owner: string;
  repo: string;
  token: string;
  defaultBranch: string;
  /** the login that writes made with the token are attributed to */
  botLogin: string;
  /** when set, every write (not GET/HEAD) answers with this status ("Resource not accessible by integration") */
  failWritesWith: number | undefined;
  requests: LoggedRequest[];
  /** requests that changed something (not GET/HEAD) */
  writes(): LoggedRequest[];
  clearRequests(): void;
  /**
   * commits `files` (null: delete) on top of `branch` (default branch by default); returns the commit id.
   * `modes` gives a file another mode than 100644 (100755 executable, 120000 symbolic link: the text is its target).
   */
  commitFiles(files: Record<string, string | null>, options?: { branch?: string; message?: string; modes?: Record<string, string> }): string;
  /** what GET /repos/{owner}/{repo} says the token may do; default: nothing said (as for an app installation token) */
  permissions: { admin: boolean; push: boolean; pull: boolean } | undefined;
  /** path → mode of every file at the head of a branch */
  modes(branch: string): Record<string, string>;
  /** file text at the head of a branch, or undefined */
  readFile(branch: string, path: string): string | undefined;
  /** all files at the head of a branch */
  files(branch: string): Record<string, string>;
  /** the paths whose text differs between `branch` and `base` (default main), sorted */
  changedFiles(branch: string, base?: string): string[];
  /** all files of a commit ({} for an unknown one) */
  filesAt(commit: string): Record<string, string>;
  branchHead(branch: string): string | undefined;
  commit(sha: string): Commit | undefined;
  branches(): string[];
  pulls(): FakePull[];
  issues(): FakeIssue[];
  comments(): FakeComment[];
  /** seeds a comment on an existing issue or pull request, written by `user` (default: someone) */
  addComment(issueNumber: number, body: string, user?: string): FakeComment;
  /** seeds an issue */
  addIssue(init: AddIssueInit): FakeIssue;
  /** seeds a pull request (its head branch is created at the base head when missing) */
  addPull(init: AddPullInit): FakePull;
  /** merges an open PR: its head's changes land on its base, the PR is closed as merged */
  mergePull(number: number): void;
  closePull(number: number): void;
  /** the next `count` matching requests answer `status` (default 502), with `message` in the body when given */
  failNext(count: number, status?: number, match?: (method: string, path: string) => boolean, message?: string): void;
  /** recursive tree listings longer than `entries` come back truncated, as GitHub does for huge trees */
  setTreeLimit(entries: number | undefined): void;
  /** the next `count` requests answer 403 "secondary rate limit" with Retry-After */
  secondaryRateLimitNext(count: number, retryAfterSeconds?: number): void;
  /**
   * the next `count` matching requests get no answer at all (a stalled
   * connection): the fake keeps them open until `releaseStalled()` or `close()`;
   * with `headers`, it sends the status line and headers and then stalls in the body
   */
  stallNext(count: number, match?: (method: string, path: string) => boolean, options?: { headers?: boolean }): void;
  /** requests held by `stallNext` right now */
  stalled(): number;
  /** resolves once `count` requests in all have been held by `stallNext` */
  untilStalled(count?: number): Promise<void>;
  /** ends every held request (the client sees the connection close) */
  releaseStalled(): void;
  close(): Promise<void>;
}

export async function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const owner = options.owner ?? 'acme';
  const repo = options.repo ?? 'experiments';
  const token = options.token ?? 'ghs_faketoken1234';
  const defaultBranch = options.defaultBranch ?? 'main';
  const login = options.login ?? 'github-actions[bot]';
  const collaborators = new Set(options.collaborators ?? []);
  const association = (user: string): string => (user === owner ? 'OWNER' : collaborators.has(user) ? 'COLLABORATOR' : 'NONE');

  const blobs = new Map<string, Buffer>();
  const trees = new Map<string, TreeEntry[]>();
  const commits = new Map<string, Commit>();
  const refs = new Map<string, string>();
  const pulls: FakePull[] = [];
  const issues: FakeIssue[] = [];
  const comments: FakeComment[] = [];
  const requests: LoggedRequest[] = [];
  const faults: Fault[] = [];
  const stalls: Stall[] = [];
  let stalledSoFar = 0;
  const stallWaiters: Array<{ count: number; resolve: () => void }> = [];
  const held = new Set<ServerResponse>();
  let treeLimit: number | undefined;
  let nextNumberCandidate = 1;
  let nextCommentId = 1000;
  let clock = Date.UTC(2026, 0, 1);
  const now = (): string => new Date((clock += 1000)).toISOString();
  /** issues and pull requests share one sequence of numbers; seeded fixed numbers are skipped */
  function nextNumber(): number {
    while (issueOrPull(nextNumberCandidate) !== undefined) nextNumberCandidate++;
    return nextNumberCandidate++;
  }
  function claimNumber(wanted: number | undefined): number {
    if (wanted === undefined) return nextNumber();
    if (issueOrPull(wanted) !== undefined) throw new Error(`#${wanted} exists already`);
    return wanted;
  }

  const sha1 = (data: Buffer | string): string => createHash('sha1').update(data).digest('hex');
  function putBlob(bytes: Buffer): string {
    const sha = createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
    blobs.set(sha, bytes);
    return sha;
  }
  function putTree(entries: TreeEntry[]): string {
    const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : 1));
    const sha = sha1(`tree ${JSON.stringify(sorted)}`);
    trees.set(sha, sorted);
    return sha;
  }
  function putCommit(tree: string, parents: string[], message: string): string {
    const sha = sha1(`commit ${tree} ${parents.join(',')} ${message} ${clock++}`);
    commits.set(sha, { sha, tree, parents, message });
    return sha;
  }
  /** path -> {sha, mode} of every blob under a tree */
  function flatten(treeSha: string, prefix = ''): Map<string, { sha: string; mode: string }> {
    const out = new Map<string, { sha: string; mode: string }>();
    for (const e of trees.get(treeSha) ?? []) {
      const p = prefix + e.path;
      if (e.type === 'tree') for (const [k, v] of flatten(e.sha, `${p}/`)) out.set(k, v);
      else out.set(p, { sha: e.sha, mode: e.mode });
    }
    return out;
  }
  function build(flat: Map<string, { sha: string; mode: string }>): string {
    const here: TreeEntry[] = [];
    const sub = new Map<string, Map<string, { sha: string; mode: string }>>();
    for (const [p, v] of flat) {
      const slash = p.indexOf('/');
      if (slash === -1) here.push({ path: p, mode: v.mode, type: 'blob', sha: v.sha });
      else {
        const dir = p.slice(0, slash);
        if (!sub.has(dir)) sub.set(dir, new Map());
        sub.get(dir)!.set(p.slice(slash + 1), v);
      }
    }
    for (const [dir, m] of sub) here.push({ path: dir, mode: '040000', type: 'tree', sha: build(m) });
    return putTree(here);
  }

  refs.set(`heads/${defaultBranch}`, putCommit(putTree([]), [], 'Initial commit'));

  function commitFiles(files: Record<string, string | null>, opts: { branch?: string; message?: string; modes?: Record<string, string> } = {}): string {
    const branch = opts.branch ?? defaultBranch;
    const head = refs.get(`heads/${branch}`);
    const flat = head ? flatten(commits.get(head)!.tree) : new Map<string, { sha: string; mode: string }>();
    for (const [p, text] of Object.entries(files)) {
      if (text === null) flat.delete(p);
      else flat.set(p, { sha: putBlob(Buffer.from(text, 'utf8')), mode: opts.modes?.[p] ?? '100644' });
    }
    const sha = putCommit(build(flat), head ? [head] : [], opts.message ?? 'Update files');
    refs.set(`heads/${branch}`, sha);
    return sha;
  }

  function pullJson(p: FakePull): Record<string, unknown> {
    return {
      number: p.number,
      id: p.number,
      html_url: `https://github.test/${owner}/${repo}/pull/${p.number}`,
      url: `${base}/repos/${owner}/${repo}/pulls/${p.number}`,
      state: p.state,
      title: p.title,
      body: p.body,
      merged_at: p.merged_at,
      merged: p.merged_at !== null,
      labels: p.labels.map((name) => ({ name })),
      head: { ref: p.head, sha: refs.get(`heads/${p.head}`) ?? null, label: `${owner}:${p.head}` },
      base: { ref: p.base, sha: refs.get(`heads/${p.base}`) ?? null, label: `${owner}:${p.base}` },
      created_at: p.created_at,
      updated_at: p.updated_at,
      user: { login: p.user },
    };
  }
  function issueJson(i: FakeIssue | FakePull): Record<string, unknown> {
    const isPull = 'head' in i;
    return {
      number: i.number,
      id: i.number,
      title: i.title,
      body: i.body,
      state: i.state,
      state_reason: isPull ? null : i.state_reason,
      labels: i.labels.map((name) => ({ name })),
      html_url: `https://github.test/${owner}/${repo}/${isPull ? 'pull' : 'issues'}/${i.number}`,
      user: { login: i.user },
      author_association: association(i.user),
      created_at: i.created_at,
      ...(isPull ? { pull_request: { url: `${base}/repos/${owner}/${repo}/pulls/${i.number}` } } : {}),
    };
  }
  function commentJson(c: FakeComment): Record<string, unknown> {
    const kind = pulls.some((p) => p.number === c.issue_number) ? 'pull' : 'issues';
    return { ...c, author_association: association(c.user.login), html_url: `https://github.test/${owner}/${repo}/${kind}/${c.issue_number}#issuecomment-${c.id}` };
  }
  function addComment(issueNumber: number, body: string, user: string): FakeComment {
    const t = now();
    const c: FakeComment = { id: nextCommentId++, issue_number: issueNumber, body, user: { login: user, type: user.endsWith('[bot]') ? 'Bot' : 'User' }, created_at: t, updated_at: t };
    comments.push(c);
    return c;
  }
  /** One page of `items` as GitHub pages lists (`per_page` up to 100, default 30; `page` from 1), with Link headers. */
  function page(items: unknown[], query: Record<string, string>, self: URL): Reply {
    const perPage = Math.max(1, Math.min(100, Number(query.per_page ?? 30) || 30));
    const current = Math.max(1, Number(query.page ?? 1) || 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const at = (n: number): string => {
      const next = new URL(self.href);
      next.searchParams.set('page', String(n));
      return `${base}${next.pathname}${next.search}`;
    };
    const links: string[] = [];
    if (current < last) links.push(`<${at(current + 1)}>; rel="next"`, `<${at(last)}>; rel="last"`);
    if (current > 1) links.push(`<${at(1)}>; rel="first"`, `<${at(current - 1)}>; rel="prev"`);
    return [200, items.slice((current - 1) * perPage, current * perPage), links.length > 0 ? { link: links.join(', ') } : {}];
  }
  function treeJson(sha: string, recursive: boolean): Record<string, unknown> {
    if (!recursive) return { sha, truncated: false, tree: trees.get(sha)!.map((e) => ({ ...e, url: '' })) };
    const list: TreeEntry[] = [];
    const walk = (t: string, prefix: string): void => {
      for (const e of trees.get(t) ?? []) {
        list.push({ ...e, path: prefix + e.path });
        if (e.type === 'tree') walk(e.sha, `${prefix}${e.path}/`);
      }
    };
    walk(sha, '');
    if (treeLimit !== undefined && list.length > treeLimit) return { sha, truncated: true, tree: list.slice(0, treeLimit) };
    return { sha, truncated: false, tree: list };
  }
  function isAncestor(ancestor: string, of: string): boolean {
    const seen = new Set<string>();
    const stack = [of];
    while (stack.length > 0) {
      const s = stack.pop()!;
      if (s === ancestor) return true;
      if (seen.has(s)) continue;
      seen.add(s);
      stack.push(...(commits.get(s)?.parents ?? []));
    }
    return false;
  }
  /** every commit reachable from `sha`, nearest first (breadth-first over parents) */
  function ancestry(sha: string): string[] {
    const order: string[] = [];
    const seen = new Set<string>();
    const queue = [sha];
    while (queue.length > 0) {
      const s = queue.shift()!;
      if (seen.has(s)) continue;
      seen.add(s);
      order.push(s);
      queue.push(...(commits.get(s)?.parents ?? []));
    }
    return order;
  }
  /** a commit id, or a branch name, as compare and other endpoints take them */
  function resolveCommit(name: string): string | undefined {
    if (/^[0-9a-f]{40}$/.test(name) && commits.has(name)) return name;
    return refs.get(`heads/${name}`);
  }
  function commitJson(sha: string): Record<string, unknown> {
    const c = commits.get(sha)!;
    return {
      sha,
      url: `${base}/repos/${owner}/${repo}/commits/${sha}`,
      html_url: `https://github.test/${owner}/${repo}/commit/${sha}`,
      commit: { message: c.message, tree: { sha: c.tree } },
      parents: c.parents.map((p) => ({ sha: p })),
    };
  }
  /** GET /compare/{base}...{head}: the head's change since the merge base, as GitHub's compare (three dots) reports it */
  function compare(baseName: string, headName: string): Reply {
    const from = resolveCommit(baseName);
    const to = resolveCommit(headName);
    if (from === undefined || to === undefined) return notFound;
    const baseSide = new Set(ancestry(from));
    const headSide = ancestry(to);
    const mergeBase = headSide.find((s) => baseSide.has(s));
    if (mergeBase === undefined) return [404, { message: `No common ancestor between ${baseName} and ${headName}.`, documentation_url: 'https://docs.github.com/rest' }];
    const headSet = new Set(headSide);
    const ahead = headSide.filter((s) => !baseSide.has(s)).reverse();
    const behind = [...baseSide].filter((s) => !headSet.has(s)).length;
    const before = flatten(commits.get(mergeBase)!.tree);
    const after = flatten(commits.get(to)!.tree);
    const lines = (sha: string | undefined): string => (sha === undefined ? '' : blobs.get(sha)!.toString('utf8'));
    const files: Array<Record<string, unknown>> = [];
    for (const path of [...new Set([...before.keys(), ...after.keys()])].sort()) {
      const was = before.get(path);
      const now = after.get(path);
      if (was !== undefined && now !== undefined && was.sha === now.sha && was.mode === now.mode) continue;
      const status = was === undefined ? 'added' : now === undefined ? 'removed' : 'modified';
      let additions = 0;
      let deletions = 0;
      for (const part of diffLines(lines(was?.sha), lines(now?.sha))) {
        if (part.added) additions += part.count ?? 0;
        if (part.removed) deletions += part.count ?? 0;
      }
      const at = now === undefined ? mergeBase : to;
      files.push({
        // A change of mode only has no new blob: GitHub answers null.
        sha: now === undefined ? was!.sha : was !== undefined && was.sha === now.sha ? null : now.sha,
        filename: path,
        status,
        additions,
        deletions,
        changes: additions + deletions,
        blob_url: `https://github.test/${owner}/${repo}/blob/${at}/${path}`,
        raw_url: `https://github.test/${owner}/${repo}/raw/${at}/${path}`,
        contents_url: `${base}/repos/${owner}/${repo}/contents/${path}?ref=${at}`,
      });
    }
    return [
      200,
      {
        url: `${base}/repos/${owner}/${repo}/compare/${baseName}...${headName}`,
        html_url: `https://github.test/${owner}/${repo}/compare/${baseName}...${headName}`,
        base_commit: commitJson(from),
        merge_base_commit: commitJson(mergeBase),
        status: ahead.length === 0 ? (behind === 0 ? 'identical' : 'behind') : behind === 0 ? 'ahead' : 'diverged',
        ahead_by: ahead.length,
        behind_by: behind,
        total_commits: ahead.length,
        commits: ahead.map(commitJson),
        files,
      },
    ];
  }
  function issueOrPull(n: number): FakeIssue | FakePull | undefined {
    return pulls.find((p) => p.number === n) ?? issues.find((i) => i.number === n);
  }

  type Reply = [number, unknown, Record<string, string>?];
  const notFound: Reply = [404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' }];
  const invalid = (message: string, extra: Record<string, unknown> = {}): Reply => [422, { message, ...extra }];

  function handle(method: string, path: string, query: Record<string, string>, body: Record<string, unknown>, self: URL): Reply {
    const prefix = `/repos/${owner}/${repo}`;
    if (!path.startsWith(prefix)) return notFound;
    const rest = path.slice(prefix.length);
    let m: RegExpExecArray | null;

    if (rest === '' && method === 'GET') {
      return [200, { id: 1, name: repo, full_name: `${owner}/${repo}`, default_branch: defaultBranch, owner: { login: owner }, ...(fake.permissions ? { permissions: fake.permissions } : {}) }];
    }

    // git refs
    if ((m = /^\/git\/ref\/(.+)$/.exec(rest)) && method === 'GET') {
      const sha = refs.get(m[1]!);
      return sha ? [200, { ref: `refs/${m[1]}`, object: { sha, type: 'commit' } }] : notFound;
    }
    if (rest === '/git/refs' && method === 'POST') {
      const ref = String(body.ref ?? '').replace(/^refs\//, '');
      const sha = String(body.sha ?? '');
      if (!ref.startsWith('heads/')) return invalid('Reference name must start with refs/heads/');
      if (!commits.has(sha)) return invalid('Object does not exist');
      if (refs.has(ref)) return invalid('Reference already exists');
      refs.set(ref, sha);
      return [201, { ref: `refs/${ref}`, object: { sha, type: 'commit' } }];
    }
    if ((m = /^\/git\/refs\/(.+)$/.exec(rest)) && method === 'PATCH') {
      const ref = m[1]!;
      const old = refs.get(ref);
      if (old === undefined) return invalid('Reference does not exist');
      const sha = String(body.sha ?? '');
      if (!commits.has(sha)) return invalid('Object does not exist');
      if (body.force !== true && !isAncestor(old, sha)) return invalid('Update is not a fast forward');
      refs.set(ref, sha);
      return [200, { ref: `refs/${ref}`, object: { sha, type: 'commit' } }];
    }
    if ((m = /^\/git\/refs\/(.+)$/.exec(rest)) && method === 'DELETE') {
      return refs.delete(m[1]!) ? [204, null] : invalid('Reference does not exist');
    }

    if ((m = /^\/compare\/(.+?)\.\.\.(.+)$/.exec(rest)) && method === 'GET') return compare(m[1]!, m[2]!);

    // git objects
    if ((m = /^\/git\/commits\/([0-9a-f]{40})$/.exec(rest)) && method === 'GET') {
      const c = commits.get(m[1]!);
      return c ? [200, { sha: c.sha, message: c.message, tree: { sha: c.tree }, parents: c.parents.map((sha) => ({ sha })) }] : notFound;
    }
    if (rest === '/git/commits' && method === 'POST') {
      const tree = String(body.tree ?? '');
      const parents = Array.isArray(body.parents) ? body.parents.map(String) : [];
      if (!trees.has(tree) || parents.some((p) => !commits.has(p))) return invalid('Tree or parent does not exist');
      const sha = putCommit(tree, parents, String(body.message ?? ''));
      return [201, { sha, message: body.message, tree: { sha: tree }, parents: parents.map((p) => ({ sha: p })) }];
    }
    if ((m = /^\/git\/trees\/([0-9a-f]{40})$/.exec(rest)) && method === 'GET') {
      return trees.has(m[1]!) ? [200, treeJson(m[1]!, query.recursive !== undefined && query.recursive !== '0' && query.recursive !== 'false')] : notFound;
    }
    if (rest === '/git/trees' && method === 'POST') {
      const baseTree = typeof body.base_tree === 'string' ? body.base_tree : undefined;
      if (baseTree !== undefined && !trees.has(baseTree)) return invalid('base_tree does not exist');
      const flat = baseTree ? flatten(baseTree) : new Map<string, { sha: string; mode: string }>();
      for (const e of (body.tree as Array<Record<string, unknown>>) ?? []) {
        const p = String(e.path);
        if (e.sha === null) flat.delete(p);
        else if (typeof e.content === 'string') flat.set(p, { sha: putBlob(Buffer.from(e.content, 'utf8')), mode: String(e.mode ?? '100644') });
        else if (typeof e.sha === 'string' && blobs.has(e.sha)) flat.set(p, { sha: e.sha, mode: String(e.mode ?? '100644') });
        else return invalid(`tree.sha ${String(e.sha)} is not a valid blob`);
      }
      const sha = build(flat);
      return [201, treeJson(sha, false)];
    }
    if ((m = /^\/git\/blobs\/([0-9a-f]{40})$/.exec(rest)) && method === 'GET') {
      const b = blobs.get(m[1]!);
      return b ? [200, { sha: m[1], size: b.length, encoding: 'base64', content: b.toString('base64') }] : notFound;
    }
    if (rest === '/git/blobs' && method === 'POST') {
      const content = String(body.content ?? '');
      const sha = putBlob(Buffer.from(content, body.encoding === 'base64' ? 'base64' : 'utf8'));
      return [201, { sha, url: '' }];
    }

    // pulls
    if (rest === '/pulls' && method === 'GET') {
      const state = query.state ?? 'open';
      const head = query.head?.includes(':') ? query.head.split(':').slice(1).join(':') : query.head;
      const list = pulls
        .filter((p) => state === 'all' || p.state === state)
        .filter((p) => head === undefined || p.head === head)
        .filter((p) => query.base === undefined || p.base === query.base);
      return page(list.map(pullJson), query, self);
    }
    if (rest === '/pulls' && method === 'POST') {
      const head = String(body.head ?? '').replace(`${owner}:`, '');
      const baseRef = String(body.base ?? '');
      if (!refs.has(`heads/${head}`)) return invalid('Validation Failed', { errors: [{ resource: 'PullRequest', field: 'head', code: 'invalid' }] });
      if (!refs.has(`heads/${baseRef}`)) return invalid('Validation Failed', { errors: [{ resource: 'PullRequest', field: 'base', code: 'invalid' }] });
      if (pulls.some((p) => p.state === 'open' && p.head === head)) {
        return invalid('Validation Failed', { errors: [{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${owner}:${head}.` }] });
      }
      const t = now();
      const pr: FakePull = { number: nextNumber(), title: String(body.title ?? ''), body: typeof body.body === 'string' ? body.body : null, state: 'open', head, base: baseRef, merged_at: null, labels: [], user: login, created_at: t, updated_at: t };
      pulls.push(pr);
      return [201, pullJson(pr)];
    }
    if ((m = /^\/pulls\/(\d+)$/.exec(rest))) {
      const pr = pulls.find((p) => p.number === Number(m![1]));
      if (!pr) return notFound;
      if (method === 'GET') return [200, pullJson(pr)];
      if (method === 'PATCH') {
        if (typeof body.title === 'string') pr.title = body.title;
        if (typeof body.body === 'string') pr.body = body.body;
        if (body.state === 'closed' || body.state === 'open') {
          if (pr.merged_at !== null && body.state === 'open') return invalid('cannot reopen a merged pull request');
          pr.state = body.state;
        }
        pr.updated_at = now();
        return [200, pullJson(pr)];
      }
    }

    // issues (pull requests are issues too)
    if ((m = /^\/issues\/(\d+)\/labels$/.exec(rest)) && method === 'POST') {
      const target = issueOrPull(Number(m[1]));
      if (!target) return notFound;
      const labels = (Array.isArray(body) ? body : (body.labels as unknown[] | undefined) ?? []).map((l) => (typeof l === 'string' ? l : String((l as { name?: unknown }).name)));
      for (const l of labels) if (!target.labels.includes(l)) target.labels.push(l);
      return [200, target.labels.map((name) => ({ name }))];
    }
    if ((m = /^\/issues\/(\d+)\/comments$/.exec(rest))) {
      const n = Number(m[1]);
      if (!issueOrPull(n)) return notFound;
      if (method === 'GET') return page(comments.filter((c) => c.issue_number === n).map(commentJson), query, self);
      if (method === 'POST') {
        if (typeof body.body !== 'string') return invalid('Validation Failed', { errors: [{ resource: 'IssueComment', field: 'body', code: 'missing_field' }] });
        return [201, commentJson(addComment(n, body.body, login))];
      }
    }
    if ((m = /^\/issues\/comments\/(\d+)$/.exec(rest))) {
      const c = comments.find((x) => x.id === Number(m![1]));
      if (!c) return notFound;
      if (method === 'GET') return [200, commentJson(c)];
      if (method === 'PATCH') {
        c.body = String(body.body ?? c.body);
        c.updated_at = now();
        return [200, commentJson(c)];
      }
      if (method === 'DELETE') {
        comments.splice(comments.indexOf(c), 1);
        return [204, null];
      }
    }
    if (rest === '/issues' && method === 'GET') {
      const state = query.state ?? 'open';
      const wanted = query.labels ? query.labels.split(',').map((l) => l.trim()) : [];
      const ascending = query.direction === 'asc';
      const list = [...issues, ...pulls]
        .filter((i) => state === 'all' || i.state === state)
        .filter((i) => wanted.every((l) => i.labels.includes(l)))
        .sort((a, b) => (a.created_at === b.created_at ? a.number - b.number : a.created_at < b.created_at ? -1 : 1) * (ascending ? 1 : -1));
      return page(list.map(issueJson), query, self);
    }
    if (rest === '/issues' && method === 'POST') {
      if (typeof body.title !== 'string' || body.title === '') return invalid('Validation Failed', { errors: [{ resource: 'Issue', field: 'title', code: 'missing_field' }] });
      const issue: FakeIssue = {
        number: nextNumber(),
        title: body.title,
        body: typeof body.body === 'string' ? body.body : null,
        state: 'open',
        state_reason: null,
        labels: Array.isArray(body.labels) ? body.labels.map(String) : [],
        user: login,
        created_at: now(),
      };
      issues.push(issue);
      return [201, issueJson(issue)];
    }
    if ((m = /^\/issues\/(\d+)$/.exec(rest))) {
      const target = issueOrPull(Number(m[1]));
      if (!target) return notFound;
      if (method === 'GET') return [200, issueJson(target)];
      if (method === 'PATCH') {
        if (typeof body.title === 'string') target.title = body.title;
        if (typeof body.body === 'string') target.body = body.body;
        if (body.state === 'open' || body.state === 'closed') {
          if ('merged_at' in target && target.merged_at !== null && body.state === 'open') return invalid('cannot reopen a merged pull request');
          target.state = body.state;
          if (!('head' in target)) target.state_reason = typeof body.state_reason === 'string' ? body.state_reason : body.state === 'closed' ? 'completed' : 'reopened';
        }
        if (Array.isArray(body.labels)) target.labels = body.labels.map((l) => (typeof l === 'string' ? l : String((l as { name?: unknown }).name)));
        return [200, issueJson(target)];
      }
    }
    return notFound;
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const rawPath = url.pathname.replace(/^\/api\/v3(?=\/)/, '');
      const path = rawPath.split('/').map((s) => decodeURIComponent(s)).join('/');
      const query = Object.fromEntries(url.searchParams);
      const method = req.method ?? 'GET';
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = {};
      try {
        body = text === '' ? {} : JSON.parse(text);
      } catch {
        return reply(400, { message: 'Problems parsing JSON' });
      }
      const entry: LoggedRequest = { method, path, rawPath: url.pathname, query, body, status: 0 };
      requests.push(entry);

      function reply(status: number, payload: unknown, headers: Record<string, string> = {}): void {
        entry.status = status;
        const out = payload === null ? '' : JSON.stringify(payload);
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(out), ...headers });
        res.end(out);
      }
      const auth = req.headers.authorization ?? '';
      if (auth !== `token ${token}` && auth !== `bearer ${token}` && auth !== `Bearer ${token}`) {
        return reply(401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
      }
      if (fake.failWritesWith !== undefined && method !== 'GET' && method !== 'HEAD') {
        return reply(fake.failWritesWith, { message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest' });
      }
      const stall = stalls.find((f) => f.remaining > 0 && (f.match === undefined || f.match(method, path)));
      if (stall) {
        stall.remaining--;
        stalledSoFar++;
        for (const waiter of stallWaiters.filter((w) => w.count <= stalledSoFar)) {
          stallWaiters.splice(stallWaiters.indexOf(waiter), 1);
          waiter.resolve();
        }
        held.add(res);
        res.on('close', () => held.delete(res));
        if (stall.headers) {
          res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': '1000' });
          res.write('{"stalled":');
        }
        return;
      }
      const fault = faults.find((f) => f.remaining > 0 && (f.match === undefined || f.match(method, path)));
      if (fault) {
        fault.remaining--;
        return reply(fault.status, fault.body, fault.headers);
      }
      const [status, payload, headers] = handle(method, path, query, (body ?? {}) as Record<string, unknown>, url);
      reply(status, payload, headers);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const textAt = (commit: string): Record<string, string> => {
    const out: Record<string, string> = {};
    const known = commits.get(commit);
    if (known === undefined) return out;
    for (const [p, v] of flatten(known.tree)) out[p] = blobs.get(v.sha)!.toString('utf8');
    return out;
  };
  const textOf = (branch: string): Record<string, string> => {
    const head = refs.get(`heads/${branch}`);
    if (!head) return {};
    return textAt(head);
  };

  const fake: FakeGitHub = {
    url: base,
    owner,
    repo,
    token,
    defaultBranch,
    botLogin: login,
    failWritesWith: undefined,
    permissions: undefined,
    modes(branch) {
      const head = refs.get(`heads/${branch}`);
      const out: Record<string, string> = {};
      if (head !== undefined) for (const [p, v] of flatten(commits.get(head)!.tree)) out[p] = v.mode;
      return out;
    },
    requests,
    writes: () => requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD'),
    clearRequests: () => void requests.splice(0, requests.length),
    commitFiles,
    readFile: (branch, path) => textOf(branch)[path],
    files: textOf,
    changedFiles(branch, base = 'main') {
      const before = textOf(base);
      const after = textOf(branch);
      return Object.keys({ ...before, ...after }).filter((p) => before[p] !== after[p]).sort();
    },
    filesAt: textAt,
    branchHead: (branch) => refs.get(`heads/${branch}`),
    commit: (sha) => commits.get(sha),
    branches: () => [...refs.keys()].filter((r) => r.startsWith('heads/')).map((r) => r.slice('heads/'.length)),
    pulls: () => pulls.map((p) => ({ ...p, labels: [...p.labels] })),
    issues: () => issues.map((i) => ({ ...i, labels: [...i.labels] })),
    comments: () => comments.map((c) => ({ ...c, user: { ...c.user } })),
    addComment(issueNumber, body, user = 'someone') {
      if (issueOrPull(issueNumber) === undefined) throw new Error(`no issue or pull request #${issueNumber}: add it first`);
      return { ...addComment(issueNumber, body, user) };
    },
    addIssue(init) {
      const issue: FakeIssue = {
        number: claimNumber(init.number),
        title: init.title,
        body: init.body ?? null,
        state: init.state ?? 'open',
        state_reason: init.state_reason ?? (init.state === 'closed' ? 'completed' : null),
        labels: [...(init.labels ?? [])],
        user: init.user ?? 'someone',
        created_at: now(),
      };
      issues.push(issue);
      return { ...issue, labels: [...issue.labels] };
    },
    addPull(init) {
      const number = claimNumber(init.number);
      const head = init.head ?? `pr-${number}`;
      const baseRef = init.base ?? defaultBranch;
      const baseSha = refs.get(`heads/${baseRef}`);
      if (baseSha === undefined) throw new Error(`no branch ${baseRef}`);
      if (!refs.has(`heads/${head}`)) refs.set(`heads/${head}`, baseSha);
      const t = now();
      const pr: FakePull = {
        number,
        title: init.title,
        body: init.body ?? null,
        state: init.state ?? 'open',
        head,
        base: baseRef,
        merged_at: null,
        labels: [...(init.labels ?? [])],
        user: init.user ?? 'someone',
        created_at: t,
        updated_at: t,
      };
      pulls.push(pr);
      return { ...pr, labels: [...pr.labels] };
    },
    mergePull(number) {
      const pr = pulls.find((p) => p.number === number && p.state === 'open');
      if (!pr) throw new Error(`no open pull request #${number}`);
      const head = commits.get(refs.get(`heads/${pr.head}`)!)!;
      const parentTree = head.parents[0] ? commits.get(head.parents[0])!.tree : putTree([]);
      const before = flatten(parentTree);
      const after = flatten(head.tree);
      const changes: Record<string, string | null> = {};
      for (const [p, v] of after) if (before.get(p)?.sha !== v.sha) changes[p] = blobs.get(v.sha)!.toString('utf8');
      for (const p of before.keys()) if (!after.has(p)) changes[p] = null;
      commitFiles(changes, { branch: pr.base, message: `Merge pull request #${number}` });
      pr.state = 'closed';
      pr.merged_at = now();
    },
    closePull(number) {
      const pr = pulls.find((p) => p.number === number);
      if (!pr) throw new Error(`no pull request #${number}`);
      pr.state = 'closed';
    },
    setTreeLimit(entries) {
      treeLimit = entries;
    },
    failNext(count, status = 502, match, message) {
      faults.push({ remaining: count, status, headers: {}, body: { message: message ?? (status >= 500 ? 'Server Error' : 'Error') }, ...(match ? { match } : {}) });
    },
    secondaryRateLimitNext(count, retryAfterSeconds = 1) {
      faults.push({
        remaining: count,
        status: 403,
        headers: { 'retry-after': String(retryAfterSeconds) },
        body: { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.', documentation_url: 'https://docs.github.com/rest' },
      });
    },
    stallNext(count, match, options = {}) {
      stalls.push({ remaining: count, headers: options.headers === true, ...(match ? { match } : {}) });
    },
    stalled: () => held.size,
    untilStalled: (count = 1) => (stalledSoFar >= count ? Promise.resolve() : new Promise((resolve) => stallWaiters.push({ count, resolve }))),
    releaseStalled() {
      for (const res of held) res.destroy();
      held.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return fake;
}
