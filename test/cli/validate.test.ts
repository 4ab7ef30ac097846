import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../helpers/io.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const fixtures = fileURLToPath(new URL('../fixtures/definitions', import.meta.url));

let cwd: string;
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'eppo-gitops-validate-'));
});
afterEach(async () => {
  await rm(cwd, { recursive: true, force: true });
});

describe('eppo-gitops validate', () => {
  it('exits 0 on the experiments/ folder of this repository', async () => {
    const io = captureIo({ cwd: repo });
    expect(await main(['validate'], io)).toBe(0);
    expect(io.out()).toMatch(/^\d+ files checked: no problems\n$/);
    expect(io.err()).toBe('');
  });

  it('prints every problem of every file with file:line:col and rule, and exits 1', async () => {
    await cp(join(fixtures, 'rules'), join(cwd, 'experiments'), { recursive: true });
    const io = captureIo({ cwd });
    expect(await main(['validate'], io)).toBe(1);
    const lines = io.out().trimEnd().split('\n');
    expect(lines).toContain('experiments/weights-sum.yaml:6:1  error  weights of active variations sum to 0.9, not 1  [weights-sum]');
    expect(lines).toContain(
      'experiments/file-name.yaml:1:17  warning  file name "file-name.yaml" does not match experiment_key "not-the-file-name"; rename the file to not-the-file-name.yaml  [file-name]',
    );
    expect(lines.at(-1)).toBe('10 files checked: 9 errors, 1 warning');
    expect(io.err()).toBe('');
  });

  it('exits 0 when there are only warnings', async () => {
    const io = captureIo({ cwd: fixtures });
    expect(await main(['validate', 'rules/file-name.yaml'], io)).toBe(0);
    expect(io.out()).toContain('1 file checked: 0 errors, 1 warning');
  });

  it('--format json matches the CLI.md shape', async () => {
    const io = captureIo({ cwd: fixtures });
    expect(await main(['validate', '--format', 'json', 'unique-key', 'missing.yaml'], io)).toBe(1);
    expect(JSON.parse(io.out())).toEqual({
      problems: [
        { file: 'missing.yaml', line: 1, col: 1, severity: 'error', rule: 'io', message: 'path not found (ENOENT)' },
        {
          file: 'unique-key/a.yaml',
          line: 1,
          col: 17,
          severity: 'warning',
          rule: 'file-name',
          message: 'file name "a.yaml" does not match experiment_key "shared-key"; rename the file to shared-key.yaml',
        },
        {
          file: 'unique-key/b.yaml',
          line: 1,
          col: 17,
          severity: 'warning',
          rule: 'file-name',
          message: 'file name "b.yaml" does not match experiment_key "shared-key"; rename the file to shared-key.yaml',
        },
        {
          file: 'unique-key/b.yaml',
          line: 1,
          col: 17,
          severity: 'error',
          rule: 'unique-key',
          message: 'experiment_key "shared-key" is already used by unique-key/a.yaml; each experiment needs its own key',
        },
      ],
      summary: { files: 2, errors: 2, warnings: 2 },
    });
  });

  it('--format github prints well-formed workflow commands', async () => {
    const io = captureIo({ cwd: fixtures });
    expect(await main(['validate', '--format=github', 'invalid'], io)).toBe(1);
    const lines = io.out().trimEnd().split('\n');
    const commands = lines.slice(0, -1);
    expect(commands.length).toBeGreaterThan(10);
    for (const line of commands) {
      expect(line).toMatch(/^::(error|warning) file=[^,:\n]+,line=\d+,col=\d+,title=eppo-gitops [a-z-]+::[^\r\n]+$/);
    }
    expect(commands).toContain('::error file=invalid/tabs.yaml,line=4,col=1,title=eppo-gitops yaml::tab used for indentation; YAML allows only spaces there');
    expect(lines.at(-1)).toMatch(/^16 files checked: \d+ errors, 0 warnings$/);
  });

  it('uses --dir, and dir from eppo-gitops.yaml when no flag is given', async () => {
    await cp(join(fixtures, 'valid'), join(cwd, 'defs'), { recursive: true });
    const flag = captureIo({ cwd });
    expect(await main(['validate', '--dir', 'defs'], flag)).toBe(0);
    expect(flag.out()).toBe('2 files checked: no problems\n');

    const missing = captureIo({ cwd });
    expect(await main(['validate'], missing)).toBe(1);
    expect(missing.err()).toContain(`error: the definitions folder "experiments" was not found: looked for ${join(cwd, 'experiments')}; create it`);

    await writeFile(join(cwd, 'eppo-gitops.yaml'), 'dir: defs\n');
    const fromFile = captureIo({ cwd });
    expect(await main(['validate'], fromFile)).toBe(0);
    expect(fromFile.out()).toBe('2 files checked: no problems\n');
  });

  it('reports a --dir that is a file, or an empty definitions folder, clearly', async () => {
    await writeFile(join(cwd, 'defs.yaml'), 'experiment_key: x\n');
    const file = captureIo({ cwd });
    expect(await main(['validate', '--dir', 'defs.yaml'], file)).toBe(1);
    expect(file.out()).toBe(
      'defs.yaml:1:1  error  the definitions folder is not a folder; pass --dir a folder of *.yaml files, or check one file with "eppo-gitops validate FILE"  [io]\n0 files checked: 1 error, 0 warnings\n',
    );
    await mkdir(join(cwd, 'experiments'));
    const empty = captureIo({ cwd });
    expect(await main(['validate'], empty)).toBe(0);
    expect(empty.out()).toBe('0 files checked: no problems\n');
  });

  it('reports problems in eppo-gitops.yaml', async () => {
    await cp(join(fixtures, 'valid'), join(cwd, 'experiments'), { recursive: true });
    await writeFile(join(cwd, 'eppo-gitops.yaml'), 'dri: defs\n');
    const io = captureIo({ cwd });
    expect(await main(['validate'], io)).toBe(1);
    expect(io.out()).toBe('eppo-gitops.yaml:1:1  error  unknown field "dri"; did you mean "dir"?  [schema]\n2 files checked: 1 error, 0 warnings\n');
  });

  it('with errors in eppo-gitops.yaml, still checks the folder its "dir" names and prints the settings problem', async () => {
    await cp(join(fixtures, 'valid'), join(cwd, 'analyses'), { recursive: true });
    await writeFile(join(cwd, 'eppo-gitops.yaml'), 'dir: analyses\nparalelism: 8\n');
    const io = captureIo({ cwd });
    expect(await main(['validate'], io)).toBe(1);
    expect(io.out()).toBe('eppo-gitops.yaml:2:1  error  unknown field "paralelism"; did you mean "parallelism"?  [schema]\n2 files checked: 1 error, 0 warnings\n');
    expect(io.err()).toBe('');
    const json = captureIo({ cwd });
    expect(await main(['validate', '--format', 'json'], json)).toBe(1);
    expect((JSON.parse(json.out()) as { problems: Array<{ file: string }> }).problems.map((p) => p.file)).toEqual(['eppo-gitops.yaml']);

    // a folder the file names that is missing is listed with the settings problem, not thrown in place of it
    await writeFile(join(cwd, 'eppo-gitops.yaml'), 'dir: analysis\nparalelism: 8\n');
    const missing = captureIo({ cwd });
    expect(await main(['validate'], missing)).toBe(1);
    expect(missing.out()).toContain('eppo-gitops.yaml:2:1  error  unknown field "paralelism"');
    expect(missing.out()).toContain(`analysis:1:1  error  the definitions folder "analysis" (the "dir" in eppo-gitops.yaml) was not found: looked for ${join(cwd, 'analysis')}`);
    expect(missing.err()).toBe('');

    // a "dir" that is itself wrong is not followed anywhere: the default folder is checked
    await writeFile(join(cwd, 'eppo-gitops.yaml'), 'dir: ../outside\n');
    const outside = captureIo({ cwd });
    expect(await main(['validate'], outside)).toBe(1);
    expect(outside.out()).toMatch(/^eppo-gitops\.yaml:1:\d+  error  .*\[schema\]\nexperiments:1:1  error  the definitions folder "experiments" was not found/);
  });

  it('plan, apply and import refuse a settings file with errors, naming the problem at its line', async () => {
    await cp(join(fixtures, 'valid'), join(cwd, 'analyses'), { recursive: true });
    await writeFile(join(cwd, 'eppo-gitops.yaml'), 'dir: analyses\nparalelism: 8\n');
    for (const argv of [['plan', '--local'], ['apply', '--local', '--yes'], ['import', '--local', '--all']]) {
      const io = captureIo({ cwd });
      expect(await main(argv, io), argv.join(' ')).toBe(1);
      expect(io.out() + io.err(), argv.join(' ')).toContain('eppo-gitops.yaml:2:1');
      expect(io.out() + io.err(), argv.join(' ')).toContain('paralelism');
      expect(io.out() + io.err(), argv.join(' ')).not.toContain('was not found');
    }
  });

  it('rejects unknown flags and formats with a usage hint, never a stack trace', async () => {
    const flag = captureIo({ cwd });
    expect(await main(['validate', '--formt', 'json'], flag)).toBe(1);
    expect(flag.err()).toContain(`unknown option "--formt" (did you mean "--format"?)`);
    expect(flag.err()).toContain('Run "eppo-gitops validate --help" for usage.');
    expect(flag.err()).not.toMatch(/\n\s+at /);

    const format = captureIo({ cwd });
    expect(await main(['validate', '--format', 'markdown'], format)).toBe(1);
    expect(format.err()).toBe('error: --format must be one of text, json, github, not "markdown"\nRun "eppo-gitops validate --help" for usage.\n');
  });

  it('--help explains usage, options, examples and exit codes', async () => {
    const io = captureIo({ cwd });
    expect(await main(['validate', '--help'], io)).toBe(0);
    for (const part of ['Usage: eppo-gitops validate [paths..]', '--dir DIR', '--format FMT', 'Examples:', 'Exit codes:']) {
      expect(io.out()).toContain(part);
    }
  });
});
