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
const SETTINGS_KEPT = "your settings, never replaced by init (every setting is described in eppo-gitops's schemas/config.schema.json; eppo-gitops validate checks them)";
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
      'Init: 6 written, 0 updated, 0 overwritten, 0 unchanged, 0 kept, 0 skipped.',
    ]);
    expect(r.out).toContain('EPPO_API_KEY          an Eppo API key with Experiments read/write');
    expect(r.out).toContain('EPPO_WEBHOOK_SECRET   optional');
    expect(r.out).toContain('npx eppo-gitops plan --local');
    expect(r.out).toContain('npm i -D eppo-gitops');
    expect(r.out).toContain('eppo-plan.yml posts the first plan as a comment');
    expect(r.out).toContain('eppo-apply.yml runs on pushes to main that change experiments/, the flag files (flags/*.flagd.{json,yaml,yml}) or eppo-gitops.yaml.');
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
    expect(settings).toContain("# flags:\n#   files: ['flags/*.flagd.{json,yaml,yml}']");
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
    expect(apply.on.push).toEqual({ branches: ['main'], paths: ['experiments/**', 'flags/*.flagd.json', 'flags/*.flagd.yaml', 'flags/*.flagd.yml', 'eppo-gitops.yaml'] });
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
    expect(second.out).toContain('Init: 0 written, 0 updated, 0 overwritten, 6 unchanged, 0 kept, 0 skipped.');
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
    expect(r.out).toContain('  - skipped     .github/workflows/eppo-plan.yml: exists and differs; --force replaces it\n');
    expect(r.out).toContain('Init: 5 written, 0 updated, 0 overwritten, 0 unchanged, 0 kept, 1 skipped.');
    expect(await read(join(folder, '.github', 'workflows', 'eppo-plan.yml'))).toBe(mine);

    const forced = await run(folder, 'init', '--force');
    expect(forced.out).toContain('  + overwritten .github/workflows/eppo-plan.yml\n');
    expect(forced.out).toMatch(/Init: 0 written, 0 updated, 1 overwritten, [45] unchanged, 0 kept, [01] skipped\./);
    expect(await read(join(folder, '.github', 'workflows', 'eppo-plan.yml'))).toContain(`uses: ${ACTION}`);
    expect(await read(join(folder, '.github', 'workflows', 'plan.yml'))).toBe(mine);
  });

  it('--force rewrites an edited workflow and leaves identical ones alone, but never the settings or a definition', async () => {
    const folder = await project();
    await init(folder);
    const settings = join(folder, 'eppo-gitops.yaml');
    const drift = join(folder, '.github', 'workflows', 'eppo-drift.yml');
    const example = join(folder, 'experiments', 'example-experiment.yaml');
    const pristineDrift = await read(drift);
    await writeFile(settings, 'dir: experiments\nparallelism: 8\n');
    await writeFile(drift, pristineDrift.replace("cron: '23 6 * * *'", "cron: '0 9 * * 1'"));
    const mine = (await read(example)).replace('name: Example experiment', 'name: Our first experiment');
    await writeFile(example, mine);
    const kept = await init(folder);
    expect(kept.result.files.find((f) => f.path === settings)).toEqual({
      path: settings,
      kind: 'settings',
      action: 'kept',
      reason: SETTINGS_KEPT,
    });
    expect(kept.result.files.find((f) => f.path === drift)).toEqual({ path: drift, kind: 'workflow', action: 'skipped', reason: 'exists and differs; --force replaces it' });
    expect(await read(settings)).toBe('dir: experiments\nparallelism: 8\n');
    // A file of the user's own, with no schema line: the reason names where the settings are described.
    expect(kept.out).toContain(`  = kept        eppo-gitops.yaml: ${SETTINGS_KEPT}\n`);
    const forced = await init(folder, { force: true });
    expect(forced.result.files.map((f) => f.action)).toEqual(['kept', 'kept', 'unchanged', 'unchanged', 'overwritten', 'unchanged']);
    expect(forced.out).toContain('  = kept        eppo-gitops.yaml: your settings, never replaced by init');
    expect(forced.out).toContain('  = kept        experiments/example-experiment.yaml: a definition, never replaced by init');
    expect(forced.out).toContain('  + overwritten .github/workflows/eppo-drift.yml\n');
    expect(await read(settings)).toBe('dir: experiments\nparallelism: 8\n');
    expect(await read(example)).toBe(mine);
    expect(await read(drift)).toBe(pristineDrift);
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
    expect(plan.on.pull_request.paths).toEqual(['analyses/**', 'flags/*.flagd.json', 'flags/*.flagd.yaml', 'flags/*.flagd.yml', 'eppo-gitops.yaml']);
    expect(await lintAll(folder)).toEqual([]);
  });
});

describe('eppo-gitops init in a repository already set up', () => {
  const SHA = '0123456789abcdef0123456789abcdef01234567';

  const flagFile = ([control, treatment]: [number, number]) => ({
    flags: {
      'example-experiment': {
        state: 'ENABLED',
        variants: { control: 'c', treatment: 't' },
        defaultVariant: 'control',
        targeting: { fractional: [['control', control], ['treatment', treatment]] },
      },
    },
  });

  /** init, then what a team does next: flags and defaults switched on, a flag file, the example edited in place. */
  async function setUp() {
    const folder = await project();
    await init(folder);
    const settings = join(folder, 'eppo-gitops.yaml');
    const text = (await read(settings))
      .replace(/^# (flags:|defaults:)$/gm, '$1')
      .replace(/^# {3}(files|rollout|entity|assignment_source):/gm, '  $1:');
    expect(parse(text)).toMatchObject({ flags: { files: ['flags/*.flagd.{json,yaml,yml}'], rollout: 'winner' }, defaults: { entity: 'user' } });
    await writeFile(settings, text);
    await mkdir(join(folder, 'flags'));
    await writeFile(join(folder, 'flags', 'web.flagd.json'), `${JSON.stringify(flagFile([50, 50]), null, 2)}\n`);
    const example = join(folder, 'experiments', 'example-experiment.yaml');
    await writeFile(example, (await read(example)).replace('name: Example experiment', 'name: Checkout copy'));
    return { folder, settings, example, settingsText: text, exampleText: await read(example) };
  }

  it('--force --action OWNER/REPO@SHA keeps eppo-gitops.yaml and the edited example, and changes only the uses: lines', async () => {
    const { folder, settings, example, settingsText, exampleText } = await setUp();
    const before = await run(folder, 'validate');
    expect(before.out).toBe('1 file checked: no problems\n');
    const r = await run(folder, 'init', '--force', '--action', `eppo-gitops/eppo-gitops@${SHA}`);
    expect(r.code).toBe(0);
    expect(await read(settings)).toBe(settingsText);
    expect(await read(example)).toBe(exampleText);
    expect(r.out).toContain('  = kept        experiments/example-experiment.yaml: a definition, never replaced by init');
    expect(r.out).toContain('  = kept        eppo-gitops.yaml: your settings, never replaced by init');
    expect(r.out).toContain('Init: 0 written, 4 updated, 0 overwritten, 0 unchanged, 2 kept, 0 skipped.');
    expect(r.out).toContain(`  ~ updated     .github/workflows/eppo-plan.yml: the action ${ACTION} → eppo-gitops/eppo-gitops@${SHA}\n`);
    expect(r.out).toContain(`The workflows use eppo-gitops/eppo-gitops@${SHA}, a commit SHA`);
    for (const name of WORKFLOWS) {
      const text = await read(join(folder, '.github', 'workflows', name));
      expect(text).toContain(`uses: eppo-gitops/eppo-gitops@${SHA}\n`);
      expect(text).not.toContain(`uses: ${ACTION}`);
    }
    // The flag checks stay on: a split that differs from the example is still caught.
    await writeFile(join(folder, 'flags', 'web.flagd.json'), JSON.stringify(flagFile([30, 70])));
    const flagged = await run(folder, 'validate');
    expect(flagged.code).toBe(1);
    expect(flagged.out).toContain('[flag-split]');
  });

  it('--action alone rewrites only the uses: lines of a workflow the team changed, and keeps the pin on later runs', async () => {
    const { folder } = await setUp();
    const planPath = join(folder, '.github', 'workflows', 'eppo-plan.yml');
    const edited = (await read(planPath)).replace('    timeout-minutes: 15\n', '    timeout-minutes: 25\n    environment: eppo\n');
    await writeFile(planPath, edited);
    const pinned = await run(folder, 'init', '--action', `acme/eppo-gitops@${SHA}`);
    expect(pinned.code).toBe(0);
    expect(pinned.out).toContain(`  ~ updated     .github/workflows/eppo-plan.yml: only its uses: lines, ${ACTION} → acme/eppo-gitops@${SHA}; the rest stays as you changed it`);
    expect(pinned.out).toContain(`  ~ updated     .github/workflows/eppo-apply.yml: the action ${ACTION} → acme/eppo-gitops@${SHA}`);
    expect(pinned.out).toContain('Init: 0 written, 4 updated, 0 overwritten, 0 unchanged, 2 kept, 0 skipped.');
    expect(await read(planPath)).toBe(edited.replaceAll(`uses: ${ACTION}`, `uses: acme/eppo-gitops@${SHA}`));
    expect(await lintAll(folder)).toEqual([]);

    // Later runs keep the pin: without --action, the workflows' own reference is the default, --force included.
    await rm(join(folder, '.github', 'workflows', 'eppo-drift.yml'));
    const again = await init(folder, { force: true });
    expect(again.result.action).toBe(`acme/eppo-gitops@${SHA}`);
    expect(again.result.files.map((f) => f.action)).toEqual(['kept', 'kept', 'overwritten', 'unchanged', 'written', 'unchanged']);
    for (const name of WORKFLOWS) expect(await read(join(folder, '.github', 'workflows', name))).toContain(`uses: acme/eppo-gitops@${SHA}\n`);
    const quiet = await init(folder);
    expect(quiet.result.files.map((f) => f.action)).toEqual(['kept', 'kept', 'unchanged', 'unchanged', 'unchanged', 'unchanged']);
  });

  it('updates a workflow that is exactly what init wrote before flags.files was set, and says why a workflow differs only in its path filters', async () => {
    const folder = await project();
    await init(folder);
    const settings = join(folder, 'eppo-gitops.yaml');
    const workflow = (name: string) => join(folder, '.github', 'workflows', name);
    const filters = async (name: string) => (Object.values((parse(await read(workflow(name))) as { on: Record<string, { paths: string[] }> }).on)[0]!).paths;
    // The user only adds flags.files to the settings; the workflows are as init wrote them.
    await writeFile(settings, `${await read(settings)}\nflags:\n  files: [config/flags/*.json]\n`);
    const drift = await read(workflow('eppo-drift.yml'));
    const again = await init(folder);
    const note = "its path filters, written for the flag files init suggests (flags/*.flagd.{json,yaml,yml}), now follow flags.files in eppo-gitops.yaml";
    expect(again.result.files.slice(2)).toEqual([
      { path: workflow('eppo-plan.yml'), kind: 'workflow', action: 'updated', note },
      { path: workflow('eppo-apply.yml'), kind: 'workflow', action: 'updated', note },
      { path: workflow('eppo-drift.yml'), kind: 'workflow', action: 'unchanged' },
      { path: workflow('eppo-outcomes.yml'), kind: 'workflow', action: 'unchanged' },
    ]);
    expect(again.out).toContain(`  ~ updated     .github/workflows/eppo-plan.yml: ${note}\n`);
    expect(await filters('eppo-plan.yml')).toEqual(['experiments/**', 'config/flags/*.json', 'eppo-gitops.yaml']);
    expect(await filters('eppo-apply.yml')).toEqual(['experiments/**', 'config/flags/*.json', 'eppo-gitops.yaml']);
    expect(await read(workflow('eppo-drift.yml'))).toBe(drift);
    expect((await init(folder)).result.files.map((f) => f.action)).toEqual(['unchanged', 'kept', 'unchanged', 'unchanged', 'unchanged', 'unchanged']);

    // flags.files changes again: what init wrote for the earlier globs cannot be told from filters edited by hand, so it is kept, and the reason says so.
    await writeFile(settings, (await read(settings)).replace('config/flags/*.json', 'toggles/*.json'));
    const changed = await init(folder);
    const reason = 'differs from what init writes only in its path filters, which follow dir and flags.files in eppo-gitops.yaml: the settings changed since init wrote it, or the filters were edited; --force writes the filters of the current settings';
    expect(changed.result.files.slice(2, 4)).toEqual([
      { path: workflow('eppo-plan.yml'), kind: 'workflow', action: 'skipped', reason },
      { path: workflow('eppo-apply.yml'), kind: 'workflow', action: 'skipped', reason },
    ]);
    expect(await filters('eppo-plan.yml')).toEqual(['experiments/**', 'config/flags/*.json', 'eppo-gitops.yaml']);
    await init(folder, { force: true });
    expect(await filters('eppo-apply.yml')).toEqual(['experiments/**', 'toggles/*.json', 'eppo-gitops.yaml']);
  });

  it('keeps the untouched example on another day as unchanged, not "differs"', async () => {
    const folder = await project();
    await init(folder, { today: '2026-01-05' });
    const later = await init(folder, { today: '2026-03-02', force: true });
    expect(later.result.files.map((f) => f.action)).toEqual(Array(6).fill('unchanged'));
    expect(await read(join(folder, 'experiments', 'example-experiment.yaml'))).toContain('assignments_start_date: 2026-01-05 ');
  });

  it('watches the flag files eppo-gitops.yaml names in the path filters', async () => {
    const folder = await project();
    await writeFile(join(folder, 'eppo-gitops.yaml'), "dir: analyses\nflags:\n  files: ['toggles/**/*.flagd.json', 'web/{a,b}.yaml']\n");
    await mkdir(join(folder, 'analyses'));
    const { result, out } = await init(folder);
    expect(result.flagFiles).toEqual(['toggles/**/*.flagd.json', 'web/{a,b}.yaml']);
    for (const name of ['eppo-plan.yml', 'eppo-apply.yml']) {
      const wf = parse(await read(join(folder, '.github', 'workflows', name))) as { on: Record<string, { paths: string[] }> };
      expect(Object.values(wf.on)[0]!.paths).toEqual(['analyses/**', 'toggles/**/*.flagd.json', 'web/a.yaml', 'web/b.yaml', 'eppo-gitops.yaml']);
    }
    expect(out).toContain('that change analyses/, the flag files (toggles/**/*.flagd.json, web/{a,b}.yaml) or eppo-gitops.yaml.');
    expect(await lintAll(folder)).toEqual([]);
  });

  it('refuses a --dir that differs from "dir" in eppo-gitops.yaml, and writes nothing', async () => {
    const { folder } = await setUp();
    const before = git(folder, 'status', '--porcelain', '--untracked-files=all');
    const r = await run(folder, 'init', '--dir', 'exp2');
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      'error: --dir exp2 is exp2/, but eppo-gitops.yaml says "dir: experiments", and init never changes eppo-gitops.yaml: to move the definitions, set "dir: exp2" there (and move the files), then run init again; or run init without --dir',
    );
    expect(existsSync(join(folder, 'exp2'))).toBe(false);
    expect(git(folder, 'status', '--porcelain', '--untracked-files=all')).toBe(before);
    // The same folder, spelt another way, is fine.
    expect((await run(folder, 'init', '--dir', './experiments/')).code).toBe(0);
  });

  it('refuses a --dir when eppo-gitops.yaml sets no dir (so the definitions are in experiments/)', async () => {
    const folder = await project();
    await writeFile(join(folder, 'eppo-gitops.yaml'), 'parallelism: 2\n');
    const r = await run(folder, 'init', '--dir', 'analyses');
    expect(r.code).toBe(1);
    expect(r.err).toContain('error: --dir analyses is analyses/, but eppo-gitops.yaml sets no "dir", so the definitions folder is experiments/');
    expect(readdirSync(folder).sort()).toEqual(['.git', 'eppo-gitops.yaml']);
  });

  it('refuses to run on an eppo-gitops.yaml with errors, pointing at the first', async () => {
    const folder = await project();
    await writeFile(join(folder, 'eppo-gitops.yaml'), 'dir: experiments\nparallelism: many\n');
    const r = await run(folder, 'init');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: eppo-gitops\.yaml:2:14: .*; init reads its "dir" and "flags", so fix it first/m);
    expect(readdirSync(folder).sort()).toEqual(['.git', 'eppo-gitops.yaml']);
  });

  it("does not promise a plan or an apply from workflows it skipped as the team's own", async () => {
    const folder = await project();
    const mine = 'name: our plan\non: pull_request\njobs: {}\n';
    await mkdir(join(folder, '.github', 'workflows'), { recursive: true });
    await writeFile(join(folder, '.github', 'workflows', 'eppo-plan.yml'), mine);
    await writeFile(join(folder, '.github', 'workflows', 'eppo-apply.yml'), mine);
    const r = await run(folder, 'init', '--action', `acme/eppo-gitops@${SHA}`);
    expect(r.code).toBe(0);
    expect(r.out).toContain('  - skipped     .github/workflows/eppo-plan.yml: exists and differs; --force replaces it');
    expect(r.out).not.toContain('posts the first plan');
    expect(r.out).not.toContain('eppo-apply.yml runs on pushes');
    expect(r.out).toContain('eppo-plan.yml was skipped, so nothing validates it or posts a plan until a workflow of yours does it');
    expect(r.out).toContain('eppo-apply.yml was skipped, so merging applies nothing until a workflow of yours does it');
    expect(await read(join(folder, '.github', 'workflows', 'eppo-plan.yml'))).toBe(mine);
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
    expect(r.out).toContain('eppo-apply.yml runs on pushes to trunk that change services/web/experiments/, the flag files');
    expect(parse(await read(join(folder, 'eppo-gitops.yaml')))).toMatchObject({ dir: 'services/web/experiments' });
    const example = await read(join(sub, 'experiments', 'example-experiment.yaml'));
    expect(example.split('\n')[0]).toBe('# yaml-language-server: $schema=../../../node_modules/eppo-gitops/schemas/experiment.schema.json');
    const apply = parse(await read(join(folder, '.github', 'workflows', 'eppo-apply.yml'))) as { on: { push: { branches: string[]; paths: string[] } } };
    expect(apply.on.push).toEqual({ branches: ['trunk'], paths: ['services/web/experiments/**', 'flags/*.flagd.json', 'flags/*.flagd.yaml', 'flags/*.flagd.yml', 'eppo-gitops.yaml'] });
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
