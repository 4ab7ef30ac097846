// Security review, one test (or table) per item: secrets never leak, plain http
// only on loopback, no redirects, keys cannot escape experiments/ nor make odd
// branch names, Eppo text is inert in Markdown, YAML prototype keys and alias
// bombs are harmless, and webhook signatures are compared in constant time.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { VALID_TAIL } from '../definitions/texts.js';

vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

import { timingSafeEqual } from 'node:crypto';
import { main } from '../../src/cli/main.js';
import { parseConfig, parseDefinition } from '../../src/definitions/index.js';
import { readExperimentKey, writeOutcome } from '../../src/definitions/outcome-edit.js';
import { startEmulator, type ExperimentInput, type RunningEmulator } from '../../src/emulator/index.js';
import { createEppoClient, parseBaseUrl, type EppoExperiment } from '../../src/eppo/index.js';
import { createGitHubHost, createLocalHost, createOctokit } from '../../src/git-host/index.js';
import {
  buildOutcomeBranch,
  buildOutcomePullRequest,
  parseOutcomeMarker,
  parseWebhookEvent,
  recordOutcome,
  renderOutcomeMarker,
  signWebhookData,
  verifyWebhookSignature,
} from '../../src/outcomes/index.js';
import { buildPlan, parsePlan, PLAN_COMMENT_MARKER, renderPlanMarkdown, resolveReferences } from '../../src/reconcile/index.js';
import { startWebhookServer, type WebhookServer } from '../../src/server/index.js';
import { seedWorkspace, liveExperiment } from '../reconcile/fixtures.js';
import { captureIo } from '../helpers/io.js';
import { createGitRepo, gitIn } from '../helpers/git-repo.js';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake-github.js';
import { control, keyArb } from './helpers.js';

const EPPO_KEY = 'eppo-key-S3CR3T-7f3a9c1d';
const WEBHOOK_SECRET = 'whsec-S3CR3T-91bd44e0';
const GH_TOKEN = 'ghs_S3CR3Ttoken55aa7710';
const SECRETS = [EPPO_KEY, WEBHOOK_SECRET, GH_TOKEN];
const DEFINITION = `# yaml-language-server: $schema=../schemas/experiment.schema.json
experiment_key: checkout-button-color
name: Checkout button color
${VALID_TAIL}metrics:
  - metric: Checkout conversion
    is_primary: true
`;

/** Fails when `text` holds a secret, or a 10-character piece of one (a clipped message). */
function expectNoSecret(text: string, where: string): void {
  for (const secret of SECRETS) {
    expect(text.includes(secret), `${where} contains a secret`).toBe(false);
    expect(text.includes(secret.slice(5, 15)), `${where} contains part of a secret`).toBe(false);
  }
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

function git(cwd: string, ...args: string[]): string {
  return gitIn(cwd, args);
}

async function gitRepo(files: Record<string, string>): Promise<string> {
  return createGitRepo({ prefix: 'eppo-gitops-sec-', files }).dir;
}

/** A tiny HTTP server on a chosen loopback address that records requests and answers with `reply`. */
async function tinyServer(host: string, reply: (req: { method: string; url: string; headers: IncomingHttpHeaders }) => { status: number; headers?: Record<string, string>; body?: string }) {
  const seen: Array<{ method: string; url: string; headers: IncomingHttpHeaders }> = [];
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const entry = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers };
      seen.push(entry);
      const r = reply(entry);
      res.writeHead(r.status, { 'content-type': 'application/json', ...(r.headers ?? {}) });
      res.end(r.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------- 1. secrets

describe('the Eppo token, the webhook secret and the GitHub token never appear in any output, log, error or file', () => {
  let emu: RunningEmulator;
  let github: FakeGitHub;
  let repo: string;
  const outputs: Array<[string, string]> = [];

  beforeAll(async () => {
    emu = await startEmulator({ port: 0, apiKeys: [{ key: EPPO_KEY, access: 'read-write' }], webhookRetry: { attempts: 2, baseDelayMs: 5, maxDelayMs: 10 } });
    github = await startFakeGitHub({ token: GH_TOKEN });
    github.commitFiles({ 'experiments/checkout-button-color.yaml': DEFINITION });
    repo = await gitRepo({ 'experiments/checkout-button-color.yaml': DEFINITION });
  });
  afterAll(async () => {
    await emu.close();
    await github.close();
    await rm(repo, { recursive: true, force: true });
  });

  const env = (over: Record<string, string | undefined> = {}): Record<string, string | undefined> => ({
    PATH: process.env.PATH,
    HOME: repo,
    GIT_CONFIG_NOSYSTEM: '1',
    EPPO_API_KEY: EPPO_KEY,
    EPPO_BASE_URL: emu.url,
    EPPO_WEBHOOK_SECRET: WEBHOOK_SECRET,
    ...over,
  });
  const githubEnv = (): Record<string, string> => ({ GITHUB_TOKEN: GH_TOKEN, GITHUB_REPOSITORY: `${github.owner}/${github.repo}`, GITHUB_API_URL: github.url });

  async function run(args: string[], over: Record<string, string | undefined> = {}): Promise<number> {
    const io = captureIo({ cwd: repo, env: env(over) });
    const code = await main(args, io);
    outputs.push([`${args.join(' ')} (stdout)`, io.out()], [`${args.join(' ')} (stderr)`, io.err()]);
    return code;
  }

  it('across validate, plan (every format, saved), apply, import, outcome, outcomes sync and serve, errors and --debug included', { timeout: 60_000 }, async () => {
    expect(await run(['validate'])).toBe(0);
    expect(await run(['plan', '--format', 'json', '--out', 'plan.json'])).toBe(0);
    expect(await run(['plan', '--format', 'markdown'])).toBe(0);
    expect(await run(['apply', 'plan.json'])).toBe(0);
    expect(await run(['plan', '--detailed-exitcode'])).toBe(0);

    const [other] = emu.seedExperiments([
      { name: 'Pricing page', experiment_key: 'pricing-page', entity_id: 1, assignment_source_id: 1, assignments_start_date: '2026-01-05', variations: [{ name: 'A', variant_key: 'a', is_control: true, weighted_expected_traffic: 0.5, is_active: true }, { name: 'B', variant_key: 'b', is_control: false, weighted_expected_traffic: 0.5, is_active: true }] },
    ]);
    expect(await run(['import', '--all'])).toBe(0);
    const live = (await control(emu, 'GET', '/requests')) as Array<{ path: string }>;
    expect(live.length).toBeGreaterThan(0);

    const id = (await createEppoClient({ baseUrl: emu.url, apiKey: EPPO_KEY }).listExperiments({ experiment_key: 'checkout-button-color' }))[0]!.id;
    await control(emu, 'POST', `/experiments/${id}/decision`, { winning_variant_key: 'green', outcome: 'POSITIVE' });
    await control(emu, 'POST', `/experiments/${other!.id}/decision`, { winning_variant_key: 'b', outcome: 'NEGATIVE' });
    expect(await run(['outcome', '--experiment-id', String(id), '--format', 'json'], githubEnv())).toBe(0);
    expect(await run(['outcomes', 'sync'], githubEnv())).toBe(0);
    expect(await run(['outcome', '--experiment-id', String(id), '--git-host', 'local'])).toBe(0);
    expect(github.pulls().length).toBe(1);

    // Failures, with and without --debug.
    expect(await run(['plan', '--debug'], { EPPO_API_KEY: `${EPPO_KEY}-wrong` })).toBe(1);
    expect(await run(['plan'], { EPPO_BASE_URL: emu.url.replace('http://', `http://user:${EPPO_KEY}@`) })).toBe(1);
    github.failNext(40, 500);
    expect(await run(['outcome', '--experiment-id', String(id), '--debug'], githubEnv())).toBe(1);
    expect(await run(['outcome', '--experiment-id', String(id), '--debug'], { ...githubEnv(), GITHUB_TOKEN: `${GH_TOKEN}-bad` })).toBe(1);
    await writeFile(join(repo, 'event.json'), JSON.stringify({ event: 'experiment.status.updated', data: { experiment_id: id }, signature: 'f'.repeat(64) }));
    expect(await run(['outcome', '--event-file', 'event.json', '--debug'])).toBe(1);
    await writeFile(join(repo, 'eppo-gitops.yaml'), `api_key: ${EPPO_KEY}\nwebhook_secret: ${WEBHOOK_SECRET}\ntoken: ${GH_TOKEN}\n`);
    expect(await run(['validate'])).toBe(1);
    expect(await run(['plan', '--debug'])).toBe(1);
    await rm(join(repo, 'eppo-gitops.yaml'));

    // A server that echoes the token back in its error bodies (a misconfigured proxy).
    const echo = await tinyServer('127.0.0.1', (req) => ({ status: req.url.includes('entities') ? 500 : 400, body: JSON.stringify({ message: `bad token ${String(req.headers['x-eppo-token'])}` }) }));
    try {
      expect(await run(['plan', '--debug'], { EPPO_BASE_URL: `${echo.url}/api/v1` })).toBe(1);
      expect(echo.seen.length).toBeGreaterThan(0);
    } finally {
      await echo.close();
    }

    // serve: valid, wrongly signed and malformed deliveries; its JSON log lines go to stderr.
    const controller = new AbortController();
    const io = captureIo({ cwd: repo, env: env(), signal: controller.signal });
    const exit = main(['serve', '--port', '0', '--git-host', 'local'], io);
    for (let i = 0; i < 300 && !io.out().includes('listening on'); i++) await new Promise((r) => setTimeout(r, 10));
    const url = /listening on (http:\/\/\S+)/.exec(io.out())?.[1];
    expect(url, io.err()).toBeDefined();
    const data = { experiment_id: id, experiment_key: 'checkout-button-color' };
    const bodies = [
      JSON.stringify({ event: 'experiment.status.updated', data, signature: signWebhookData(data, WEBHOOK_SECRET) }),
      JSON.stringify({ event: 'experiment.status.updated', data, signature: signWebhookData(data, 'another-secret') }),
      JSON.stringify({ event: 'experiment.status.updated', data: { ...data, experiment_key: WEBHOOK_SECRET }, signature: 'ab' }),
      '{not json',
    ];
    for (const body of bodies) {
      const res = await request(`${url}/webhooks/eppo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      outputs.push(['serve response', await res.body.text()]);
    }
    await new Promise((r) => setTimeout(r, 100));
    controller.abort();
    expect(await exit).toBe(0);
    outputs.push(['serve (stdout)', io.out()], ['serve (stderr)', io.err()]);
    expect(io.err()).toContain('"action":"rejected"');

    // Everything printed, every file written in the checkout (plan file, imported
    // files, git refs and logs), every request body GitHub and Eppo received, and the
    // emulator's request log.
    for (const [where, text] of outputs) expectNoSecret(text, where);
    const files = (await filesUnder(repo)).filter((f) => !f.includes(`${join('.git', 'objects')}`));
    expect(files.some((f) => f.endsWith('plan.json'))).toBe(true);
    expect(files.some((f) => f.endsWith(join('experiments', 'pricing-page.yaml')))).toBe(true);
    for (const file of files) expectNoSecret(await readFile(file, 'utf8'), relative(repo, file));
    for (const commit of git(repo, 'rev-list', '--all').split('\n')) expectNoSecret(git(repo, 'show', '--format=%B', commit), `commit ${commit}`);
    for (const r of github.requests) expectNoSecret(JSON.stringify(r.body) + r.path + JSON.stringify(r.query), `GitHub request ${r.method} ${r.path}`);
    for (const pr of github.pulls()) expectNoSecret(`${pr.title}${pr.body}`, `pull request #${pr.number}`);
    expectNoSecret(JSON.stringify(await control(emu, 'GET', '/requests')), 'the emulator request log');
    expect(outputs.length).toBeGreaterThan(30);
  });

  it('a definition that is a symlink out of the checkout (to a file holding a secret, or /proc/self/environ) is not read', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'eppo-gitops-outside-'));
    const dir = await gitRepo({ 'experiments/checkout-button-color.yaml': DEFINITION });
    try {
      await writeFile(join(outside, 'env'), `EPPO_API_KEY=${EPPO_KEY}\nGITHUB_TOKEN=${GH_TOKEN}\n`);
      await writeFile(join(outside, 'keys.yaml'), `${EPPO_KEY}: 1\nexperiment_key: ${WEBHOOK_SECRET}\n`);
      await symlink(join(outside, 'env'), join(dir, 'experiments', 'env.yaml'));
      await symlink(join(outside, 'keys.yaml'), join(dir, 'experiments', 'keys.yaml'));
      await symlink(outside, join(dir, 'experiments', 'elsewhere'));
      await symlink('/proc/self/environ', join(dir, 'experiments', 'environ.yaml'));
      for (const args of [['validate'], ['validate', '--format', 'json'], ['plan', '--format', 'markdown'], ['plan']]) {
        const io = captureIo({ cwd: dir, env: { EPPO_API_KEY: EPPO_KEY, EPPO_BASE_URL: emu.url } });
        expect(await main(args, io)).toBe(1);
        expectNoSecret(io.out() + io.err(), args.join(' '));
        expect(io.out() + io.err()).toMatch(/env\.yaml/);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('the client redacts the token from every error it raises, even when the server echoes it', async () => {
    const echo = await tinyServer('127.0.0.1', (req) => ({ status: 503, body: `upstream said ${String(req.headers['x-eppo-token'])}` }));
    const api = createEppoClient({ baseUrl: `${echo.url}/api/v1`, apiKey: EPPO_KEY, retryBaseMs: 1, maxAttempts: 2 });
    try {
      const error = await api.listEntities().then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error).toBeInstanceOf(Error);
      expect(echo.seen[0]!.headers['x-eppo-token']).toBe(EPPO_KEY);
      expectNoSecret(`${error!.message} ${JSON.stringify(error)} ${String((error as { hint?: string }).hint)}`, 'the client error');
      expect(error!.message).toContain('***');
    } finally {
      await api.close();
      await echo.close();
    }
  });
});

// ---------------------------------------------------------------- 2. plain http only on loopback

describe('EPPO_BASE_URL: plain http is refused unless the host is loopback', () => {
  it.each([
    'http://eppo.cloud/api/v1',
    'http://10.0.0.1/api/v1',
    'http://192.168.1.10:8080/api/v1',
    'http://127.0.0.1.nip.io/api/v1',
    'http://localhost.evil.test/api/v1',
    'http://[::ffff:127.0.0.1]/api/v1',
    'http://[::2]/api/v1',
    'HTTP://EPPO.CLOUD/api/v1',
    'ftp://127.0.0.1/api/v1',
    'file:///etc/passwd',
    'javascript:alert(1)',
    'https://user:pass@eppo.cloud/api/v1',
    'https://eppo.cloud/api/v1?token=x',
    'not a url',
  ])('refuses %s', (url) => {
    expect(() => parseBaseUrl(url)).toThrow();
    expect(() => createEppoClient({ baseUrl: url, apiKey: EPPO_KEY })).toThrow();
  });

  it.each(['http://127.0.0.1:1/api/v1', 'http://127.0.0.2/api/v1', 'http://127.255.255.254/api/v1', 'http://localhost:8080/api/v1', 'http://LOCALHOST/api/v1', 'http://[::1]:1/api/v1', 'http://0x7f000001/api/v1', 'https://eppo.cloud/api/v1', 'https://eppo.cloud/api/v1/'])(
    'accepts %s',
    (url) => {
      expect(() => parseBaseUrl(url)).not.toThrow();
    },
  );

  it('the CLI refuses it with a message naming the rule, and prints no key', async () => {
    const io = captureIo({ env: { EPPO_API_KEY: EPPO_KEY, EPPO_BASE_URL: 'http://eppo.cloud/api/v1' }, cwd: join(tmpdir()) });
    const dir = await gitRepo({ 'experiments/checkout-button-color.yaml': DEFINITION });
    try {
      const code = await main(['plan'], { ...io, cwd: dir });
      expect(code).toBe(1);
      expect(io.err()).toMatch(/refusing plain http .*loopback/);
      expectNoSecret(io.err() + io.out(), 'plan output');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

// ---------------------------------------------------------------- 3. redirects

describe('redirects are never followed, and the token never goes to another host', () => {
  it('Eppo client: a 302 to another 127.0.0.x port is an error; that port receives nothing', async () => {
    const elsewhere = await tinyServer('127.0.0.2', () => ({ status: 200, body: '[]' }));
    let status = 302;
    const redirecting = await tinyServer('127.0.0.1', (req) => ({ status, headers: { location: `${elsewhere.url}${req.url}` } }));
    const dir = await gitRepo({ 'experiments/checkout-button-color.yaml': DEFINITION });
    try {
      for (status of [301, 302, 303, 307, 308]) {
        const api = createEppoClient({ baseUrl: `${redirecting.url}/api/v1`, apiKey: EPPO_KEY, retryBaseMs: 1 });
        await expect(api.getExperiment(1)).rejects.toThrow(new RegExp(`${status} redirect to host 127\\.0\\.0\\.2:\\d+; redirects are not followed`));
        await expect(api.createExperiment({ name: 'x' })).rejects.toThrow(/redirects are not followed/);
        await api.close();
      }
      status = 302;
      const io = captureIo({ cwd: dir, env: { EPPO_API_KEY: EPPO_KEY, EPPO_BASE_URL: `${redirecting.url}/api/v1` } });
      expect(await main(['plan'], io)).toBe(1);
      expect(io.err()).toMatch(/redirect to host 127\.0\.0\.2:\d+; redirects are not followed and the token is not sent there/);
      expect(redirecting.seen.length).toBeGreaterThan(0);
      expect(redirecting.seen.every((r) => r.headers['x-eppo-token'] === EPPO_KEY)).toBe(true);
      expect(elsewhere.seen).toEqual([]);
    } finally {
      await redirecting.close();
      await elsewhere.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('GitHub client: a redirect to another host never carries the GitHub token', async () => {
    const elsewhere = await tinyServer('127.0.0.2', () => ({ status: 200, body: JSON.stringify({ default_branch: 'main' }) }));
    const redirecting = await tinyServer('127.0.0.1', (req) => ({ status: 302, headers: { location: `${elsewhere.url}${req.url}` } }));
    try {
      const host = createGitHubHost({ octokit: createOctokit({ token: GH_TOKEN, baseUrl: redirecting.url, retries: 0, retryBaseMs: 1 }), owner: 'acme', repo: 'experiments' });
      await host.baseBranch().catch(() => undefined);
      expect(redirecting.seen.length).toBeGreaterThan(0);
      expect(String(redirecting.seen[0]!.headers.authorization)).toContain(GH_TOKEN);
      for (const r of elsewhere.seen) {
        expect(JSON.stringify(r.headers)).not.toContain(GH_TOKEN);
        expect(r.headers.authorization).toBeUndefined();
      }
    } finally {
      await redirecting.close();
      await elsewhere.close();
    }
  });
});

// ---------------------------------------------------------------- 4. keys

const UNSAFE_KEYS = ['../x', '../../etc/passwd', 'a/b', 'a\\b', '.git', '.hidden', '-x', '--all', '..', 'x/../../y', 'a b', 'a:b', 'a~1', 'a^b', 'a?b', 'a*b', 'a[b', 'a@{b', '@', 'x\u0000y', 'é', `${'k'.repeat(129)}`];
/** Keys the definition format allows that git refuses as they stand in a ref name. */
const REF_EDGE_KEYS = ['a..b', 'x.lock', 'x.', 'a.lock', 'v1..2', 'x_-.lock', 'a...', 'a.-b'];

function validRef(branch: string): boolean {
  try {
    execFileSync('git', ['check-ref-format', '--branch', branch], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('experiment keys cannot escape experiments/ or make odd branch names', () => {
  let emu: RunningEmulator;
  let dir: string;
  const body = (key: string): ExperimentInput => ({
    name: `Experiment ${key}`,
    experiment_key: key,
    entity_id: 1,
    assignment_source_id: 1,
    assignments_start_date: '2026-01-05',
    variations: [
      { name: 'A', variant_key: 'a', is_control: true, weighted_expected_traffic: 0.5, is_active: true },
      { name: 'B', variant_key: 'b', is_control: false, weighted_expected_traffic: 0.5, is_active: true },
    ],
  });
  beforeEach(async () => {
    emu = await startEmulator({ port: 0, apiKeys: [{ key: EPPO_KEY, access: 'read-write' }] });
    dir = await gitRepo({ 'experiments/.keep': '' });
  });
  afterEach(async () => {
    await emu.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('import refuses every unsafe key (with --all and with --key) and writes nothing outside experiments/', async () => {
    emu.seedExperiments(UNSAFE_KEYS.filter((k) => k.trim() !== '').map(body));
    const before = new Set(await filesUnder(dir));
    const io = captureIo({ cwd: dir, env: { EPPO_API_KEY: EPPO_KEY, EPPO_BASE_URL: emu.url } });
    expect(await main(['import', '--all'], io)).toBe(1);
    for (const key of UNSAFE_KEYS) {
      const one = captureIo({ cwd: dir, env: { EPPO_API_KEY: EPPO_KEY, EPPO_BASE_URL: emu.url } });
      expect(await main(['import', `--key=${key}`], one), key).toBe(1);
      expect(one.out()).not.toContain('+ wrote');
    }
    const after = (await filesUnder(dir)).filter((f) => !before.has(f) && !f.includes(`${join(dir, '.git')}`));
    expect(after).toEqual([]);
    expect(io.err()).toMatch(/not safe as a file name/);
    expectNoSecret(io.err(), 'import errors');
  });

  it('every outcome branch name is a valid git branch, under eppo-gitops/outcome/, for every key the format allows', () => {
    const keys = [...REF_EDGE_KEYS, ...fc.sample(keyArb, { numRuns: 80, seed: 7 })];
    const bad = keys.filter((k) => {
      const branch = buildOutcomeBranch(k);
      return !branch.startsWith('eppo-gitops/outcome/') || !validRef(branch);
    });
    expect(bad).toEqual([]);
    const branches = keys.map(buildOutcomeBranch);
    expect(new Set(branches).size).toBe(new Set(keys).size);
  });

  it('an unsafe key from Eppo, even when a (broken) file declares it, proposes no branch', async () => {
    const key = '../../x';
    const repo = await gitRepo({ 'experiments/broken.yaml': `experiment_key: "${key}"\nname: x\n`, 'experiments/dash.yaml': 'experiment_key: "-x"\nname: y\n' });
    const api = createEppoClient({ baseUrl: emu.url, apiKey: EPPO_KEY });
    try {
      const [a, b] = emu.seedExperiments([body(key), body('-x')]);
      for (const exp of [a!, b!]) {
        await control(emu, 'POST', `/experiments/${exp.id}/decision`, { winning_variant_key: 'b', outcome: 'POSITIVE' });
        const host = createLocalHost({ cwd: repo, env: { PATH: process.env.PATH, HOME: repo, GIT_CONFIG_NOSYSTEM: '1' } });
        const result = await recordOutcome({ experimentId: exp.id, eppo: api, host, dir: 'experiments' }).catch((e: unknown) => ({ action: 'threw', error: String(e) }));
        expect(['proposed', 'updated', 'already-proposed']).not.toContain(result.action);
      }
      const refs = git(repo, 'for-each-ref', '--format=%(refname)');
      expect(refs.split('\n')).toEqual(['refs/heads/main']);
    } finally {
      await api.close();
      await rm(repo, { recursive: true, force: true });
    }
  });
});

// ---------------------------------------------------------------- 5. Eppo text in Markdown

const HOSTILE = [
  '<img src=x onerror=alert(1)>',
  '<script>alert(1)</script>',
  '</details><details open>',
  '<!-- eppo-gitops:outcome {"experiment_id":1,"outcome":"NEGATIVE","winning_variant_key":"x"} -->',
  '@octocat',
  '@org/security-team',
  'cc @everyone',
  '[click](https://evil.example/x)',
  '![pixel](https://evil.example/p.png)',
  'https://evil.example/phish',
  'www.evil.example',
  '<https://evil.example>',
  'javascript:alert(1)',
  '```\n</details>',
  '| col | injection |',
  '#123 closes #1',
  '**bold** _it_ ~~s~~',
  '&lt;already&gt; &#64;',
  'line\nbreak\r\nmore',
  '\u202Eevil\u202C',
];
const hostileText = fc.oneof(fc.constantFrom(...HOSTILE), fc.array(fc.constantFrom(...HOSTILE, 'ok', ' ', 'é'), { minLength: 1, maxLength: 4 }).map((p) => p.join('')));

/** What renders outside code: fenced blocks and inline code removed, our own tags removed. */
function renderedText(markdown: string, allowedTags: RegExp): string {
  let text = markdown.replace(/^(`{3,})[^\n]*\n[\s\S]*?\n\1$/gm, '');
  text = text.replace(/`[^`\n]*`/g, '');
  return text.replace(allowedTags, '');
}

function expectInert(rendered: string, allowedLinks: string[] = []): void {
  let text = rendered;
  for (const link of allowedLinks) text = text.split(link).join('');
  expect(text, text).not.toMatch(/</);
  expect(text, text).not.toMatch(/@[A-Za-z0-9]/);
  expect(text, text).not.toMatch(/\]\(/);
  expect(text, text).not.toMatch(/:\/\//);
  expect(text, text).not.toMatch(/\bwww\.[a-z]/i);
}

describe('text from Eppo is escaped in PR bodies and plan comments (no HTML, no @-mentions, no injected links)', () => {
  it('outcome pull request: title one line, body inert, the marker cannot be forged', () => {
    let cases = 0;
    fc.assert(
      fc.property(hostileText, hostileText, hostileText, hostileText, fc.constantFrom('https://eppo.cloud/experiments/7', 'javascript:alert(1)', 'https://eppo.cloud/x)[y](https://evil.example', null), (name, outcome, status, concluded, resultsUrl) => {
        cases++;
        const experiment = liveExperiment({ id: 7, name, outcome, status, concluded_date: concluded, winning_variant_key: 'green', results_url: resultsUrl }) as EppoExperiment;
        const pr = buildOutcomePullRequest(experiment, 'experiments/checkout-button-color.yaml');
        expect(pr.title).not.toMatch(/[\r\n]/);
        expect(parseOutcomeMarker(pr.body)).toEqual({ experiment_id: 7, outcome, winning_variant_key: 'green' });
        const marker = renderOutcomeMarker(pr.marker);
        expect(pr.body.split(marker).length).toBe(2);
        const links = [...pr.body.matchAll(/\[Open the results in Eppo\]\(([^)]*)\)/g)];
        expect(links.length).toBeLessThanOrEqual(1);
        if (links[0]) expect(links[0][1]!.startsWith('https://eppo.cloud/')).toBe(true);
        expectInert(renderedText(pr.body.replace(marker, ''), /$^/g), links[0] ? [links[0][0]] : []);
      }),
      { numRuns: 300 },
    );
    expect(cases).toBe(300);
  });

  it('plan comment: unmanaged names, live values in diffs and reference problems stay inert', () => {
    const defText = (key: string) => `experiment_key: ${key}\nname: Safe\nentity: user\nassignment_source: User assignments\nassignments_start_date: 2026-01-05\nvariations:\n  - variant_key: control\n    is_control: true\n    weight: 0.5\n  - variant_key: green\n    weight: 0.5\nmetrics:\n  - metric: Nope\n    is_primary: true\n`;
    fc.assert(
      fc.property(hostileText, hostileText, hostileText, (name, hypothesis, metricName) => {
        const workspace = seedWorkspace([
          liveExperiment({ id: 1, experiment_key: 'managed', name, hypothesis }),
          liveExperiment({ id: 2, experiment_key: name, name }),
        ]);
        workspace.metrics.push({ id: 99, name: metricName, entity_id: 1 });
        const def = parseDefinition('experiments/managed.yaml', defText('managed').replace('  - metric: Nope\n    is_primary: true\n', '  - metric: Checkout conversion\n    is_primary: true\n')).definition!;
        const broken = parseDefinition('experiments/broken.yaml', defText('broken')).definition!;
        const { problems } = resolveReferences([broken], workspace);
        expect(problems.length).toBeGreaterThan(0);
        const plan = buildPlan([def], workspace, { baseUrl: 'https://eppo.cloud/api/v1', createdAt: '2026-01-01T00:00:00.000Z' });
        const md = renderPlanMarkdown(plan, { problems });
        expect(md.startsWith(PLAN_COMMENT_MARKER)).toBe(true);
        expectInert(renderedText(md.replace(PLAN_COMMENT_MARKER, ''), /<\/?(details|summary|b|code)>/g));
      }),
      { numRuns: 200 },
    );
  });
});

// ---------------------------------------------------------------- 6. YAML prototype keys, alias bombs

describe('YAML __proto__ / constructor keys and alias bombs are harmless', () => {
  const protoBefore = Object.getOwnPropertyNames(Object.prototype).sort().join();
  afterEach(() => {
    expect(Object.getOwnPropertyNames(Object.prototype).sort().join()).toBe(protoBefore);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  it('definition files: prototype keys are unknown keys (schema errors), never object prototypes', () => {
    for (const text of [
      `${DEFINITION}__proto__:\n  polluted: true\n`,
      `${DEFINITION}constructor:\n  prototype:\n    polluted: true\n`,
      DEFINITION.replace('    weight: 0.5\n', '    weight: 0.5\n    __proto__: { isAdmin: true }\n'),
      `${DEFINITION}<<: { __proto__: { polluted: true } }\n`,
      `__proto__: &p { polluted: true }\n${DEFINITION}x: *p\n`,
    ]) {
      const result = parseDefinition('experiments/checkout-button-color.yaml', text);
      expect(result.definition).toBeUndefined();
      expect(result.problems.some((p) => p.severity === 'error')).toBe(true);
    }
  });

  it('the settings file, a saved plan and a webhook body: prototype keys change nothing', () => {
    const config = parseConfig('__proto__:\n  polluted: true\ndir: experiments\n');
    expect(config.problems.some((p) => p.severity === 'error')).toBe(true);
    const summary = '"summary":{"create":0,"update":0,"unchanged":0,"skip":0,"conflict":0,"unmanaged":0}';
    const plan = parsePlan(`{"format_version":1,"eppo_base_url":"x",${summary},"changes":[],"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}`);
    expect(plan.ok).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const body = JSON.parse('{"event":"experiment.status.updated","data":{"__proto__":{"experiment_id":5}},"signature":"00"}') as unknown;
    expect(parseWebhookEvent(body)).toEqual({ kind: 'invalid', reason: '"data.experiment_id" is not a positive integer' });
  });

  it('alias bombs: the loader, the outcome edit and the key reader stop early, with a bounded result', () => {
    const bomb = [`experiment_key: bomb`, 'a: &a ["x","x","x","x","x","x","x","x","x"]', ...'bcdefghijklmnopqrst'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefghijklmnopqrst'[i]}`).join(',')}]`), 'outcome: *t'].join('\n');
    const parsed = parseDefinition('experiments/bomb.yaml', bomb);
    expect(parsed.problems.some((p) => p.rule === 'yaml' && /alias/.test(p.message))).toBe(true);
    expect(JSON.stringify(parsed).length).toBeLessThan(10_000);
    expect(readExperimentKey(bomb)).toBe('bomb');
    const edited = (() => {
      try {
        return writeOutcome(bomb, { status: 'Concluded', outcome: 'POSITIVE' }).text;
      } catch (error) {
        return String(error);
      }
    })();
    expect(edited.length).toBeLessThan(bomb.length + 1_000);
  });
});

// ---------------------------------------------------------------- 7. signatures

describe('the webhook signature is compared in constant time and failures leak nothing', () => {
  const data = { experiment_id: 4521, experiment_key: 'checkout-button-color' };
  const good = signWebhookData(data, WEBHOOK_SECRET);
  const spy = vi.mocked(timingSafeEqual);
  beforeEach(() => {
    spy.mockClear();
  });

  it('uses timingSafeEqual on equal-length digests, after the format and length checks', () => {
    expect(verifyWebhookSignature({ data, signature: good }, WEBHOOK_SECRET)).toBe(true);
    expect(spy).toHaveBeenCalledTimes(1);
    const [a, b] = spy.mock.calls[0]! as [Buffer, Buffer];
    expect(a.length).toBe(32);
    expect(b.length).toBe(32);

    spy.mockClear();
    const wrong = `${good.slice(0, 63)}${good[63] === '0' ? '1' : '0'}`;
    expect(verifyWebhookSignature({ data, signature: wrong }, WEBHOOK_SECRET)).toBe(false);
    expect(spy).toHaveBeenCalledTimes(1);

    for (const signature of [good.slice(0, 63), `${good}0`, `${good}00`, '', good.slice(0, 2), `${good.slice(0, 62)}zz`, good.toUpperCase(), ` ${good}`, `${good}\n`, 'x'.repeat(10_000)]) {
      spy.mockClear();
      expect(() => verifyWebhookSignature({ data, signature }, WEBHOOK_SECRET)).not.toThrow();
      expect(verifyWebhookSignature({ data, signature }, WEBHOOK_SECRET), JSON.stringify(signature.slice(0, 80))).toBe(false);
      expect(spy).not.toHaveBeenCalled();
    }
    for (const signature of [undefined, null, 42, [good], { good }]) {
      expect(verifyWebhookSignature({ data, signature }, WEBHOOK_SECRET)).toBe(false);
    }
    expect(verifyWebhookSignature({ data, signature: good }, '')).toBe(false);
  });

  describe('over HTTP', () => {
    let server: WebhookServer;
    const logs: string[] = [];
    const handled: number[] = [];
    beforeAll(async () => {
      server = await startWebhookServer({
        port: 0,
        secret: WEBHOOK_SECRET,
        log: (e) => logs.push(JSON.stringify(e)),
        handle: async (id) => {
          handled.push(id);
          return { action: 'unchanged' };
        },
      });
    });
    afterAll(async () => {
      await server.close();
    });

    it('answers every kind of signature failure with the same 401, and logs no secret or digest', async () => {
      const other = signWebhookData(data, 'not-the-secret');
      const kinds: Record<string, unknown> = {
        missing: { event: 'experiment.status.updated', data },
        wrong: { event: 'experiment.status.updated', data, signature: other },
        short: { event: 'experiment.status.updated', data, signature: good.slice(0, 40) },
        long: { event: 'experiment.status.updated', data, signature: `${good}ab` },
        'non-hex': { event: 'experiment.status.updated', data, signature: `${good.slice(0, 63)}g` },
        uppercase: { event: 'experiment.status.updated', data, signature: good.toUpperCase() },
        number: { event: 'experiment.status.updated', data, signature: 1234 },
        'other data': { event: 'experiment.status.updated', data: { ...data, experiment_id: 1 }, signature: good },
        'no data': { event: 'experiment.status.updated', signature: good },
        'ignored event': { event: 'flag.configuration.updated', data, signature: other },
      };
      const answers: Array<{ kind: string; status: number; body: string; headers: string }> = [];
      for (const [kind, body] of Object.entries(kinds)) {
        const res = await request(`${server.url}/webhooks/eppo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        const text = await res.body.text();
        const { date: _date, ...headers } = res.headers;
        answers.push({ kind, status: res.statusCode, body: text, headers: JSON.stringify(headers) });
      }
      for (const a of answers) {
        expect(a.status, a.kind).toBe(401);
        expect(a.body, a.kind).toBe(answers[0]!.body);
        expect(a.headers, a.kind).toBe(answers[0]!.headers);
      }
      expect(answers[0]!.body).toBe('{"error":"unauthorized"}');
      await server.idle();
      expect(handled).toEqual([]);
      const all = logs.join('\n');
      expect(all).toContain('invalid signature');
      expect(all).not.toContain(WEBHOOK_SECRET);
      expect(all).not.toContain(good);
      expect(all).not.toContain(other);
    });
  });
});
