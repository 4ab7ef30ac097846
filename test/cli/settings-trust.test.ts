import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { captureIo } from '../helpers/io.js';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake-github.js';
import { DEFINITION } from '../outcomes/harness.js';

let base: string;
let repo: string;
let emu: RunningEmulator;
let github: FakeGitHub;
beforeAll(async () => {
  emu = await startEmulator({ port: 0 });
  github = await startFakeGitHub();
});
afterAll(async () => {
  await emu.close();
  await github.close();
});
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'eppo-gitops-settings-trust-'));
  repo = join(base, 'repo');
  await mkdir(join(repo, 'experiments'), { recursive: true });
  await writeFile(join(repo, 'experiments', 'checkout-button-color.yaml'), DEFINITION);
  await mkdir(join(base, 'outside'));
  await writeFile(join(base, 'outside', 'secret.yaml'), 'experiment_key: leaked-from-outside\n');
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

async function run(args: string[], env: Record<string, string | undefined> = {}) {
  const io = captureIo({ cwd: repo, env: { PATH: process.env.PATH, HOME: repo, GIT_CONFIG_NOSYSTEM: '1', ...env } });
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

describe('trust item 6: eppo-gitops.yaml from a pull request', () => {
  it('trust item 6: a dir leading out of the root is refused at its line, and nothing outside is read', async () => {
    await writeFile(join(repo, 'eppo-gitops.yaml'), '# settings\ndir: ../outside\n');
    for (const args of [['validate'], ['plan', '--local']]) {
      const result = await run(args);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.out + result.err).toMatch(/eppo-gitops\.yaml:2:6 {2}error {2}dir "\.\.\/outside" leads outside the folder holding eppo-gitops\.yaml/);
      expect(result.out + result.err).not.toMatch(/leaked-from-outside|secret\.yaml/);
    }
    // The operator may still point --dir anywhere.
    await writeFile(join(repo, 'eppo-gitops.yaml'), '# settings\n');
    const flagged = await run(['validate', '--dir', '../outside']);
    expect(flagged.out).toMatch(/secret\.yaml/);
  });

  it('trust item 6: a dir that is a link out of the root is not followed', async () => {
    await symlink(join(base, 'outside'), join(repo, 'elsewhere'));
    await writeFile(join(repo, 'eppo-gitops.yaml'), 'dir: elsewhere\n');
    const result = await run(['validate']);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/^elsewhere:1:1 {2}error {2}the link points outside the repository, so it is not read/m);
    expect(result.out).not.toMatch(/leaked-from-outside|secret\.yaml/);
  });

  it('trust item 6: an eppo-gitops.yaml that is a link out of its folder is not read, so its text is never quoted', async () => {
    const token = 'ghp_0123456789abcdefghijABCDEFGHIJ012345';
    await writeFile(join(base, 'outside', 'creds'), `https://x-access-token:${token}@github.com\n`);
    await symlink(join(base, 'outside', 'creds'), join(repo, 'eppo-gitops.yaml'));
    const message = 'eppo-gitops.yaml:1:1  error  the settings file is a symbolic link that leads outside its folder, so it is not read; put the settings file itself here instead of a link';
    for (const args of [['validate'], ['plan', '--local', '--format', 'markdown']]) {
      const result = await run(args);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.out + result.err).not.toContain(token);
      expect(result.out + result.err).not.toContain('x-access-token');
    }
    expect((await run(['validate'])).out).toContain(message);
    // A link that stays inside the folder is read as the file it names.
    await rm(join(repo, 'eppo-gitops.yaml'));
    await mkdir(join(repo, 'config'));
    await writeFile(join(repo, 'config', 'settings.yaml'), 'dir: elsewhere\n');
    await symlink(join('config', 'settings.yaml'), join(repo, 'eppo-gitops.yaml'));
    expect((await run(['validate'])).err).toMatch(/elsewhere/);
  });

  it('trust item 6: --dir is the operator\'s choice, a link out of the checkout included; links inside that folder that lead out are still refused', async () => {
    await symlink(join(base, 'outside'), join(repo, 'lnk'));
    await symlink('/proc/self/environ', join(base, 'outside', 'environ.yaml'));
    const flagged = await run(['validate', '--dir', 'lnk']);
    expect(flagged.out).toMatch(/^lnk\/secret\.yaml:1:1 {2}error {2}the definition is missing the required field "name"/m);
    expect(flagged.out).toMatch(/^lnk\/environ\.yaml:1:1 {2}error {2}the link points outside the repository, so it is not read/m);
    // The same folder named by eppo-gitops.yaml, which comes with the pull request, is not followed.
    await writeFile(join(repo, 'eppo-gitops.yaml'), 'dir: lnk\n');
    const fromFile = await run(['validate']);
    expect(fromFile.out).toMatch(/^lnk:1:1 {2}error {2}the link points outside the repository, so it is not read/m);
    expect(fromFile.out).not.toMatch(/secret\.yaml|leaked-from-outside/);
  });

  it('trust item 6: an eppo_base_url naming another host gets no key, and says how the operator sets one', async () => {
    await writeFile(join(repo, 'eppo-gitops.yaml'), 'eppo_base_url: https://0.0.0.0:9/api/v1\n');
    for (const env of [{}, { EPPO_BASE_URL: emu.url }]) {
      const result = await run(['plan'], { EPPO_API_KEY: emu.apiKey, ...env });
      expect(result.code).toBe(1);
      expect(result.err).toMatch(
        /eppo-gitops\.yaml:1:16 {2}error {2}eppo_base_url "https:\/\/0\.0\.0\.0:9\/api\/v1" is not Eppo's own host .* set EPPO_BASE_URL or pass --base-url to use another host/,
      );
    }
    // Without the line, the operator's EPPO_BASE_URL is used as before.
    await writeFile(join(repo, 'eppo-gitops.yaml'), 'parallelism: 2\n');
    expect((await run(['plan'], { EPPO_API_KEY: emu.apiKey, EPPO_BASE_URL: emu.url })).code).toBe(0);
    await writeFile(join(repo, 'eppo-gitops.yaml'), `eppo_base_url: ${emu.url}\n`);
    expect((await run(['plan'], { EPPO_API_KEY: emu.apiKey })).code).toBe(0);
  });

  it('trust item 6: a github_api_url naming another host gets no token; a loopback one is kept', async () => {
    await writeFile(join(repo, 'eppo-gitops.yaml'), 'github_api_url: https://0.0.0.0:9/api/v3\n');
    const env = { EPPO_API_KEY: emu.apiKey, EPPO_BASE_URL: emu.url, GITHUB_TOKEN: github.token, GITHUB_REPOSITORY: `${github.owner}/${github.repo}` };
    const refused = await run(['outcomes', 'sync'], env);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/^error: eppo-gitops\.yaml has errors: eppo-gitops\.yaml:1:17: github_api_url "https:\/\/0\.0\.0\.0:9\/api\/v3" is not GitHub's API \(api\.github\.com\) .* set GITHUB_API_URL to use GitHub Enterprise/);

    await writeFile(join(repo, 'eppo-gitops.yaml'), `github_api_url: ${github.url}\n`);
    // The definitions are on the base branch: a folder missing there would stop the sync.
    github.commitFiles({ 'experiments/checkout-button-color.yaml': DEFINITION });
    github.clearRequests();
    expect((await run(['outcomes', 'sync'], env)).code).toBe(0);
    expect(github.requests.length).toBeGreaterThan(0);
  });
});
