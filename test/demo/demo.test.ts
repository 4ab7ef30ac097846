import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { buildCli, type BuiltCli } from '../helpers/built-cli.js';
import { createGitRepo, createGitWrapper } from '../helpers/git-repo.js';
import { captureIo } from '../helpers/io.js';

const root = resolve(import.meta.dirname, '../..');
const demoDirs = () => new Set(readdirSync(tmpdir()).filter((name) => name.startsWith('eppo-gitops-demo-')));

function expectWholeLoop(out: string) {
  expect(out).toContain('3 files checked: no problems');
  expect(out).toContain('Plan: 3 to create, 0 to update, 0 unchanged, 0 unmanaged in Eppo (not in git).');
  expect(out).toMatch(/\[3\/3\] \+ created /);
  expect(out).toContain('Apply: 3 applied, 0 failed, 0 skipped.');
  expect(out).toContain('Plan: 0 to create, 0 to update, 3 unchanged, 0 unmanaged in Eppo (not in git).');
  expect(out).toContain('── 1/6 validate the definitions and their flags (offline: schema, rules, flag splits)');
  // Both diffs of the outcome commit: the outcome block is added to the definition, and the flag now serves the winner.
  expect(out).toContain('$ git show eppo-gitops/outcome/checkout-button-color');
  expect(out).toMatch(/^\+outcome:$/m);
  expect(out).toMatch(/^\+ {2}status: Concluded$/m);
  expect(out).toMatch(/^\+ {2}winning_variant_key: green$/m);
  expect(out).toContain('diff --git a/flags/web.flagd.json b/flags/web.flagd.json');
  expect(out.split('\n').filter((l) => /^-[^-]/.test(l))).toEqual([
    '-      "defaultVariant": "control",',
    '-      "targeting": {',
    '-        "fractional": [',
    '-          ["control", 50],',
    '-          ["green", 50]',
    '-        ]',
    '-      }',
  ]);
  expect(out).toMatch(/^\+ {6}"defaultVariant": "green"$/m);
  expect(out).toContain('flags/web.flagd.json now serves green to everyone: its defaultVariant is green and its targeting is gone.');
  expect(out).toMatch(/Done in \d+\.\d s/);
}

describe('demo', () => {
  it('runs the whole loop in-process and leaves no temporary folder behind', async () => {
    const before = demoDirs();
    const io = captureIo({ cwd: root, env: {} });
    const code = await main(['demo'], io);
    expect(io.err()).toBe('');
    expect(code).toBe(0);
    expectWholeLoop(io.out());
    expect([...demoDirs()].filter((d) => !before.has(d))).toEqual([]);
  });

  it('uses the examples shipped with eppo-gitops when the folder has no experiments/', async () => {
    const io = captureIo({ cwd: tmpdir(), env: {} });
    expect(await main(['demo'], io)).toBe(0);
    expectWholeLoop(io.out());
  });

  it("runs git with the caller's environment, never with its GIT_DIR: nothing outside the temporary folder is touched", async () => {
    const victim = createGitRepo({ files: { 'README.md': 'mine\n' } });
    const wrapper = createGitWrapper();
    try {
      const before = { head: victim.head(), refs: victim.git('for-each-ref'), status: victim.git('status', '--porcelain') };
      const env = { PATH: wrapper.path, HOME: victim.dir, GIT_DIR: join(victim.dir, '.git'), GIT_WORK_TREE: victim.dir, GIT_INDEX_FILE: join(victim.dir, '.git', 'index') };
      const io = captureIo({ cwd: root, env });
      expect(await main(['demo'], io)).toBe(0);
      expectWholeLoop(io.out());
      expect({ head: victim.head(), refs: victim.git('for-each-ref'), status: victim.git('status', '--porcelain') }).toEqual(before);
      // Every git the demo ran came from the PATH it was given, the demo's own repository set up with it.
      expect(wrapper.calls()).toEqual(expect.arrayContaining(['init --quiet --initial-branch=main', 'commit --quiet -m Add experiment definitions and their flags']));
    } finally {
      wrapper.remove();
      victim.remove();
    }
  });

  it('--keep leaves a repository whose editor hints name schemas that exist', async () => {
    const io = captureIo({ cwd: root, env: {} });
    expect(await main(['demo', '--keep'], io)).toBe(0);
    const repo = /The demo repository is kept at (\S+)/.exec(io.out())?.[1];
    expect(repo).toBeDefined();
    try {
      const files = readdirSync(join(repo!, 'experiments'), { recursive: true }).map(String).filter((f) => f.endsWith('.yaml'));
      expect(files).toHaveLength(3);
      for (const file of files) {
        const path = join(repo!, 'experiments', file);
        const hint = /^# yaml-language-server: \$schema=(\S+)/.exec(readFileSync(path, 'utf8'))?.[1];
        expect(hint, file).toMatch(/experiment\.schema\.json$/);
        expect(existsSync(resolve(dirname(path), hint!)), `${file}: ${hint}`).toBe(true);
      }
    } finally {
      rmSync(repo!, { recursive: true, force: true });
    }
  });

  it('says which folder is missing when --dir points nowhere', async () => {
    const io = captureIo({ cwd: root, env: {} });
    expect(await main(['demo', '--dir', 'no-such-folder'], io)).toBe(1);
    expect(io.err()).toContain('no definitions folder at');
    expect(io.err()).toContain('no-such-folder');
  });
});

describe('npm start (the demo as a real process)', () => {
  let cli: BuiltCli;
  beforeAll(() => {
    cli = buildCli();
  }, 120_000);
  afterAll(() => cli.cleanup());

  it('exits 0 and prints the plan, the apply result and the outcome diff', async () => {
    const child = spawn(process.execPath, [cli.bin, 'demo'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(err).toBe('');
    expect(code).toBe(0);
    expectWholeLoop(out);
  }, 60_000);
});
