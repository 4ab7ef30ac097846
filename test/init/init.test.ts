import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { main } from '../../src/cli/main.js';
import { initProject, PINNED_ACTIONS, renderInitReport, type InitOptions } from '../../src/init/index.js';
import { gitIn, gitTestEnv } from '../helpers/git-repo.js';
import { captureIo } from '../helpers/io.js';
import { actionlint } from '../workflows/actionlint.js';
import { readCliSurface } from '../workflows/cli-surface.js';
import { checkWorkflow, type CliSurface } from '../workflows/policy.js';

type Validator = typeof import('@action-validator/core');
const validator = createRequire(import.meta.url)('@action-validator/core') as Validator;
const root = join(import.meta.dirname, '..', '..');
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
const ACTION = `eppo-gitops/eppo-gitops@v${version.split('.')[0]}`;
const WORKFLOWS = ['eppo-apply.yml', 'eppo-drift.yml', 'eppo-outcomes.yml', 'eppo-plan.yml'];
const TODAY = '2026-03-02';

const gitEnv = gitTestEnv(tmpdir());
const git = (cwd: string, ...args: string[]) => gitIn(cwd, args, { home: tmpdir() });

let dir: string;
let surface: CliSurface;

beforeAll(async () => {
  surface = await readCliSurface();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eppo-gitops-init-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A project folder inside `dir`; a git repository on `branch`, or a plain folder for null. */
async function project(branch: string | null = 'main'): Promise<string> {
  const folder = join(dir, 'project');
  await mkdir(folder, { recursive: true });
  if (branch !== null) git(folder, 'init', '--quiet', `--initial-branch=${branch}`);
  return folder;
}

async function run(cwd: string, ...args: string[]) {
  const io = captureIo({ cwd, env: gitEnv });
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

/** init through the library with a fixed date for the example, so runs on different days compare byte for byte. */
async function init(cwd: string, options: Partial<InitOptions> = {}) {
  const result = await initProject({ cwd, env: gitEnv, today: TODAY, ...options });
  return { result, out: renderInitReport(result, cwd) };
}

const read = (path: string) => readFile(path, 'utf8');
const listWorkflows = (folder: string) => readdirSync(join(folder, '.github', 'workflows')).sort();

async function lintAll(folder: string) {
  const problems: string[] = [];
  for (const name of listWorkflows(folder)) {
    const text = await read(join(folder, '.github', 'workflows', name));
    for (const e of validator.validateWorkflow(text).errors) problems.push(`${name}: action-validator: ${JSON.stringify(e)}`);
    for (const p of checkWorkflow(text, surface)) problems.push(`${name}: policy ${p.rule} at ${p.at}: ${p.message}`);
    for (const p of await actionlint(text, name)) problems.push(`${name}:${p.line}:${p.column}: actionlint ${p.kind}: ${p.message}`);
  }
  return problems;
}

describe('eppo-gitops init in a fresh repository', () => {
  it('writes the example, the settings and four workflows, lists them and prints the next steps', async () => {
    const folder = await project();
    const r = await run(folder, 'init');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out.split('\n').slice(0, 8)).toEqual([
      `eppo-gitops init in ${folder}`,
      '  + written     experiments/example-experiment.yaml',
      '  + written     eppo-gitops.yaml',
      '  + written     .github/workflows/eppo-plan.yml',
      '  + written     .github/workflows/eppo-apply.yml',
      '  + written     .github/workflows/eppo-drift.yml',
      '  + written     .github/workflows/eppo-outcomes.yml',
      'Init: 6 written, 0 overwritten, 0 unchanged, 0 skipped.',
    ]);
    expect(r.out).toContain('EPPO_API_KEY          an Eppo API key with Experiments read/write');
    expect(r.out).toContain('EPPO_WEBHOOK_SECRET   optional');
    expect(r.out).toContain('npx eppo-gitops plan --local');
    expect(r.out).toContain('npm i -D eppo-gitops');
    expect(r.out).toContain('eppo-plan.yml posts the first plan as a comment');
    expect(r.out).toContain('eppo-apply.yml runs on pushes to main that change experiments/.');
    expect(r.out).not.toContain('not a git repository');
    expect(listWorkflows(folder)).toEqual(WORKFLOWS);

    const example = await read(join(folder, 'experiments', 'example-experiment.yaml'));
    expect(example.split('\n')[0]).toBe('# yaml-language-server: $schema=../node_modules/eppo-gitops/schemas/experiment.schema.json');
    const settings = await read(join(folder, 'eppo-gitops.yaml'));
    expect(settings.split('\n')[0]).toBe('# yaml-language-server: $schema=node_modules/eppo-gitops/schemas/config.schema.json');
    expect(parse(settings)).toEqual({
      dir: 'experiments',
      eppo_base_url: 'https://eppo.cloud/api/v1',
      parallelism: 4,
      github_api_url: 'https://api.github.com',
      port: 8080,
    });
    expect(settings).toContain('# flags:\n#   files: [flags/*.flagd.json, flags/*.flagd.yaml]');
    expect(settings).toContain('# defaults:\n#   entity: user\n#   assignment_source: User assignments\n');
  });

  it('writes only files that pass validate, plan --local, the workflow linters and actionlint', async () => {
    const folder = await project();
    expect((await run(folder, 'init')).code).toBe(0);
    const validate = await run(folder, 'validate');
    expect(validate.out).toBe('1 file checked: no problems\n');
    expect(validate.code).toBe(0);
    const plan = await run(folder, 'plan', '--local');
    expect(plan.err).toBe('');
    expect(plan.code).toBe(0);
    expect(plan.out).toContain('+ create   example-experiment experiments/example-experiment.yaml');
    expect(plan.out).toContain('Plan: 1 to create, 0 to update, 0 unchanged, 0 unmanaged in Eppo (not in git).');
    expect(await lintAll(folder)).toEqual([]);
  });

  it('uses the published action, pinned third-party actions, least privilege and one apply at a time', async () => {
    const folder = await project();
    await run(folder, 'init');
    const texts = Object.fromEntries(await Promise.all(WORKFLOWS.map(async (n) => [n, await read(join(folder, '.github', 'workflows', n))] as const)));
    for (const [name, text] of Object.entries(texts)) {
      expect(text, name).not.toMatch(/npm (ci|install)|npx /);
      const uses = [...text.matchAll(/^\s*(?:- )?uses: (\S+)(.*)$/gm)].map((m) => `${m[1]}${m[2]}`);
      for (const u of uses) expect([ACTION, PINNED_ACTIONS.checkout, PINNED_ACTIONS.uploadArtifact], `${name}: ${u}`).toContain(u);
      const wf = parse(text) as { permissions: unknown; jobs: Record<string, { permissions: Record<string, string> }> };
      expect(wf.permissions, name).toEqual({});
    }
    const jobs = (name: string) => (parse(texts[name]!) as { jobs: Record<string, { permissions: Record<string, string> }> }).jobs;
    expect(Object.fromEntries(Object.entries(jobs('eppo-plan.yml')).map(([k, j]) => [k, j.permissions]))).toEqual({
      validate: { contents: 'read' },
      plan: { contents: 'read', 'pull-requests': 'write' },
    });
    expect(jobs('eppo-apply.yml').apply?.permissions).toEqual({ contents: 'read' });
    expect(jobs('eppo-drift.yml').drift?.permissions).toEqual({ contents: 'read', issues: 'write' });
    expect(jobs('eppo-outcomes.yml').outcome?.permissions).toEqual({ contents: 'write', 'pull-requests': 'write' });
    const apply = parse(texts['eppo-apply.yml']!) as { on: { push: { branches: string[]; paths: string[] } }; concurrency: unknown };
    expect(apply.concurrency).toEqual({ group: 'eppo-apply', 'cancel-in-progress': false });
    expect(apply.on.push).toEqual({ branches: ['main'], paths: ['experiments/**', 'eppo-gitops.yaml'] });
  });

  it("pins checkout and upload-artifact to the same commits as this repository's workflows", () => {
    const own = readdirSync(join(root, '.github', 'workflows')).map((f) => readFileSync(join(root, '.github', 'workflows', f), 'utf8')).join('\n');
    for (const pin of Object.values(PINNED_ACTIONS)) expect(own).toContain(`uses: ${pin}`);
  });
});

describe('eppo-gitops init run again', () => {
  it('changes nothing: every file is reported unchanged and left untouched', async () => {
    const folder = await project();
    const first = await init(folder);
    expect(first.result.files.map((f) => f.action)).toEqual(Array(6).fill('written'));
    const paths = first.result.files.map((f) => f.path);
    const before = await Promise.all(paths.map(async (p) => ({ text: await read(p), mtime: (await stat(p)).mtimeMs })));
    const second = await init(folder);
    expect(second.result.files.map((f) => f.action)).toEqual(Array(6).fill('unchanged'));
    expect(second.out).toContain('Init: 0 written, 0 overwritten, 6 unchanged, 0 skipped.');
    const after = await Promise.all(paths.map(async (p) => ({ text: await read(p), mtime: (await stat(p)).mtimeMs })));
    expect(after).toEqual(before);
    expect(git(folder, 'status', '--porcelain', '--untracked-files=all').split('\n').sort()).toEqual(
      ['?? .github/workflows/eppo-apply.yml', '?? .github/workflows/eppo-drift.yml', '?? .github/workflows/eppo-outcomes.yml', '?? .github/workflows/eppo-plan.yml', '?? eppo-gitops.yaml', '?? experiments/example-experiment.yaml'].sort(),
    );
  });

  it('skips existing workflows of the same names without --force, and overwrites them with it', async () => {
    const folder = await project();
    const mine = 'name: our own plan\non: push\njobs: {}\n';
    await mkdir(join(folder, '.github', 'workflows'), { recursive: true });
    await writeFile(join(folder, '.github', 'workflows', 'eppo-plan.yml'), mine);
    await writeFile(join(folder, '.github', 'workflows', 'plan.yml'), mine);
    const r = await run(folder, 'init');
    expect(r.code).toBe(0);
    expect(r.out).toContain('  - skipped     .github/workflows/eppo-plan.yml: exists and differs; --force overwrites it\n');
    expect(r.out).toContain('Init: 5 written, 0 overwritten, 0 unchanged, 1 skipped.');
    expect(await read(join(folder, '.github', 'workflows', 'eppo-plan.yml'))).toBe(mine);

    const forced = await run(folder, 'init', '--force');
    expect(forced.out).toContain('  + overwritten .github/workflows/eppo-plan.yml\n');
    expect(forced.out).toMatch(/Init: 0 written, 1 overwritten, [45] unchanged, [01] skipped\./);
    expect(await read(join(folder, '.github', 'workflows', 'eppo-plan.yml'))).toContain(`uses: ${ACTION}`);
    expect(await read(join(folder, '.github', 'workflows', 'plan.yml'))).toBe(mine);
  });

  it('--force rewrites an edited file and leaves identical ones alone', async () => {
    const folder = await project();
    await init(folder);
    const settings = join(folder, 'eppo-gitops.yaml');
    await writeFile(settings, 'dir: experiments\nparallelism: 8\n');
    const kept = await init(folder);
    expect(kept.result.files.find((f) => f.path === settings)).toEqual({ path: settings, kind: 'settings', action: 'skipped', reason: 'exists and differs; --force overwrites it' });
    expect(await read(settings)).toBe('dir: experiments\nparallelism: 8\n');
    const forced = await init(folder, { force: true });
    expect(forced.result.files.map((f) => f.action)).toEqual(['unchanged', 'overwritten', 'unchanged', 'unchanged', 'unchanged', 'unchanged']);
    expect(await read(settings)).toContain('parallelism: 4');
  });

  it('adds no example to a definitions folder that already holds definitions, and follows "dir" in eppo-gitops.yaml', async () => {
    const folder = await project();
    await mkdir(join(folder, 'analyses', 'growth'), { recursive: true });
    await writeFile(join(folder, 'analyses', 'growth', 'checkout.yaml'), readFileSync(join(root, 'experiments', 'checkout', 'checkout-button-color.yaml')));
    await writeFile(join(folder, 'eppo-gitops.yaml'), 'dir: analyses\n');
    const { result, out } = await init(folder);
    expect(result.dir).toBe('analyses');
    expect(result.files[0]).toEqual({
      path: join(folder, 'analyses', 'example-experiment.yaml'),
      kind: 'example',
      action: 'skipped',
      reason: 'analyses/ already holds 1 definition file',
    });
    expect(existsSync(join(folder, 'analyses', 'example-experiment.yaml'))).toBe(false);
    expect(out).toContain('Commit these files and open a pull request: eppo-plan.yml posts the first plan as a comment.');
    const plan = parse(await read(join(folder, '.github', 'workflows', 'eppo-plan.yml'))) as { on: { pull_request: { paths: string[] } } };
    expect(plan.on.pull_request.paths).toEqual(['analyses/**', 'eppo-gitops.yaml']);
    expect(await lintAll(folder)).toEqual([]);
  });
});

describe('eppo-gitops init: where it writes', () => {
  it('works outside a git repository, writes into the current folder and says so', async () => {
    const folder = await project(null);
    const r = await run(folder, 'init');
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toBe(`eppo-gitops init in ${folder} (not a git repository)`);
    expect(r.out).toContain(`note: ${folder} is not a git repository. The files are written all the same`);
    expect(r.out).toContain('eppo-apply.yml runs on pushes to main');
    expect(listWorkflows(folder)).toEqual(WORKFLOWS);
    expect((await run(folder, 'validate')).code).toBe(0);
  });

  it('writes at the top of the repository when run in a subfolder, with --dir relative to where it runs', async () => {
    const folder = await project('trunk');
    const sub = join(folder, 'services', 'web');
    await mkdir(sub, { recursive: true });
    const r = await run(sub, 'init', '--dir', 'experiments');
    expect(r.code).toBe(0);
    expect(r.out).toContain('  + written     experiments/example-experiment.yaml');
    expect(r.out).toContain('  + written     ../../eppo-gitops.yaml');
    expect(r.out).toContain(`Run the commands below in ${folder}:\n       cd ../..`);
    expect(r.out).toContain('eppo-apply.yml runs on pushes to trunk that change services/web/experiments/.');
    expect(parse(await read(join(folder, 'eppo-gitops.yaml')))).toMatchObject({ dir: 'services/web/experiments' });
    const example = await read(join(sub, 'experiments', 'example-experiment.yaml'));
    expect(example.split('\n')[0]).toBe('# yaml-language-server: $schema=../../../node_modules/eppo-gitops/schemas/experiment.schema.json');
    const apply = parse(await read(join(folder, '.github', 'workflows', 'eppo-apply.yml'))) as { on: { push: { branches: string[]; paths: string[] } } };
    expect(apply.on.push).toEqual({ branches: ['trunk'], paths: ['services/web/experiments/**', 'eppo-gitops.yaml'] });
    expect((await run(folder, 'validate')).code).toBe(0);
  });

  it("takes the apply branch from origin's default branch", async () => {
    const upstream = await project('release');
    await writeFile(join(upstream, 'README.md'), 'x\n');
    git(upstream, 'add', '.');
    git(upstream, '-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '--quiet', '-m', 'x');
    const clone = join(dir, 'clone');
    git(dir, 'clone', '--quiet', upstream, clone);
    git(clone, 'checkout', '--quiet', '-b', 'add-eppo-gitops');
    const { result } = await init(clone);
    expect(result.branch).toBe('release');
  });

  it.each([
    ['../outside', (folder: string) => `--dir ../outside resolves to ${join(folder, '..', 'outside')}, outside the repository ${folder}; init writes only inside it`],
    ['/etc/experiments', (folder: string) => `--dir /etc/experiments resolves to /etc/experiments, outside the repository ${folder}`],
    ['.', () => '--dir . is the project root itself; definitions need a folder of their own'],
    ['my experiments', () => '--dir my experiments: the folder name "my experiments" may hold only letters, digits'],
    ['.github/defs', () => '--dir .github/defs: the folder name ".github" may hold only letters, digits, ".", "_" and "-" (and not start with "." or "-")'],
    ['node_modules/defs', () => '--dir node_modules/defs is inside node_modules/, which is not a place for definitions'],
  ])('refuses --dir %s and writes nothing', async (flag, message) => {
    const folder = await project();
    const r = await run(folder, 'init', '--dir', flag);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`error: ${message(folder)}`);
    expect(r.err).toContain('Run "eppo-gitops init --help" for usage.');
    expect(readdirSync(folder)).toEqual(['.git']);
  });

  it('refuses a --dir that leads out of the repository through a symbolic link', async () => {
    const folder = await project();
    const outside = join(dir, 'elsewhere');
    await mkdir(outside);
    await symlink(outside, join(folder, 'linked'));
    const r = await run(folder, 'init', '--dir', 'linked/experiments');
    expect(r.code).toBe(1);
    expect(r.err).toContain(`error: --dir linked/experiments resolves to ${join(outside, 'experiments')}, outside the repository ${folder}`);
    expect(readdirSync(outside)).toEqual([]);
  });

  it('outside a git repository refuses a --dir outside the current folder', async () => {
    const folder = await project(null);
    const r = await run(folder, 'init', '--dir', '../experiments');
    expect(r.code).toBe(1);
    expect(r.err).toContain(`outside ${folder} (not a git repository, so init stays inside the folder it runs in)`);
    expect(readdirSync(folder)).toEqual([]);
  });

  it('never writes through a link in place of a workflow', async () => {
    const folder = await project();
    const target = join(dir, 'target.yml');
    await writeFile(target, 'keep\n');
    await mkdir(join(folder, '.github', 'workflows'), { recursive: true });
    await symlink(target, join(folder, '.github', 'workflows', 'eppo-drift.yml'));
    const r = await run(folder, 'init', '--force');
    expect(r.out).toContain('  - skipped     .github/workflows/eppo-drift.yml: a symbolic link, not followed\n');
    expect(await read(target)).toBe('keep\n');
  });
});

describe('eppo-gitops init --action', () => {
  it('writes the given action into every workflow', async () => {
    const folder = await project();
    const sha = '0123456789abcdef0123456789abcdef01234567';
    const r = await run(folder, 'init', '--action', `acme/eppo-gitops@${sha}`);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`The workflows use acme/eppo-gitops@${sha}`);
    for (const name of WORKFLOWS) {
      const text = await read(join(folder, '.github', 'workflows', name));
      expect(text).toContain(`uses: acme/eppo-gitops@${sha}\n`);
      expect(text).not.toContain(ACTION);
    }
    expect(await lintAll(folder)).toEqual([]);
  });

  it.each([
    ['<owner>/eppo-gitops@v1', '--action must look like OWNER/REPO@REF'],
    ['acme/eppo-gitops@main', 'follows the moving branch "main"'],
  ])('refuses %s and writes nothing', async (action, message) => {
    const folder = await project();
    const r = await run(folder, 'init', '--action', action);
    expect(r.code).toBe(1);
    expect(r.err).toContain(message);
    expect(readdirSync(folder)).toEqual(['.git']);
  });

  it('has a --help that names every flag, and says so for a mistyped one', async () => {
    const help = await run(dir, 'init', '--help');
    expect(help.code).toBe(0);
    for (const flag of ['--dir', '--force', '--action']) expect(help.out).toContain(flag);
    const typo = await run(dir, 'init', '--forse');
    expect(typo.code).toBe(1);
    expect(typo.err).toContain('(did you mean "--force"?)');
  });
});
