import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { compileGlob } from '../../src/flags/index.js';
import { readCliSurface } from './cli-surface.js';
import { checkAction, checkWorkflow, findInvocations, type CliSurface, type PolicyProblem } from './policy.js';

type Validator = typeof import('@action-validator/core');
const require = createRequire(import.meta.url);
const validator = require('@action-validator/core') as Validator;

const root = join(import.meta.dirname, '..', '..');
const workflowDir = join(root, '.github', 'workflows');
const workflowFiles = readdirSync(workflowDir).filter((f) => /\.ya?ml$/.test(f)).sort();
const read = (file: string) => readFileSync(file, 'utf8');
const surface = await readCliSurface();

/** The validator prints a warning for every `paths:` glob it cannot check in WASM; keep the test output clean. */
function quietly<T>(fn: () => T): T {
  const warn = console.warn;
  const error = console.error;
  console.warn = () => {};
  console.error = () => {};
  try {
    return fn();
  } finally {
    console.warn = warn;
    console.error = error;
  }
}

const validateWorkflow = (text: string) => quietly(() => validator.validateWorkflow(text));
const validateAction = (text: string) => quietly(() => validator.validateAction(text));
const rules = (problems: PolicyProblem[]) => [...new Set(problems.map((p) => p.rule))].sort();

type Job = { permissions?: Record<string, string>; steps?: { run?: string; uses?: string; with?: Record<string, unknown>; env?: Record<string, string> }[]; if?: string };
type Workflow = { on: Record<string, unknown>; permissions?: unknown; concurrency?: { group: string; 'cancel-in-progress': boolean }; jobs: Record<string, Job> };
const workflow = (name: string) => parse(read(join(workflowDir, name))) as Workflow;
const calls = (name: string) =>
  Object.values(workflow(name).jobs).flatMap((job) => (job.steps ?? []).flatMap((step) => (step.run === undefined ? [] : findInvocations(step.run, name))));

describe('workflow files', () => {
  it('include the six workflows', () => {
    expect(workflowFiles).toEqual(['apply.yml', 'ci.yml', 'drift.yml', 'outcomes.yml', 'plan.yml', 'release.yml']);
  });

  describe.each(workflowFiles)('%s', (file) => {
    const text = read(join(workflowDir, file));

    it('passes @action-validator', () => {
      expect(validateWorkflow(text).errors).toEqual([]);
    });

    it('meets the project policy', () => {
      expect(checkWorkflow(text, surface)).toEqual([]);
    });

    it('sets up Node 20 in every job that installs', () => {
      for (const job of Object.values((parse(text) as Workflow).jobs)) {
        const setup = (job.steps ?? []).find((s) => s.uses?.startsWith('actions/setup-node@'));
        expect(setup?.with?.['node-version']).toBe(20);
        expect((job.steps ?? []).some((s) => s.run?.startsWith('npm ci'))).toBe(true);
      }
    });
  });
});

describe('the @action-validator command line', () => {
  const cli = join(root, 'node_modules', '@action-validator', 'cli', 'cli.mjs');
  const run = async (file: string) => {
    try {
      await promisify(execFile)(process.execPath, [cli, file], { cwd: root });
      return { code: 0, stderr: '' };
    } catch (error) {
      const failed = error as { code?: number; stderr?: string };
      return { code: failed.code ?? -1, stderr: failed.stderr ?? '' };
    }
  };

  it('accepts every workflow and action.yml (exit 0)', async () => {
    const files = [...workflowFiles.map((f) => join('.github', 'workflows', f)), 'action.yml'];
    const results = await Promise.all(files.map(async (file) => ({ file, ...(await run(file)) })));
    expect(results.filter((r) => r.code !== 0)).toEqual([]);
  });

  it('rejects a broken workflow (exit 1)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eppo-gitops-lint-'));
    try {
      const file = join(dir, 'broken.yml');
      writeFileSync(file, 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    step:\n      - run: echo\n');
      const result = await run(file);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("Additional property 'step' is not allowed");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('what the workflows run', () => {
  it('plan.yml validates with annotations, then plans with one sticky comment, a summary and a saved plan', () => {
    const wf = workflow('plan.yml');
    expect(Object.keys(wf.on)).toEqual(['pull_request']);
    expect((wf.on.pull_request as { paths: string[] }).paths).toEqual(['experiments/**', 'flags/**', 'schemas/**', 'eppo-gitops.yaml']);
    expect(calls('plan.yml').map((c) => [c.command, ...c.flags])).toEqual([
      ['validate', '--format'],
      ['plan', '--out', '--github-comment', '--github-summary'],
    ]);
    expect(wf.jobs.validate?.permissions).toEqual({ contents: 'read' });
    expect(wf.jobs.plan?.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
    const upload = wf.jobs.plan?.steps?.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
    expect(upload?.with?.path).toBe('plan.json');
  });

  it.each(['plan.yml', 'apply.yml'])('%s runs when a flag file that eppo-gitops.yaml names changes', (name) => {
    const paths = ((workflow(name).on as Record<string, { paths?: string[] }>)[name === 'plan.yml' ? 'pull_request' : 'push']?.paths ?? []).map(compileGlob);
    const settings = parse(readFileSync(join(root, 'eppo-gitops.yaml'), 'utf8')) as { flags: { files: string[] } };
    const globs = settings.flags.files.map(compileGlob);
    const flagFiles = readdirSync(join(root, 'flags')).map((f) => `flags/${f}`).filter((f) => globs.some((g) => g.matches(f)));
    expect(flagFiles).toEqual(['flags/pricing.flagd.yaml', 'flags/web.flagd.json']);
    for (const file of flagFiles) expect(paths.some((p) => p.matches(file)), file).toBe(true);
    expect(paths.some((p) => p.matches('experiments/onboarding-checklist.yaml'))).toBe(true);
  });

  it('the README names the paths and triggers each workflow really has', () => {
    const readme = read(join(root, 'README.md'));
    const when = (name: string): string => {
      const row = readme.split('\n').find((line) => line.startsWith(`| \`${name}\` |`));
      expect(row, name).toBeDefined();
      return row!.split(' | ')[1]!;
    };
    for (const [name, event] of [['plan.yml', 'pull_request'], ['apply.yml', 'push']] as const) {
      const paths = (workflow(name).on as Record<string, { paths?: string[] }>)[event]?.paths ?? [];
      const named = [...when(name).matchAll(/`([^`]+)`/g)].map((m) => m[1]);
      expect(named, name).toEqual(paths);
    }
    for (const name of ['apply.yml', 'drift.yml', 'outcomes.yml']) {
      expect('workflow_dispatch' in workflow(name).on, name).toBe(true);
      expect(when(name), name).toContain('manual run');
    }
    for (const name of ['drift.yml', 'outcomes.yml']) expect(when(name), name).toContain('schedule');
  });

  it('apply.yml applies on the default branch, one apply at a time', () => {
    const wf = workflow('apply.yml');
    expect((wf.on.push as { branches: string[] }).branches).toEqual(['main']);
    expect(wf.concurrency).toEqual({ group: 'eppo-apply', 'cancel-in-progress': false });
    expect(calls('apply.yml').map((c) => [c.command, ...c.flags])).toEqual([['apply', '--yes', '--github-summary']]);
    expect(wf.jobs.apply?.permissions).toEqual({ contents: 'read' });
  });

  it('drift.yml plans on a schedule with the drift issue, and may only write issues', () => {
    const wf = workflow('drift.yml');
    expect(Object.keys(wf.on).sort()).toEqual(['schedule', 'workflow_dispatch']);
    expect(calls('drift.yml').map((c) => [c.command, ...c.flags])).toEqual([['plan', '--detailed-exitcode', '--github-drift-issue', '--github-summary']]);
    expect(wf.jobs.drift?.permissions).toEqual({ contents: 'read', issues: 'write' });
  });

  it('outcomes.yml records one outcome per webhook dispatch and syncs on a schedule', () => {
    const wf = workflow('outcomes.yml');
    expect(wf.on.repository_dispatch).toEqual({ types: ['eppo-webhook'] });
    expect(wf.on).toHaveProperty('schedule');
    const found = calls('outcomes.yml').map((c) => [c.command, c.subcommand, ...c.flags]);
    expect(found).toEqual([
      ['outcome', undefined, '--event-file'],
      ['outcomes', 'sync'],
    ]);
    const record = wf.jobs.outcome?.steps?.find((s) => s.run?.includes('--event-file "$GITHUB_EVENT_PATH"'));
    expect(record?.env).toMatchObject({ EPPO_WEBHOOK_SECRET: '${{ secrets.EPPO_WEBHOOK_SECRET }}' });
  });

  it('release.yml publishes with provenance on a version tag and may only write tags and mint an OIDC token', () => {
    const wf = workflow('release.yml');
    expect(wf.on).toEqual({ push: { tags: ['v*.*.*'] } });
    expect(wf.concurrency).toEqual({ group: 'release', 'cancel-in-progress': false });
    expect(wf.jobs.release?.permissions).toEqual({ contents: 'write', 'id-token': 'write' });
    const runs = (wf.jobs.release?.steps ?? []).map((s) => s.run ?? '');
    const order = ['npm ci', 'npm test', 'npm publish --provenance', 'git tag --force "$major"'].map((text) => runs.findIndex((r) => r.includes(text)));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('every workflow has a restrictive top-level permissions block', () => {
    for (const file of workflowFiles) expect(workflow(file).permissions, file).toEqual({});
  });
});

describe('eppo-gitops commands and flags used in the workflows', () => {
  const used = new Map<string, Set<string>>();
  for (const file of workflowFiles) {
    for (const call of calls(file)) {
      const flags = used.get(call.command ?? '') ?? new Set<string>();
      call.flags.forEach((f) => flags.add(f));
      used.set(call.command ?? '', flags);
    }
  }

  it('are all commands of the CLI', () => {
    expect([...used.keys()].filter((name) => !surface.commands.has(name))).toEqual([]);
    expect(surface.commands.get('outcomes')?.subcommands.has('sync')).toBe(true);
  });

  for (const [name, flags] of used) {
    it(`"${name} --help" lists ${[...flags].join(' ')}`, () => {
      const known = surface.commands.get(name)?.flags;
      expect(known, `"eppo-gitops ${name} --help" failed`).toBeDefined();
      expect([...flags].filter((f) => !known?.has(f))).toEqual([]);
    });
  }
});

describe('action.yml', () => {
  const text = read(join(root, 'action.yml'));

  it('passes @action-validator', () => {
    expect(validateAction(text).errors).toEqual([]);
  });

  it('meets the project policy', () => {
    expect(checkAction(text, surface)).toEqual([]);
  });

  it('is a composite action with the documented inputs', () => {
    const action = parse(text) as { runs: { using: string }; inputs: Record<string, { required?: boolean }> };
    expect(action.runs.using).toBe('composite');
    expect(Object.keys(action.inputs).sort()).toEqual(['args', 'command', 'dir', 'node-version', 'ok-exit-codes', 'working-directory']);
    expect(action.inputs.command?.required).toBe(true);
  });
});

describe('the checks can fail', () => {
  const cli: CliSurface = {
    commands: new Map([
      ['plan', { flags: new Set(['--out', '--help', '--debug']), subcommands: new Set<string>() }],
      ['outcomes', { flags: undefined, subcommands: new Set(['sync']) }],
    ]),
  };

  const bad = `
name: bad
on:
  pull_request_target:
permissions: write-all
jobs:
  plan:
    runs-on: ubuntu-latest
    env:
      TOKEN: \${{ secrets.GITHUB_TOKEN }}
    steps:
      - uses: actions/checkout@main
      - uses: actions/setup-node
      - run: echo "\${{ github.event.pull_request.title }}"
      - run: npx eppo-gitops plan --out plan.json --github-commment
      - run: npm ci
      - run: |
          npx eppo-gitops plam
          npx eppo-gitops outcomes --dry-run
          curl -H "Authorization: \${{ secrets.EPPO_API_KEY }}" https://example.invalid
`;

  it('a workflow breaking every rule is reported on each', () => {
    const problems = checkWorkflow(bad, cli);
    expect(rules(problems)).toEqual([
      'checkout-credentials',
      'expression-in-run',
      'install-first',
      'permissions',
      'secrets-outside-env',
      'timeout',
      'unknown-command',
      'unknown-flag',
      'unpinned-action',
    ]);
    expect(problems.find((p) => p.rule === 'unknown-flag')?.message).toContain('--github-commment');
    expect(problems.find((p) => p.rule === 'expression-in-run' && p.message.includes('title'))?.message).toContain('untrusted');
    expect(problems.filter((p) => p.rule === 'unpinned-action').map((p) => p.at)).toEqual(['jobs.plan.steps[0].uses', 'jobs.plan.steps[1].uses']);
    expect(problems.filter((p) => p.rule === 'unknown-command').map((p) => p.message)).toEqual([
      'eppo-gitops has no command "plam"',
      '"outcomes" needs one of: sync',
    ]);
  });

  it('a job without permissions passes only under a restrictive top-level block', () => {
    const job = (top: string) => `on: push\n${top}jobs:\n  a:\n    runs-on: ubuntu-latest\n    timeout-minutes: 5\n    steps:\n      - run: echo ok\n`;
    expect(rules(checkWorkflow(job(''), cli))).toEqual(['permissions']);
    expect(rules(checkWorkflow(job('permissions:\n  contents: write\n'), cli))).toEqual(['permissions']);
    expect(checkWorkflow(job('permissions:\n  contents: read\n'), cli)).toEqual([]);
    expect(checkWorkflow(job('permissions: {}\n'), cli)).toEqual([]);
  });

  it('a step running the eppo-gitops action with an unknown command or flag is reported', () => {
    const steps = [
      ['plan', '--out plan.json --github-commment'],
      ['import', ''],
      ['sync', ''],
    ]
      .map(([command, args]) => `      - uses: acme/eppo-gitops@v1\n        with:\n          command: ${command}\n          args: '${args}'\n`)
      .join('');
    const wf = `on: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    timeout-minutes: 5\n    steps:\n${steps}`;
    expect(checkWorkflow(wf, cli).map((p) => [p.rule, p.at, p.message])).toEqual([
      ['unknown-flag', 'jobs.a.steps[0].with', '"plan" has no flag --github-commment'],
      ['unknown-command', 'jobs.a.steps[1].with.command', 'the eppo-gitops action\'s command must be one of validate, plan, apply, outcome, sync, not "import"'],
    ]);
  });

  it('an action that pastes an input into its script is reported', () => {
    const action = `name: x\ndescription: y\nruns:\n  using: composite\n  steps:\n    - shell: bash\n      run: echo "\${{ inputs.args }}"\n`;
    expect(rules(checkAction(action, cli))).toEqual(['expression-in-run']);
    expect(validateAction(action).errors).toEqual([]);
  });

  it('@action-validator rejects a misspelt key and a missing shell', () => {
    expect(validateWorkflow('on: push\njobs:\n  a:\n    runs-ons: ubuntu-latest\n    steps:\n      - run: echo\n').errors).not.toEqual([]);
    expect(validateAction('name: x\ndescription: y\nruns:\n  using: composite\n  steps:\n    - run: echo\n').errors).not.toEqual([]);
  });
});

describe('findInvocations', () => {
  it.each([
    ['npx eppo-gitops plan --out plan.json --github-comment', [{ command: 'plan', subcommand: undefined, flags: ['--out', '--github-comment'] }]],
    ['npx eppo-gitops outcomes sync', [{ command: 'outcomes', subcommand: 'sync', flags: [] }]],
    ['npx eppo-gitops validate --format=github || status=$?', [{ command: 'validate', subcommand: undefined, flags: ['--format'] }]],
    ['node x.js && npx eppo-gitops apply \\\n  --yes', [{ command: 'apply', subcommand: undefined, flags: ['--yes'] }]],
    ['echo "eppo-gitops-like" && cat eppo-gitops.yaml', []],
    ['npm i -D eppo-gitops && npx eppo-gitops init --force', [{ command: 'init', subcommand: undefined, flags: ['--force'] }]],
    ['npm install --save-dev eppo-gitops', []],
    ['npx eppo-gitops outcome --event-file "$GITHUB_EVENT_PATH" # comment --nope', [{ command: 'outcome', subcommand: undefined, flags: ['--event-file'] }]],
  ])('%s', (script, expected) => {
    expect(findInvocations(script, 'x').map(({ command, subcommand, flags }) => ({ command, subcommand, flags }))).toEqual(expected);
  });
});
