import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { parseDocument } from 'yaml';
import { main } from '../../src/cli/main.js';
import { DEFAULT_EMULATOR_API_KEY, startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { signWebhookData } from '../../src/outcomes/index.js';
import { captureIo, watchedIo, type CapturedIo } from '../helpers/io.js';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake-github.js';
import { createGitRepo, type GitRepo } from '../helpers/git-repo.js';
import { CONCLUDED_AT, DEFINITION, DEFINITION_PATH, experimentBody } from './harness.js';

const SECRET = 'whsec-cli-test-secret';
const BRANCH = 'eppo-gitops/outcome/checkout-button-color';

let checkout: GitRepo;
let repo: string;
let emu: RunningEmulator;
let experimentId: number;
const cleanups: Array<() => Promise<void>> = [];

const baseEnv = (): Record<string, string | undefined> => {
  const env: Record<string, string | undefined> = { ...process.env, HOME: repo, GIT_CONFIG_NOSYSTEM: '1' };
  for (const k of ['GITHUB_TOKEN', 'GITHUB_REPOSITORY', 'GITHUB_API_URL', 'EPPO_GITOPS_BASE_BRANCH', 'EPPO_WEBHOOK_SECRET', 'PORT']) delete env[k];
  return { ...env, EPPO_BASE_URL: emu.url, EPPO_API_KEY: emu.apiKey };
};
const git = (...args: string[]): string => checkout.git(...args);

async function decide(winner: string, outcome: string): Promise<void> {
  emu.decide(experimentId, { winning_variant_key: winner, outcome, concluded_date: CONCLUDED_AT });
}

/** Starts `serve` in-process; resolves once it listens, with its URL, its output and a stop function. */
async function serve(env: Record<string, string | undefined>, extra: string[] = []) {
  const controller = new AbortController();
  const io = watchedIo({ cwd: repo, env, signal: controller.signal });
  const exit = main(['serve', '--port', '0', ...extra], io);
  await io.until('out', 'listening on', exit);
  const url = /listening on (http:\/\/127\.0\.0\.\d+:\d+)/.exec(io.out())?.[1];
  if (url === undefined) throw new Error(`serve printed no URL: ${io.out()}`);
  return {
    url,
    io,
    stop: async (): Promise<number> => {
      controller.abort('SIGTERM');
      return exit;
    },
  };
}

async function registerWebhook(url: string): Promise<void> {
  emu.addWebhook({ url: `${url}/webhooks/eppo`, secret: SECRET });
}

/** A git repository holding the definition, and an emulator holding its running experiment, fresh for each test. */
function withRepositoryAndEmulator(): void {
  beforeEach(async () => {
    checkout = createGitRepo({ prefix: 'eppo-gitops-cli-', files: { [DEFINITION_PATH]: DEFINITION } });
    repo = checkout.dir;
    emu = await startEmulator({ port: 0, webhookRetry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 } });
    experimentId = emu.seedExperiments([experimentBody()])[0]!.id;
  });
  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()!();
    await emu.close();
    checkout.remove();
  });
}

describe('end to end: emulator decision → signed webhook → serve → outcome', () => {
  withRepositoryAndEmulator();

  it('local git host: a commit on the outcome branch; redelivery adds none; exits 0 on SIGTERM', async () => {
    const server = await serve({ ...baseEnv(), EPPO_WEBHOOK_SECRET: SECRET }, ['--git-host', 'local']);
    await registerWebhook(server.url);
    await decide('green', 'POSITIVE');
    await emu.idle();
    await server.io.until('err', '"msg":"processed"');
    const head = git('rev-parse', BRANCH);
    const text = checkout.show(BRANCH, DEFINITION_PATH);
    expect(text.slice(0, DEFINITION.length)).toBe(DEFINITION);
    expect(parseDocument(text).toJS().outcome).toEqual({ status: 'Concluded', outcome: 'POSITIVE', winning_variant_key: 'green', eppo_experiment_id: experimentId, recorded_at: CONCLUDED_AT });

    const data = { experiment_id: experimentId, experiment_key: 'checkout-button-color' };
    const redelivery = await request(`${server.url}/webhooks/eppo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ event: 'experiment.status.updated', data, signature: signWebhookData(data, SECRET) }),
    });
    expect(redelivery.statusCode).toBe(202);
    await redelivery.body.text();
    const unknownData = { experiment_id: 987_654, experiment_key: 'nobody' };
    const unknown = await request(`${server.url}/webhooks/eppo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ event: 'experiment.status.updated', data: unknownData, signature: signWebhookData(unknownData, SECRET) }),
    });
    expect(unknown.statusCode).toBe(202);
    await unknown.body.text();
    expect(await server.stop()).toBe(0);
    expect(git('rev-parse', BRANCH)).toBe(head);
    expect(git('rev-list', '--count', `main..${BRANCH}`)).toBe('1');
    expect(git('symbolic-ref', '--short', 'HEAD')).toBe('main');
    expect(git('status', '--porcelain')).toBe('');

    const lines = server.io.err().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const deliveries = lines.filter((l) => l.msg === 'delivery');
    expect(deliveries.map((d) => d.experiment_id)).toEqual([experimentId, experimentId, 987_654]);
    for (const d of deliveries) expect(d).toMatchObject({ event: 'experiment.status.updated', status: 202, duration_ms: expect.any(Number) });
    const processed = lines.filter((l) => l.msg === 'processed').map((l) => [l.experiment_id, l.action]);
    expect(processed).toEqual(
      expect.arrayContaining([
        [experimentId, 'proposed'],
        [experimentId, 'already-proposed'],
        [987_654, 'not-found'],
      ]),
    );
    expect(processed).toHaveLength(3);
    expect(server.io.err()).not.toContain(SECRET);
    expect(server.io.err()).not.toContain(emu.apiKey);
  });

  it('serve --local: its embedded emulator is announced, and a decision made there becomes a local commit', async () => {
    const env = { ...baseEnv(), EPPO_WEBHOOK_SECRET: SECRET };
    // --local keeps the emulator's state in .eppo-local/: put the experiment there first.
    expect(await main(['apply', '--local', '--yes'], captureIo({ cwd: repo, env }))).toBe(0);
    // Bound to another loopback address than 127.0.0.1: the emulator must deliver to where the server listens.
    const server = await serve(env, ['--local', '--git-host', 'local', '--host', '127.0.0.2']);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.2:\d+$/);
    const announced = server.io
      .err()
      .split('\n')
      .filter((l) => l.includes('"embedded Eppo emulator"'))
      .map((l) => JSON.parse(l) as { url: string; decide: string });
    expect(announced).toHaveLength(1);
    const { url, decide } = announced[0]!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v1$/);
    expect(decide).toContain(`${new URL(url).origin}/__emulator/experiments/<id>/decision`);
    const registered = await request(`${new URL(url).origin}/__emulator/webhooks`);
    expect(await registered.body.json()).toEqual([{ url: `${server.url}/webhooks/eppo` }]);
    const listed = await request(`${url}/experiments?experiment_key=checkout-button-color`, { headers: { 'x-eppo-token': DEFAULT_EMULATOR_API_KEY } });
    const [live] = (await listed.body.json()) as Array<{ id: number }>;
    const decision = await request(`${new URL(url).origin}/__emulator/experiments/${live!.id}/decision`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ winning_variant_key: 'green', outcome: 'POSITIVE' }),
    });
    await decision.body.text();
    expect(decision.statusCode).toBe(200);
    await server.io.until('err', '"msg":"processed"');
    expect(await server.stop()).toBe(0);
    const text = checkout.show(BRANCH, DEFINITION_PATH);
    expect(parseDocument(text).toJS().outcome).toMatchObject({ status: 'Concluded', outcome: 'POSITIVE', winning_variant_key: 'green', eppo_experiment_id: live!.id });
    expect(git('status', '--porcelain')).toBe('');
  });

  it('github git host: one pull request on the fake GitHub API', async () => {
    const github: FakeGitHub = await startFakeGitHub();
    cleanups.push(() => github.close());
    github.commitFiles({ [DEFINITION_PATH]: DEFINITION });
    const env = { ...baseEnv(), EPPO_WEBHOOK_SECRET: SECRET, GITHUB_TOKEN: github.token, GITHUB_REPOSITORY: 'acme/experiments', GITHUB_API_URL: github.url };
    const server = await serve(env);
    await registerWebhook(server.url);
    await decide('green', 'POSITIVE');
    await emu.idle();
    expect(await server.stop()).toBe(0);
    expect(github.pulls().map((p) => [p.head, p.base, p.title, p.labels])).toEqual([[BRANCH, 'main', 'Record outcome: Checkout button colour — green (POSITIVE)', ['experiment-outcome']]]);
    expect(github.readFile(BRANCH, DEFINITION_PATH)!.slice(0, DEFINITION.length)).toBe(DEFINITION);
    expect(server.io.err()).not.toContain(github.token);
  });
});

describe('outcome and outcomes sync commands', () => {
  withRepositoryAndEmulator();

  it('outcome --event-file takes a repository_dispatch event, verifies its signature, and is idempotent', async () => {
    await decide('blue', 'NEGATIVE');
    const data = { experiment_id: experimentId, experiment_key: 'checkout-button-color' };
    const eventPath = join(repo, 'event.json');
    await writeFile(eventPath, JSON.stringify({ action: 'eppo-webhook', client_payload: { event: 'experiment.status.updated', data, signature: signWebhookData(data, SECRET) } }));
    const env = { ...baseEnv(), EPPO_WEBHOOK_SECRET: SECRET };
    const first = captureIo({ cwd: repo, env });
    expect(await main(['outcome', '--event-file', eventPath, '--git-host', 'local'], first)).toBe(0);
    expect(first.out()).toMatch(new RegExp(`^checkout-button-color \\(#${experimentId}\\): proposed the outcome for experiments/checkout-button-color.yaml in branch ${BRANCH} at [0-9a-f]{12} \\(local commit, no pull request\\)\\n$`));
    const head = git('rev-parse', BRANCH);
    const second = captureIo({ cwd: repo, env });
    expect(await main(['outcome', '--experiment-id', String(experimentId), '--format', 'json'], second)).toBe(0);
    expect(JSON.parse(second.out())).toEqual({
      experiment_id: experimentId,
      action: 'already-proposed',
      experiment_key: 'checkout-button-color',
      file: 'experiments/checkout-button-color.yaml',
      branch: BRANCH,
      commit: head,
    });

    const forged = captureIo({ cwd: repo, env: { ...env, EPPO_WEBHOOK_SECRET: 'another-secret' } });
    expect(await main(['outcome', '--event-file', eventPath], forged)).toBe(1);
    expect(forged.err()).toMatch(/not signed with EPPO_WEBHOOK_SECRET/);
    expect(forged.err()).not.toContain('another-secret');
  });

  it('outcome reports an unknown experiment id with exit 1 and a not-concluded one with exit 0', async () => {
    const env = baseEnv();
    const unknown = captureIo({ cwd: repo, env });
    expect(await main(['outcome', '--experiment-id', '99999'], unknown)).toBe(1);
    expect(unknown.out()).toBe('experiment #99999: Eppo has no experiment with this id\n');
    const running = captureIo({ cwd: repo, env });
    expect(await main(['outcome', '--experiment-id', String(experimentId)], running)).toBe(0);
    expect(running.out()).toMatch(/not Concluded; nothing to record/);
  });

  it('outcomes sync proposes what no webhook delivered; a second run changes nothing', async () => {
    await decide('green', 'POSITIVE');
    const env = baseEnv();
    const first = captureIo({ cwd: repo, env });
    expect(await main(['outcomes', 'sync'], first)).toBe(0);
    expect(first.out()).toMatch(/proposed the outcome for experiments\/checkout-button-color\.yaml/);
    expect(first.out()).toMatch(/Outcomes: 1 concluded and managed; 1 proposed, 0 updated, 0 already recorded or proposed, 0 failed\./);
    const head = git('rev-parse', BRANCH);
    const second = captureIo({ cwd: repo, env });
    expect(await main(['outcomes', 'sync'], second)).toBe(0);
    expect(second.out()).toMatch(/1 already recorded or proposed/);
    expect(git('rev-parse', BRANCH)).toBe(head);

    // JSON uses the snake_case fields of the plan and apply JSON and of the serve logs
    const json = captureIo({ cwd: repo, env });
    expect(await main(['outcomes', 'sync', '--format', 'json'], json)).toBe(0);
    expect(JSON.parse(json.out())).toEqual({
      results: [
        {
          experiment_id: experimentId,
          action: 'already-proposed',
          experiment_key: 'checkout-button-color',
          file: 'experiments/checkout-button-color.yaml',
          branch: BRANCH,
          commit: head,
        },
      ],
      failures: 0,
    });
  });
});

describe('the definitions folder: one meaning on both git hosts, read from the base branch', () => {
  const SUB = 'services/web';
  const SETTINGS = 'dir: defs\n';
  let mono: GitRepo;
  let github: FakeGitHub;
  let eppo: RunningEmulator;
  let id: number;
  beforeEach(async () => {
    const files = { [`${SUB}/eppo-gitops.yaml`]: SETTINGS, [`${SUB}/defs/mono-button-color.yaml`]: DEFINITION, 'README.md': 'monorepo\n' };
    mono = createGitRepo({ files });
    github = await startFakeGitHub();
    github.commitFiles(files);
    eppo = await startEmulator({ port: 0 });
    id = eppo.seedExperiments([experimentBody()])[0]!.id;
    await eppo.decide(id, { winning_variant_key: 'green', outcome: 'POSITIVE', concluded_date: CONCLUDED_AT });
  });
  afterEach(async () => {
    await eppo.close();
    await github.close();
    mono.remove();
  });
  const envFor = (kind: 'github' | 'local'): Record<string, string | undefined> => ({
    ...mono.env,
    EPPO_API_KEY: eppo.apiKey,
    EPPO_BASE_URL: eppo.url,
    EPPO_WEBHOOK_SECRET: SECRET,
    ...(kind === 'github' ? { GITHUB_TOKEN: github.token, GITHUB_REPOSITORY: 'acme/experiments', GITHUB_API_URL: github.url } : {}),
  });
  const run = async (kind: 'github' | 'local', argv: string[], cwd = join(mono.dir, SUB)) => {
    const io = captureIo({ cwd, env: envFor(kind), signal: AbortSignal.abort() });
    const code = await main([...argv, '--git-host', kind], io);
    return { code, out: io.out(), err: io.err() };
  };

  it.each(['github', 'local'] as const)('%s: a project in a sub-folder is found from the folder holding eppo-gitops.yaml', async (kind) => {
    const outcome = await run(kind, ['outcome', '--experiment-id', String(id)]);
    expect(outcome.err).toBe('');
    expect(outcome.out).toMatch(new RegExp(`proposed the outcome for ${SUB}/defs/mono-button-color\\.yaml in ${kind === 'github' ? 'pull request #1' : `branch ${BRANCH}`}`));
    expect(outcome.code).toBe(0);
    const sync = await run(kind, ['outcomes', 'sync']);
    expect(sync.out).toMatch(/1 already recorded or proposed/);
    expect(sync.code).toBe(0);
    const written = kind === 'github' ? github.readFile(BRANCH, `${SUB}/defs/mono-button-color.yaml`) : mono.show(BRANCH, `${SUB}/defs/mono-button-color.yaml`);
    expect(parseDocument(written!).toJS().outcome).toMatchObject({ outcome: 'POSITIVE', winning_variant_key: 'green' });
  });

  it.each(['github', 'local'] as const)('%s: a folder missing at the base head stops outcome, outcomes sync and serve with exit 1, before Eppo is asked', async (kind) => {
    for (const argv of [
      ['outcome', '--experiment-id', String(id), '--dir', 'defz'],
      ['outcomes', 'sync', '--dir', 'defz'],
      ['serve', '--port', '0', '--dir', 'defz'],
    ]) {
      const r = await run(kind, argv);
      expect(r.code, argv.join(' ')).toBe(1);
      expect(r.err).toMatch(new RegExp(`^error: the definitions folder ${SUB}/defz/ does not exist at the head of the base branch main \\([0-9a-f]{12}\\); check --dir`));
      expect(r.out).toBe('');
    }
    // A project at the root of the repository, as the github host assumed before: the sub-folder's settings are not there.
    const atRoot = await run(kind, ['outcomes', 'sync'], mono.dir);
    expect(atRoot.code).toBe(1);
    expect(atRoot.err).toMatch(/^error: the definitions folder experiments\/ does not exist at the head of the base branch main/);
    expect(eppo.requests()).toEqual([]);
  });

  it('local: the settings are the base branch\'s, not the working tree\'s', async () => {
    // Uncommitted: a settings file pointing elsewhere, and a folder that is not on the base branch.
    mono.write({ [`${SUB}/eppo-gitops.yaml`]: 'dir: elsewhere\n', [`${SUB}/elsewhere/mono-button-color.yaml`]: DEFINITION });
    const outcome = await run('local', ['outcome', '--experiment-id', String(id)]);
    expect(outcome.out).toMatch(new RegExp(`proposed the outcome for ${SUB}/defs/mono-button-color\\.yaml`));
    expect(outcome.code).toBe(0);
  });
});

describe('bad usage of serve, outcome, outcomes and demo (no repository or Eppo needed)', () => {
  let empty: string;
  beforeAll(async () => {
    empty = await mkdtemp(join(tmpdir(), 'eppo-gitops-cli-usage-'));
  });
  afterAll(async () => {
    await rm(empty, { recursive: true, force: true });
  });
  const cleanEnv = (): Record<string, string | undefined> => {
    const env: Record<string, string | undefined> = { ...process.env };
    for (const k of ['GITHUB_TOKEN', 'GITHUB_REPOSITORY', 'GITHUB_API_URL', 'EPPO_GITOPS_BASE_BRANCH', 'EPPO_WEBHOOK_SECRET', 'PORT', 'EPPO_API_KEY', 'EPPO_BASE_URL']) delete env[k];
    return env;
  };

  it.each([
    [['serve'], {}, /EPPO_WEBHOOK_SECRET is not set/],
    [['serve', '--bogus'], { EPPO_WEBHOOK_SECRET: 'whsec-test-1' }, /unknown option "--bogus"[\s\S]*Run "eppo-gitops serve --help"/],
    [['serve', '--port', 'abc'], { EPPO_WEBHOOK_SECRET: 'whsec-test-1' }, /--port must be a port number/],
    [['outcome'], {}, /give exactly one of --experiment-id N or --event-file FILE/],
    [['outcome', '--experiment-id', '1', '--event-file', 'x'], {}, /give exactly one/],
    [['outcome', '--experiment-id', 'abc'], {}, /--experiment-id must be a positive integer/],
    [['outcome', '--experiment-id', '1', '--git-host', 'gitlab'], {}, /^error: unknown git host "gitlab": use --git-host github or --git-host local\n$/],
    [['outcome', '--event-file', 'missing.json'], {}, /cannot read the event file .*missing\.json: ENOENT/],
    [['outcomes'], {}, /missing subcommand: eppo-gitops outcomes sync/],
    [['outcomes', 'snyc'], {}, /unknown subcommand "snyc"/],
    [['outcome', '--experiment-idd', '1'], {}, /unknown option "--experiment-idd" \(did you mean "--experiment-id"\?\)/],
    [['outcomes', 'sync', '--git-hots', 'local'], {}, /unknown option "--git-hots" \(did you mean "--git-host"\?\)/],
    [['serve', '--prot', '0'], { EPPO_WEBHOOK_SECRET: 'whsec-test-1' }, /unknown option "--prot" \(did you mean "--port"\?\)/],
    [['demo', '--kep'], {}, /unknown option "--kep" \(did you mean "--keep"\?\)[\s\S]*Run "eppo-gitops demo --help"/],
  ])('%j fails clearly', async (argv, env, message) => {
    const io: CapturedIo = captureIo({ cwd: empty, env: { ...cleanEnv(), ...env } });
    expect(await main(argv, io)).toBe(1);
    expect(io.err()).toMatch(message);
    expect(io.err()).not.toMatch(/\n\s+at /);
  });

  it('trust item 15: outside a git repository, --git-host local says so when the command starts', async () => {
    const eppo = await startEmulator({ port: 0 });
    try {
      const env = { ...cleanEnv(), EPPO_API_KEY: eppo.apiKey, EPPO_BASE_URL: eppo.url, EPPO_WEBHOOK_SECRET: 'whsec-test-1' };
      for (const argv of [
        ['outcome', '--experiment-id', '1', '--git-host', 'local'],
        ['outcomes', 'sync', '--git-host', 'local'],
        ['serve', '--git-host', 'local', '--port', '0'],
      ]) {
        const io = captureIo({ cwd: empty, env, signal: new AbortController().signal });
        expect(await main(argv, io)).toBe(1);
        expect(io.err()).toBe(
          `error: ${empty} is not a git repository (nor is any folder above it); run this in a checkout of the repository that holds the definitions, or use --git-host github\n`,
        );
        expect(io.out()).toBe('');
      }
      // refused before Eppo was asked anything, and before serve listened
      expect(await (await request(`${eppo.origin}/__emulator/requests`)).body.json()).toEqual([]);
    } finally {
      await eppo.close();
    }
  });

  it('the github git host: a repository the token cannot reach, or cannot write, stops serve before it listens', async () => {
    const github: FakeGitHub = await startFakeGitHub();
    cleanups.push(() => github.close());
    github.commitFiles({ [DEFINITION_PATH]: DEFINITION });
    const eppo = await startEmulator({ port: 0 });
    cleanups.push(() => eppo.close());
    const env = { ...cleanEnv(), EPPO_API_KEY: eppo.apiKey, EPPO_BASE_URL: eppo.url, EPPO_WEBHOOK_SECRET: SECRET, GITHUB_TOKEN: github.token, GITHUB_API_URL: github.url };
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ GITHUB_REPOSITORY: 'acme/no-such-repository' }, /^error: GitHub: reading the repository acme\/no-such-repository failed \(HTTP 404\): Not Found.*; check GITHUB_REPOSITORY and that the token can see the repository/],
      [{ GITHUB_REPOSITORY: 'acme/experiments', GITHUB_TOKEN: 'ghs_wrongtoken00000' }, /^error: GitHub: reading the repository acme\/experiments failed \(HTTP 401\): Bad credentials.*; check that GITHUB_TOKEN is set and still valid/],
      [{ GITHUB_REPOSITORY: 'acme/experiments', EPPO_GITOPS_BASE_BRANCH: 'release' }, /^error: the base branch "release" does not exist in acme\/experiments; set EPPO_GITOPS_BASE_BRANCH to an existing branch/],
    ];
    for (const [over, message] of cases) {
      const io = captureIo({ cwd: empty, env: { ...env, ...over }, signal: new AbortController().signal });
      expect(await main(['serve', '--port', '0'], io)).toBe(1);
      expect(io.err()).toMatch(message);
      expect(io.out()).toBe('');
    }
    github.permissions = { admin: false, push: false, pull: true };
    const readOnly = captureIo({ cwd: empty, env: { ...env, GITHUB_REPOSITORY: 'acme/experiments' }, signal: new AbortController().signal });
    expect(await main(['serve', '--port', '0'], readOnly)).toBe(1);
    expect(readOnly.err()).toBe('error: GitHub: the token can read acme/experiments but not write to it; outcome branches and pull requests need "permissions: contents: write, pull-requests: write", or a token with that access to the repository\n');
    expect(github.writes()).toEqual([]);
    // Eppo was not asked anything either
    expect(await (await request(`${eppo.origin}/__emulator/requests`)).body.json()).toEqual([]);
  });

  it('has help for each command', async () => {
    for (const name of ['serve', 'outcome', 'outcomes', 'demo']) {
      const io = captureIo();
      expect(await main([name, '--help'], io)).toBe(0);
      expect(io.out()).toMatch(/^Usage: eppo-gitops /);
      expect(io.out()).toMatch(/Exit codes:/);
      expect(io.out()).toMatch(/Examples:/);
    }
  });
});
