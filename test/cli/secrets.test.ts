import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { redactSecrets } from '../../src/cli/redact.js';
import { createGitHubHost, createOctokit } from '../../src/git-host/index.js';
import { startFakeGitHub } from '../helpers/fake-github.js';
import { startWebhookServer } from '../../src/server/index.js';
import { captureIo } from '../helpers/io.js';
import { DEFINITION, DEFINITION_PATH, startHarness, type Harness } from '../outcomes/harness.js';
import { control } from '../eppo/helpers.js';
import type { RunningEmulator } from '../../src/emulator/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eppo-gitops-secrets-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(args: string[], env: Record<string, string | undefined>) {
  const io = captureIo({ cwd: dir, env: { PATH: process.env.PATH, HOME: dir, GIT_CONFIG_NOSYSTEM: '1', ...env } });
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

const requestLog = (emu: RunningEmulator): Promise<unknown[]> => control(emu, 'GET', '/requests');

describe('trust item 7: secrets in output', () => {
  let harness: Harness;
  beforeEach(async () => {
    harness = await startHarness();
  });
  afterEach(async () => {
    await harness.close();
  });

  it('trust item 7: a GitHub error that echoes the token reaches no output, stdout included', async () => {
    const { github, emu } = harness;
    await harness.decide('green', 'POSITIVE');
    github.failNext(20, 403, (method) => method === 'POST', `Bad credentials ${github.token} for this call`);
    const result = await run(['outcomes', 'sync'], {
      EPPO_API_KEY: emu.apiKey,
      EPPO_BASE_URL: emu.url,
      GITHUB_TOKEN: github.token,
      GITHUB_REPOSITORY: `${github.owner}/${github.repo}`,
      GITHUB_API_URL: github.url,
    });
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/failed: GitHub: .*HTTP 403\): Bad credentials \*\*\* for this call/);
    expect(result.out + result.err).not.toContain(github.token);
    expect(result.out + result.err).not.toContain(github.token.slice(4, 14));
  });

  it('trust item 7: plan refuses an EPPO_API_KEY under 8 characters before calling Eppo', async () => {
    const { emu } = harness;
    await mkdir(join(dir, 'experiments'));
    await writeFile(join(dir, DEFINITION_PATH), DEFINITION);
    const before = (await requestLog(emu)).length;
    for (const key of ['k', 'netwrk']) {
      const result = await run(['plan'], { EPPO_API_KEY: key, EPPO_BASE_URL: emu.url });
      expect(result.code).toBe(1);
      expect(result.err).toMatch(new RegExp(`^error: EPPO_API_KEY is ${key.length} characters? long; eppo-gitops refuses secrets shorter than 8 characters`));
      expect(result.err).not.toMatch(/looks like a bug/);
    }
    expect((await requestLog(emu)).length).toBe(before);
  });

  it('trust item 7: a short GITHUB_TOKEN or EPPO_WEBHOOK_SECRET is refused where it would be used', async () => {
    const { github, emu } = harness;
    const eppo = { EPPO_API_KEY: emu.apiKey, EPPO_BASE_URL: emu.url };
    const outcome = await run(['outcome', '--experiment-id', '1'], { ...eppo, GITHUB_TOKEN: 'ghp_1', GITHUB_REPOSITORY: 'acme/experiments', GITHUB_API_URL: github.url });
    expect(outcome.err).toMatch(/^error: GITHUB_TOKEN is 5 characters long; eppo-gitops refuses secrets shorter than 8/);
    expect(github.requests).toEqual([]);

    const serve = await run(['serve', '--port', '0', '--git-host', 'local'], { ...eppo, EPPO_WEBHOOK_SECRET: 'dev' });
    expect(serve.code).toBe(1);
    expect(serve.err).toMatch(/^error: EPPO_WEBHOOK_SECRET is 3 characters long/);

    await writeFile(join(dir, 'event.json'), JSON.stringify({ event: 'experiment.status.updated', data: { experiment_id: 1 }, signature: 'f'.repeat(64) }));
    const event = await run(['outcome', '--event-file', 'event.json'], { ...eppo, EPPO_WEBHOOK_SECRET: 'abc' });
    expect(event.code).toBe(1);
    expect(event.err).toMatch(/^error: EPPO_WEBHOOK_SECRET is 3 characters long/);

    expect(() => createOctokit({ token: 'tok' })).toThrow(/GITHUB_TOKEN is 3 characters long/);
    await expect(startWebhookServer({ port: 0, secret: 'short', handle: async () => ({ action: 'x' }) })).rejects.toThrow(/EPPO_WEBHOOK_SECRET is 5 characters long/);
  });
});

describe('trust item 7: the GitHub client', () => {
  it('trust item 7: redacts its own token from the errors it raises, outside the CLI too', async () => {
    const github = await startFakeGitHub();
    try {
      const host = createGitHubHost({ octokit: createOctokit({ token: github.token, baseUrl: github.url, retries: 0 }), owner: github.owner, repo: github.repo });
      github.failNext(1, 403, undefined, `token ${github.token} is not allowed here`);
      const error = (await host.baseHead().catch((e: unknown) => e)) as Error;
      expect(error.message).toMatch(/^GitHub: reading the head of the base branch in acme\/experiments failed \(HTTP 403\): token \*\*\* is not allowed here; /);
      expect(error.message).not.toContain(github.token);
    } finally {
      await github.close();
    }
  });
});

describe('trust item 7: the redactor', () => {
  it('trust item 7: leaves words alone for values under 8 characters, and redacts longer ones wherever they stand', () => {
    expect(redactSecrets('network error: work item', { EPPO_API_KEY: 'work', GITHUB_TOKEN: 'k' })).toBe('network error: work item');
    expect(redactSecrets('key=abcdefgh; again abcdefgh.', { EPPO_API_KEY: 'abcdefgh' })).toBe('key=***; again ***.');
  });

  it('trust item 7: redacts a value as it appears in a JSON log line or a URL, and a value set with spaces around it', () => {
    const secret = 'whsec"with\\odd/chars';
    const env = { EPPO_WEBHOOK_SECRET: `  ${secret}\n`, GITHUB_TOKEN: 'ghs_token/with+plus' };
    const line = JSON.stringify({ msg: 'failed', error: `bad ${secret}` });
    expect(redactSecrets(line, env)).toBe('{"msg":"failed","error":"bad ***"}');
    expect(redactSecrets(`https://x.test/?t=${encodeURIComponent('ghs_token/with+plus')}`, env)).toBe('https://x.test/?t=***');
    expect(redactSecrets(`token ${secret} end`, env)).toBe('token *** end');
  });

  it('trust item 7: a secret that contains another is redacted whole', () => {
    expect(redactSecrets('x eppo-key-12345678-long y', { EPPO_API_KEY: 'eppo-key-12345678-long', GITHUB_TOKEN: '12345678' })).toBe('x *** y');
  });
});
