import { describe, expect, it } from 'vitest';
import { runCli } from '../eppo/helpers.js';

/** Every `--flag` in a help text's Options section. */
function documentedFlags(help: string): string[] {
  const options = help.slice(help.indexOf('Options:'), help.search(/\n(Environment|Examples):/));
  return [...options.matchAll(/^ {2}(?:-\w, )?(--[a-z-]+)/gm)].map((m) => m[1]!);
}

describe('--help of validate, plan, apply, import, new and emulator', () => {
  it.each([
    ['validate', ['--dir', '--format'], false],
    ['plan', ['--dir', '--format', '--out', '--detailed-exitcode', '--local', '--base-url', '--parallelism', '--github-comment', '--github-summary', '--github-drift-issue'], true],
    ['apply', ['--yes', '--parallelism', '--format', '--dir', '--local', '--base-url', '--github-summary'], true],
    ['import', ['--key', '--all', '--dir', '--local', '--base-url'], true],
    ['new', ['--entity', '--assignment-source', '--dir', '--control', '--holdout'], false],
    ['emulator', ['--port', '--host', '--state', '--api-key', '--read-only-key', '--webhook', '--webhook-secret', '--latency', '--empty'], false],
  ] as const)('%s: usage, every flag it accepts, examples and exit codes', async (name, flags, talksToEppo) => {
    const long = await runCli([name, '--help'], {});
    const short = await runCli([name, '-h'], {});
    expect(long.code).toBe(0);
    expect(short.out).toBe(long.out);
    const help = long.out;
    expect(help.startsWith(`Usage: eppo-gitops ${name}`)).toBe(true);
    for (const part of ['Options:', 'Examples:', 'Exit codes:']) expect(help).toContain(part);
    expect(documentedFlags(help)).toEqual(expect.arrayContaining([...flags]));
    if (talksToEppo) {
      for (const env of ['EPPO_API_KEY', 'EPPO_BASE_URL', 'EPPO_TIMEOUT_SECONDS']) expect(help).toContain(env);
    }
    for (const line of help.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
  });

  it('an unknown flag gets a "did you mean" and a pointer to --help, in every command', async () => {
    for (const [name, typo, meant] of [
      ['validate', '--dri', '--dir'],
      ['plan', '--ouy', '--out'],
      ['apply', '--parallelsim', '--parallelism'],
      ['import', '--keys', '--key'],
      ['new', '--entiy', '--entity'],
      ['emulator', '--stat', '--state'],
    ] as const) {
      const r = await runCli([name, typo, 'x'], {});
      expect(r.code).toBe(1);
      expect(r.err).toContain(`unknown option "${typo}" (did you mean "${meant}"?)`);
      expect(r.err).toContain(`Run "eppo-gitops ${name} --help" for usage.`);
    }
  });
});

describe('help texts say what the commands do with flags and settings', () => {
  const help = async (...args: string[]) => (await runCli([...args, '--help'], {})).out.replace(/\s+/g, ' ');

  it('validate and plan name the flag checks; plan names its note on flags without an experiment', async () => {
    const validate = await help('validate');
    for (const words of ['flags.files', 'flag-split', 'flag-missing', 'A path that flags.files matches is checked as a flag file']) expect(validate).toContain(words);
    const plan = await help('plan');
    expect(plan).toContain('flag checks of validate');
    expect(plan).toContain('flags without an experiment: …; run eppo-gitops new <key>');
  });

  it.each([['outcome'], ['outcomes', 'sync'], ['serve']])('%s: --dir defaults to "dir" in eppo-gitops.yaml, and the rollout is described', async (...args) => {
    const text = await help(...args);
    expect(text).toContain('--dir DIR definitions folder (default: "dir" in eppo-gitops.yaml, else experiments)');
    expect(text).toContain('the same commit also rolls the winner out in its flagd flag file');
    expect(text).toContain('rollout: off');
  });

  it.each([['outcome'], ['outcomes', 'sync'], ['serve']])('%s: --base-url names eppo_base_url in eppo-gitops.yaml among its defaults', async (...args) => {
    expect(await help(...args)).toContain("--base-url URL Eppo API base URL (default: EPPO_BASE_URL, else eppo_base_url in eppo-gitops.yaml, else Eppo's)");
  });

  it('serve --host: 127.0.0.1 unless told otherwise, never detected', async () => {
    expect(await help('serve')).toContain('--host ADDR address to bind (default: 127.0.0.1, always; pass 0.0.0.0 in a container or behind a proxy on another host)');
  });

  it('init shows the action reference it writes (the major tag of this version), not another', async () => {
    const version = (await runCli(['--version'], {})).out.trim();
    const text = await help('init');
    expect(text).toContain(`eppo-gitops/eppo-gitops@v${version.split('.')[0]} for`);
    expect(text).not.toMatch(/@v(?!0)\d/);
  });
});
