import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stateful fake of the GitHub REST endpoints for issues and issue comments
 * (pull request comments are issue comments), served over real HTTP on
 * 127.0.0.1 so @octokit/rest runs unmodified: pagination with Link headers,
 * bearer-token auth, a request log, and switches to refuse writes.
 */

export interface FakeComment {
  id: number;
  issueNumber: number;
  body: string;
  user: string;
}

export interface FakeIssue {
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  stateReason: string | null;
  labels: string[];
  isPullRequest: boolean;
  user: string;
}

export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
}

export interface FakeGitHubIssues {
  /** REST base URL, e.g. http://127.0.0.1:1234 */
  url: string;
  token: string;
  owner: string;
  repo: string;
  comments: FakeComment[];
  issues: FakeIssue[];
  requests: LoggedRequest[];
  /** the login that writes made with the token are attributed to */
  botLogin: string;
  /** when set, every write answers with this status */
  failWritesWith: number | undefined;
  addComment(issueNumber: number, body: string, user?: string): FakeComment;
  addIssue(init: Partial<FakeIssue> & { title: string }): FakeIssue;
  writes(): LoggedRequest[];
  close(): Promise<void>;
}

export async function startFakeGitHubIssues(options: { owner?: string; repo?: string; token?: string } = {}): Promise<FakeGitHubIssues> {
  const owner = options.owner ?? 'acme';
  const repo = options.repo ?? 'experiments';
  const token = options.token ?? 'ghs_fake_token_for_tests';
  let nextCommentId = 1000;
  let nextIssueNumber = 1;

  const server = createServer((req, res) => {
    collect(req)
      .then((raw) => handle(req, res, raw))
      .catch((error: unknown) => send(res, 500, { message: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const fake: FakeGitHubIssues = {
    url,
    token,
    owner,
    repo,
    comments: [],
    issues: [],
    requests: [],
    botLogin: 'github-actions[bot]',
    failWritesWith: undefined,
    addComment(issueNumber, body, user = 'someone') {
      const comment = { id: nextCommentId++, issueNumber, body, user };
      fake.comments.push(comment);
      return comment;
    },
    addIssue(init) {
      const issue: FakeIssue = {
        number: nextIssueNumber++,
        body: '',
        state: 'open',
        stateReason: null,
        labels: [],
        isPullRequest: false,
        user: 'someone',
        ...init,
      };
      fake.issues.push(issue);
      return issue;
    },
    writes: () => fake.requests.filter((r) => r.method !== 'GET'),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };

  const repoPath = `/repos/${owner}/${repo}`;
  const htmlBase = `https://github.example/${owner}/${repo}`;
  const commentJson = (c: FakeComment) => ({
    id: c.id,
    body: c.body,
    user: { login: c.user },
    html_url: `${htmlBase}/pull/${c.issueNumber}#issuecomment-${c.id}`,
  });
  const issueJson = (i: FakeIssue) => ({
    number: i.number,
    title: i.title,
    body: i.body,
    state: i.state,
    state_reason: i.stateReason,
    labels: i.labels.map((name) => ({ name })),
    user: { login: i.user },
    html_url: `${htmlBase}/${i.isPullRequest ? 'pull' : 'issues'}/${i.number}`,
    ...(i.isPullRequest ? { pull_request: { url: `${url}${repoPath}/pulls/${i.number}` } } : {}),
  });

  function handle(req: IncomingMessage, res: ServerResponse, raw: string): void {
    const parsed = new URL(req.url ?? '/', url);
    const method = req.method ?? 'GET';
    const body = raw === '' ? undefined : (JSON.parse(raw) as Record<string, unknown>);
    fake.requests.push({ method, path: parsed.pathname, query: Object.fromEntries(parsed.searchParams), body });
    if (req.headers.authorization !== `token ${token}` && req.headers.authorization !== `Bearer ${token}`) {
      send(res, 401, { message: 'Bad credentials' });
      return;
    }
    if (method !== 'GET' && fake.failWritesWith !== undefined) {
      send(res, fake.failWritesWith, { message: 'Resource not accessible by integration' });
      return;
    }
    const path = parsed.pathname;
    let m: RegExpExecArray | null;
    if ((m = new RegExp(`^${repoPath}/issues/(\\d+)/comments$`).exec(path))) {
      const issueNumber = Number(m[1]);
      if (method === 'GET') {
        page(res, parsed, fake.comments.filter((c) => c.issueNumber === issueNumber).map(commentJson));
        return;
      }
      if (method === 'POST' && typeof body?.body === 'string') {
        send(res, 201, commentJson(fake.addComment(issueNumber, body.body, fake.botLogin)));
        return;
      }
    }
    if ((m = new RegExp(`^${repoPath}/issues/comments/(\\d+)$`).exec(path)) && method === 'PATCH') {
      const comment = fake.comments.find((c) => c.id === Number(m?.[1]));
      if (comment === undefined) return send(res, 404, { message: 'Not Found' });
      if (typeof body?.body === 'string') comment.body = body.body;
      send(res, 200, commentJson(comment));
      return;
    }
    if (path === `${repoPath}/issues`) {
      if (method === 'GET') {
        const state = parsed.searchParams.get('state') ?? 'open';
        const labels = (parsed.searchParams.get('labels') ?? '').split(',').filter((l) => l !== '');
        let list = fake.issues.filter((i) => (state === 'all' || i.state === state) && labels.every((l) => i.labels.includes(l)));
        if (parsed.searchParams.get('direction') !== 'asc') list = [...list].reverse();
        page(res, parsed, list.map(issueJson));
        return;
      }
      if (method === 'POST' && typeof body?.title === 'string') {
        const labels = Array.isArray(body.labels) ? body.labels.map(String) : [];
        const issue = fake.addIssue({ title: body.title, body: typeof body.body === 'string' ? body.body : '', labels, user: fake.botLogin });
        send(res, 201, issueJson(issue));
        return;
      }
    }
    if ((m = new RegExp(`^${repoPath}/issues/(\\d+)$`).exec(path)) && method === 'PATCH') {
      const issue = fake.issues.find((i) => i.number === Number(m?.[1]));
      if (issue === undefined) return send(res, 404, { message: 'Not Found' });
      if (typeof body?.title === 'string') issue.title = body.title;
      if (typeof body?.body === 'string') issue.body = body.body;
      if (body?.state === 'open' || body?.state === 'closed') issue.state = body.state;
      if (typeof body?.state_reason === 'string') issue.stateReason = body.state_reason;
      send(res, 200, issueJson(issue));
      return;
    }
    send(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
  }

  function page(res: ServerResponse, parsed: URL, items: unknown[]): void {
    const perPage = Math.min(100, Number(parsed.searchParams.get('per_page') ?? 30));
    const current = Number(parsed.searchParams.get('page') ?? 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const links: string[] = [];
    const at = (n: number) => {
      const next = new URL(parsed.href);
      next.searchParams.set('page', String(n));
      return next.href;
    };
    if (current < last) links.push(`<${at(current + 1)}>; rel="next"`, `<${at(last)}>; rel="last"`);
    if (current > 1) links.push(`<${at(1)}>; rel="first"`, `<${at(current - 1)}>; rel="prev"`);
    if (links.length > 0) res.setHeader('link', links.join(', '));
    send(res, 200, items.slice((current - 1) * perPage, current * perPage));
  }

  return fake;
}

function collect(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}
