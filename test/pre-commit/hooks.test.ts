import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../helpers/io.js';

const root = join(import.meta.dirname, '..', '..');
type Hook = { id: string; name: string; entry: string; language: string; files: string; pass_filenames: boolean; require_serial: boolean; always_run?: boolean };
const hooks = parse(readFileSync(join(root, '.pre-commit-hooks.yaml'), 'utf8')) as Hook[];
const hook = hooks.find((h) => h.id === 'eppo-gitops-validate');
const bin = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin;
// pre-commit matches `files` with Python's re.search; this pattern means the same in JavaScript.
const selects = (path: string) => new RegExp(hook?.files ?? '$^').test(path);

describe('.pre-commit-hooks.yaml', () => {
  it('offers eppo-gitops-validate: the package bin, run once with the changed files', () => {
    expect(hooks.map((h) => h.id)).toEqual(['eppo-gitops-validate']);
    expect(hook).toMatchObject({ language: 'node', entry: 'eppo-gitops validate', pass_filenames: true, require_serial: true });
    expect(Object.keys(bin)).toContain(hook!.entry.split(' ')[0]);
    // Without always_run, pre-commit skips the hook when a commit touches no definition.
    expect(hook!.always_run).toBeUndefined();
  });

  it.each([
    ['experiments/checkout-button-color.yaml', true],
    ['experiments/checkout/checkout-button-color.yml', true],
    ['experiments/README.md', false],
    ['eppo-gitops.yaml', false],
    ['.github/workflows/eppo-plan.yml', false],
    ['.pre-commit-config.yaml', false],
    ['flags/checkout.flagd.yaml', true],
    ['flags/web.flagd.json', true],
    ['flags/web.flagd.yml', true],
    ['flags/README.md', false],
    ['flags/web.json', false],
    ['services/experiments/a.yaml', false],
  ])('files: %s → %s', (path, expected) => {
    expect(selects(path)).toBe(expected);
  });
});

describe('the hook on a commit, as pre-commit runs it', () => {
  let repo: string;
  const valid = readFileSync(join(root, 'experiments', 'onboarding-checklist.yaml'), 'utf8');

  beforeAll(async () => {
    repo = await mkdtemp(join(tmpdir(), 'eppo-gitops-pre-commit-'));
    await mkdir(join(repo, 'experiments'), { recursive: true });
    await mkdir(join(repo, '.github', 'workflows'), { recursive: true });
    await writeFile(join(repo, 'experiments', 'onboarding-checklist.yaml'), valid);
    await writeFile(join(repo, 'experiments', 'broken.yaml'), valid.replace('experiment_key: onboarding-checklist', 'experiment_key: broken').replace('weight: 0.5', 'weight: 0.6'));
    await writeFile(join(repo, 'eppo-gitops.yaml'), 'dir: experiments\n');
    await writeFile(join(repo, '.github', 'workflows', 'eppo-plan.yml'), 'name: eppo plan\non: pull_request\njobs: {}\n');
  });
  afterAll(async () => {
    await rm(repo, { recursive: true, force: true });
  });

  /** `entry` plus the staged files the `files` pattern selects, in one run (require_serial). */
  async function commit(staged: string[]) {
    const args = [...hook!.entry.split(' ').slice(1), ...staged.filter(selects)];
    const io = captureIo({ cwd: repo, env: {} });
    const code = await main(args, io);
    return { args, code, out: io.out() };
  }

  it('checks only the changed definitions (not the broken one left alone) and passes, whatever else the commit holds', async () => {
    const r = await commit(['experiments/onboarding-checklist.yaml', 'eppo-gitops.yaml', '.github/workflows/eppo-plan.yml', 'README.md']);
    expect(r.args).toEqual(['validate', 'experiments/onboarding-checklist.yaml']);
    expect(r.out).toBe('1 file checked: no problems\n');
    expect(r.code).toBe(0);
  });

  it('fails the commit on a changed file with a problem, pointing at file:line', async () => {
    const r = await commit(['experiments/broken.yaml', 'experiments/onboarding-checklist.yaml']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('experiments/broken.yaml:13:1  error  weights of active variations sum to 1.1, not 1  [weights-sum]');
    expect(r.out).not.toContain('onboarding-checklist.yaml:');
  });

  it('checks a commit that changes only a flag file: its split against the experiments it serves', async () => {
    const flag = (control: number, treatment: number) =>
      JSON.stringify({
        flags: {
          'onboarding-checklist': {
            state: 'ENABLED',
            variants: { control: 'c', checklist: 'k', 'checklist-progress': 'p', off: 'o' },
            defaultVariant: 'off',
            targeting: { fractional: [['control', control], ['checklist', treatment], ['checklist-progress', 10], ['off', 50]] },
          },
        },
      });
    await writeFile(join(repo, 'eppo-gitops.yaml'), 'dir: experiments\nflags:\n  files: [flags/*.flagd.json]\n');
    await mkdir(join(repo, 'flags'), { recursive: true });
    try {
      await writeFile(join(repo, 'flags', 'web.flagd.json'), flag(25, 15));
      const ok = await commit(['flags/web.flagd.json']);
      expect(ok.args).toEqual(['validate', 'flags/web.flagd.json']);
      expect(ok.out).toBe('2 files checked: no problems\n');
      expect(ok.code).toBe(0);
      await writeFile(join(repo, 'flags', 'web.flagd.json'), flag(15, 25));
      const bad = await commit(['flags/web.flagd.json']);
      expect(bad.code).toBe(1);
      expect(bad.out).toContain('experiments/onboarding-checklist.yaml:');
      expect(bad.out).toContain('(computed from the fractional in flags/web.flagd.json)');
      expect(bad.out).toContain('[flag-split]');
      expect(bad.out).not.toContain('broken.yaml');
    } finally {
      await writeFile(join(repo, 'eppo-gitops.yaml'), 'dir: experiments\n');
      await rm(join(repo, 'flags'), { recursive: true });
    }
  });

  it('compares keys across the files passed together', async () => {
    await writeFile(join(repo, 'experiments', 'copy.yaml'), valid);
    try {
      const r = await commit(['experiments/copy.yaml', 'experiments/onboarding-checklist.yaml']);
      expect(r.code).toBe(1);
      expect(r.out).toContain('experiment_key "onboarding-checklist" is already used by experiments/copy.yaml');
    } finally {
      await rm(join(repo, 'experiments', 'copy.yaml'));
    }
  });
});
