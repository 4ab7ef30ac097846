import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * Runs the "Run eppo-gitops" step of action.yml the way the runner does
 * (bash --noprofile --norc -eo pipefail), with GITHUB_ACTION_PATH pointing at a
 * folder whose dist/cli/bin.js records the argv it receives, to prove how
 * inputs become arguments and that none of them is ever run as shell code.
 */

type Step = { id?: string; name?: string; run?: string; env?: Record<string, string> };
const action = parse(readFileSync(join(import.meta.dirname, '..', '..', 'action.yml'), 'utf8')) as { runs: { steps: Step[] } };
const script = action.runs.steps.find((s) => s.id === 'run')?.run ?? '';
const installScript = action.runs.steps.find((s) => s.name === 'Install eppo-gitops')?.run ?? '';

let dir: string;
let actionPath: string;
let workspace: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'eppo-gitops-action-'));
  actionPath = join(dir, 'action');
  workspace = join(dir, 'workspace');
  mkdirSync(join(actionPath, 'dist', 'cli'), { recursive: true });
  mkdirSync(workspace);
  writeFileSync(join(workspace, 'only-file.txt'), 'a file a glob would find\n');
  writeFileSync(
    join(actionPath, 'dist', 'cli', 'bin.js'),
    `require('node:fs').writeFileSync(process.env.ARGV_OUT, JSON.stringify(process.argv.slice(2)));\nprocess.exitCode = Number(process.env.FAKE_EXIT ?? 0);\n`,
  );
  writeFileSync(join(dir, 'step.sh'), script);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Inputs {
  command: string;
  dir?: string;
  args?: string;
  okExitCodes?: string;
  cliExit?: number;
}

function runStep(inputs: Inputs) {
  const argvOut = join(dir, `argv-${Math.random().toString(36).slice(2)}.json`);
  const output = join(dir, `output-${Math.random().toString(36).slice(2)}`);
  writeFileSync(output, '');
  const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', join(dir, 'step.sh')], {
    cwd: workspace,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      GITHUB_ACTION_PATH: actionPath,
      GITHUB_OUTPUT: output,
      ARGV_OUT: argvOut,
      FAKE_EXIT: String(inputs.cliExit ?? 0),
      INPUT_COMMAND: inputs.command,
      INPUT_DIR: inputs.dir ?? '',
      INPUT_ARGS: inputs.args ?? '',
      INPUT_OK_EXIT_CODES: inputs.okExitCodes ?? '0',
    },
  });
  return {
    status: result.status,
    stderr: result.stderr,
    argv: existsSync(argvOut) ? (JSON.parse(readFileSync(argvOut, 'utf8')) as string[]) : undefined,
    output: readFileSync(output, 'utf8'),
  };
}

describe('action.yml run step', () => {
  it('reads every input from env, none from expressions in the script', () => {
    expect(script).toContain('node "$GITHUB_ACTION_PATH/dist/cli/bin.js"');
    expect(script).not.toContain('${{');
    const env = action.runs.steps.find((s) => s.id === 'run')?.env;
    expect(env).toEqual({
      INPUT_COMMAND: '${{ inputs.command }}',
      INPUT_DIR: '${{ inputs.dir }}',
      INPUT_ARGS: '${{ inputs.args }}',
      INPUT_OK_EXIT_CODES: '${{ inputs.ok-exit-codes }}',
    });
  });

  it('passes the command, --dir and the extra arguments to the CLI', () => {
    const run = runStep({ command: 'plan', dir: 'my experiments', args: '--github-comment   --github-summary\n--format markdown' });
    expect(run.status).toBe(0);
    expect(run.argv).toEqual(['plan', '--dir', 'my experiments', '--github-comment', '--github-summary', '--format', 'markdown']);
    expect(run.output).toBe('exit-code=0\n');
  });

  it.each([
    ['validate', ['validate']],
    ['apply', ['apply']],
    ['outcome', ['outcome']],
    ['sync', ['outcomes', 'sync']],
  ])('maps command %s to %j', (command, argv) => {
    expect(runStep({ command }).argv).toEqual(argv);
  });

  it('refuses an unknown command without echoing it or running anything', () => {
    const run = runStep({ command: 'plan; touch pwned-command' });
    expect(run.status).toBe(1);
    expect(run.argv).toBeUndefined();
    expect(run.stderr).toContain("the input 'command' must be one of: validate, plan, apply, outcome, sync");
    expect(run.stderr).not.toContain('pwned');
    expect(existsSync(join(workspace, 'pwned-command'))).toBe(false);
  });

  it('never expands, substitutes or globs the args input', () => {
    const args = '--note $(touch pwned-sub) `touch pwned-tick` $HOME * "quoted words"';
    const run = runStep({ command: 'plan', args });
    expect(run.status).toBe(0);
    expect(run.argv).toEqual(['plan', '--note', '$(touch', 'pwned-sub)', '`touch', 'pwned-tick`', '$HOME', '*', '"quoted', 'words"']);
    expect(existsSync(join(workspace, 'pwned-sub'))).toBe(false);
    expect(existsSync(join(workspace, 'pwned-tick'))).toBe(false);
  });

  it("fails with the CLI's exit code, unless it is listed in ok-exit-codes", () => {
    const failing = runStep({ command: 'plan', cliExit: 2 });
    expect(failing.status).toBe(2);
    expect(failing.output).toBe('exit-code=2\n');
    const allowed = runStep({ command: 'plan', cliExit: 2, okExitCodes: '0 2' });
    expect(allowed.status).toBe(0);
    expect(allowed.output).toBe('exit-code=2\n');
    expect(runStep({ command: 'plan', cliExit: 1, okExitCodes: '0 2' }).status).toBe(1);
  });
});

describe('action.yml install step', () => {
  /** Runs the step in a fresh action folder with an npm on PATH that records its arguments. */
  function install(withDist: boolean) {
    const folder = mkdtempSync(join(dir, 'install-'));
    const bin = join(folder, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'npm'), '#!/bin/sh\nprintf \'%s\\n\' "$*" >> "$NPM_CALLS"\n', { mode: 0o755 });
    if (withDist) {
      mkdirSync(join(folder, 'dist', 'cli'), { recursive: true });
      writeFileSync(join(folder, 'dist', 'cli', 'bin.js'), '');
    }
    writeFileSync(join(folder, 'install.sh'), installScript);
    const calls = join(folder, 'npm-calls');
    const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', join(folder, 'install.sh')], {
      cwd: folder,
      encoding: 'utf8',
      env: { PATH: `${bin}:${process.env.PATH}`, NPM_CALLS: calls, GITHUB_ACTION_PATH: folder },
    });
    return { status: result.status, calls: existsSync(calls) ? readFileSync(calls, 'utf8').trim().split('\n') : [] };
  }

  it('installs only the runtime dependencies, without scripts, when the release holds dist/', () => {
    expect(install(true)).toEqual({ status: 0, calls: ['ci --omit=dev --ignore-scripts --no-audit --no-fund'] });
  });

  it('installs everything and builds dist/ (the prepare script) from a source checkout', () => {
    expect(install(false)).toEqual({ status: 0, calls: ['ci --no-audit --no-fund'] });
  });
});
