import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../helpers/io.js';
import { readCliSurface } from '../workflows/cli-surface.js';
import { findInvocations, type CliSurface } from '../workflows/policy.js';

// The README (and the outcomes guide) must keep working as written: every
// eppo-gitops command in them exists with those flags, every relative link
// resolves, and the tour's commands run as the text says they do.
const root = resolve(import.meta.dirname, '../..');
const DOCS = ['README.md', 'docs/outcomes.md', 'docs/ci.md', 'docs/flags.md'];

/** The shell code blocks, indentation (a block inside a list item) removed. */
function shellBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^([ \t]*)```(?:sh|bash)\n([^]*?)^[ \t]*```/gm)].map((m) =>
    m[2]!
      .split('\n')
      .map((line) => (line.startsWith(m[1]!) ? line.slice(m[1]!.length) : line))
      .join('\n'),
  );
}

let surface: CliSurface;
beforeAll(async () => {
  surface = await readCliSurface();
});

describe.each(DOCS)('%s', (doc) => {
  it('uses only commands and flags the CLI has', async () => {
    const text = await readFile(join(root, doc), 'utf8');
    const calls = shellBlocks(text).flatMap((block) => findInvocations(block, doc));
    expect(calls.length).toBeGreaterThan(0);
    const wrong: string[] = [];
    for (const call of calls) {
      const known = surface.commands.get(call.command ?? '');
      if (known === undefined) wrong.push(`unknown command ${call.command}`);
      else for (const flag of call.flags) if (!known.flags?.has(flag)) wrong.push(`${call.command} has no ${flag}`);
    }
    expect(wrong).toEqual([]);
  });

  it('links only to files that exist', async () => {
    const text = await readFile(join(root, doc), 'utf8');
    const targets = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((t) => !/^[a-z]+:/.test(t) && !t.startsWith('#'));
    expect(targets.length).toBeGreaterThan(0);
    const missing = targets.map((t) => t.split('#')[0]!).filter((t) => !existsSync(resolve(root, dirname(doc), t)));
    expect(missing).toEqual([]);
  });
});

describe('the README tour, run as written in a copy of the repository', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'eppo-gitops-readme-'));
    // What a fresh clone holds: the examples, their flag files and the settings naming them, the schemas.
    for (const entry of ['experiments', 'flags', 'eppo-gitops.yaml', 'schemas']) await cp(join(root, entry), join(dir, entry), { recursive: true });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function run(line: string): Promise<{ code: number; out: string; err: string }> {
    const argv = line.replace(/\s+#.*$/, '').trim().split(/\s+/);
    expect(argv.slice(0, 2)).toEqual(['npx', 'eppo-gitops']);
    const io = captureIo({ cwd: dir, env: { PATH: process.env.PATH } });
    const code = await main(argv.slice(2), io);
    return { code, out: io.out(), err: io.err() };
  }

  it('validate, the broken weight, plan/apply --local, a saved plan, import', async () => {
    const readme = await readFile(join(root, 'README.md'), 'utf8');
    const tour = readme.slice(readme.indexOf('## A five-minute tour'), readme.indexOf('## The format'));
    const commands = shellBlocks(tour)
      .flatMap((b) => b.split('\n'))
      .filter((l) => l.startsWith('npx eppo-gitops '))
      .filter((l) => !l.includes(' serve '));
    expect(commands).toEqual([
      'npx eppo-gitops validate',
      'npx eppo-gitops plan --local',
      'npx eppo-gitops apply --local --yes',
      'npx eppo-gitops plan --local --detailed-exitcode   # exit 0: no changes',
      'npx eppo-gitops plan --local --out plan.json',
      'npx eppo-gitops apply --local plan.json',
    ]);

    expect((await run(commands[0]!)).code).toBe(0);
    // "Break one (set the first weight in onboarding-checklist.yaml to 0.6)": the README quotes the message.
    const quoted = /you get\s+`([^`]+\[weights-sum\])`/.exec(tour)?.[1];
    expect(quoted).toBeDefined();
    const file = join(dir, 'experiments/onboarding-checklist.yaml');
    const original = await readFile(file, 'utf8');
    await writeFile(file, original.replace(/weight: [0-9.]+/, 'weight: 0.6'));
    const broken = await run(commands[0]!);
    expect(broken.code).toBe(1);
    expect(broken.out.split('\n')).toContain(quoted);
    await writeFile(file, original);

    expect((await run(commands[1]!)).code).toBe(0);
    expect((await run(commands[2]!)).out).toContain('Apply: 3 applied, 0 failed, 0 skipped.');
    expect((await run(commands[3]!)).code).toBe(0);
    // "Now edit a name … and run plan --local again: the plan shows that field, before → after."
    await writeFile(file, original.replace('name: Onboarding checklist', 'name: Onboarding checklist v2'));
    const edited = await run('npx eppo-gitops plan --local');
    expect(edited.out).toContain('name: "Onboarding checklist" → "Onboarding checklist v2"');
    // "A weight is also checked against the flag": the weights alone stop at flag-split; with the fractional they plan.
    expect(tour).toContain('`["control", 40]`');
    const checkout = join(dir, 'experiments/checkout/checkout-button-color.yaml');
    const flags = join(dir, 'flags/web.flagd.json');
    const [checkoutText, flagText] = [await readFile(checkout, 'utf8'), await readFile(flags, 'utf8')];
    const weights = checkoutText.replace(/weight: 0\.5/, 'weight: 0.4').replace(/weight: 0\.5/, 'weight: 0.6');
    expect(weights).not.toBe(checkoutText);
    await writeFile(checkout, weights);
    const stopped = await run('npx eppo-gitops plan --local');
    expect(stopped.code).toBe(1);
    expect(stopped.err).toContain('[flag-split]');
    const fractional = flagText.replace('["control", 50],\n          ["green", 50]', '["control", 40],\n          ["green", 60]');
    expect(fractional).not.toBe(flagText);
    await writeFile(flags, fractional);
    const weighted = await run('npx eppo-gitops plan --local');
    expect(weighted.err).toBe('');
    expect(weighted.code).toBe(0);
    expect(weighted.out).toMatch(/weight.*0\.5.*→.*0\.4/);
    await writeFile(checkout, checkoutText);
    await writeFile(flags, flagText);
    expect((await run(commands[4]!)).code).toBe(0);
    const applied = await run(commands[5]!);
    expect(applied.code).toBe(0);
    expect(applied.out).toContain('Apply: 1 applied, 0 failed, 0 skipped.');
    expect((await run(commands[3]!)).code).toBe(0);

    expect(tour).toContain('`import --all --local`');
    const imported = await run('npx eppo-gitops import --all --local');
    expect(imported.code).toBe(0);
  }, 60_000);
});
