import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildSchemaPath } from '../../src/definitions/index.js';
import { copyCheckout, exec, NPM_ENV, root } from './helpers.js';

/**
 * The package and the action as users get them. A copy of the repository
 * (what a clean clone holds) is packed with npm, which builds dist/ as
 * release.yml does (prepack, prepare, postpack). Then:
 * - the tarball is installed into an empty project, and init, validate,
 *   plan --local and demo run from there through npx;
 * - the copy with its built dist/ and nothing installed, which is what the
 *   release commit holds, goes through action.yml's install and run steps.
 * Installs use the npm cache first (--prefer-offline).
 */

const run = promisify(execFile);

let work: string;
let checkout: string;
let tarball: string;
let packed: string[];
let project: string;
let timings: Record<string, number> = {};
let installWarnings = '';

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await fn();
  } finally {
    timings[label] = Math.round(performance.now() - started) / 1000;
  }
}

beforeAll(async () => {
  timings = {};
  work = mkdtempSync(join(tmpdir(), 'eppo-gitops-package-'));
  checkout = join(work, 'checkout');
  await copyCheckout(checkout);
  symlinkSync(join(root, 'node_modules'), join(checkout, 'node_modules'), 'dir');
  const pack = await timed('npm pack (build included)', () => run('npm', ['pack', '--json', '--pack-destination', work], { cwd: checkout, env: NPM_ENV, maxBuffer: 16 * 1024 * 1024 }));
  const [info] = JSON.parse(pack.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  tarball = join(work, info!.filename);
  packed = info!.files.map((f) => f.path).sort();

  project = join(work, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'team-experiments', private: true }, null, 2)}\n`);
  await run('git', ['init', '--quiet', '--initial-branch=main'], { cwd: project });
  const install = await timed('npm install <tarball>', () => exec('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund'], { cwd: project }));
  if (install.code !== 0) throw new Error(`npm install of the packed tarball failed:\n${install.err}`);
  installWarnings = install.err;
}, 300_000);

afterAll(() => {
  console.log(`package install test timings (s): ${JSON.stringify(timings)}`);
  rmSync(work, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('contains dist/, schemas/, README, LICENSE, the examples and package.json, nothing else', () => {
    const top = [...new Set(packed.map((p) => p.split('/')[0]))].sort();
    expect(top).toEqual(['LICENSE', 'README.md', 'dist', 'examples', 'package.json', 'schemas']);
    expect(packed.filter((p) => p.startsWith('schemas/'))).toEqual(['schemas/config.schema.json', 'schemas/experiment.schema.json']);
    const shipped = (folder: string): string[] =>
      readdirSync(join(root, folder), { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => `examples/${folder}/${join(e.parentPath, e.name).slice(join(root, folder).length + 1)}`);
    const examples = ['examples/eppo-gitops.yaml', ...shipped('experiments'), ...shipped('flags')].sort();
    expect(packed.filter((p) => p.startsWith('examples/'))).toEqual(examples);
    expect(packed).toContain('dist/cli/bin.js');
    expect(packed).toContain('dist/index.d.ts');
    // The schemas compiled at build time, which validate runs instead of compiling them (src/definitions/schema-code.ts).
    expect(packed).toContain('dist/definitions/compiled-schemas.js');
    expect(packed.filter((p) => p.startsWith('dist/') && !/\.(js|d\.ts)$/.test(p))).toEqual([]);
    expect(readFileSync(join(checkout, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} eppo-gitops contributors\n/);
  });

  it('trust item 24: has no source maps and no reference to one', () => {
    expect(packed.filter((p) => p.endsWith('.map'))).toEqual([]);
    const installed = join(project, 'node_modules', 'eppo-gitops', 'dist');
    const files = readdirSync(installed, { recursive: true }).map(String).filter((f) => f.endsWith('.js'));
    expect(files.length).toBeGreaterThan(20);
    expect(files.filter((f) => readFileSync(join(installed, f), 'utf8').includes('sourceMappingURL'))).toEqual([]);
  });

  it("points the shipped examples' editor hints at the package's schemas/, as buildSchemaPath does for a file in the package", () => {
    const installed = join(project, 'node_modules', 'eppo-gitops');
    const yamlFiles = packed.filter((p) => p.startsWith('examples/') && p.endsWith('.yaml'));
    expect(yamlFiles.length).toBeGreaterThanOrEqual(4);
    const hints = yamlFiles.map((file) => [file, /^# yaml-language-server: \$schema=(\S+)/.exec(readFileSync(join(installed, file), 'utf8'))?.[1]] as const);
    for (const [file, hint] of hints) {
      if (hint === undefined || hint.startsWith('https://')) continue;
      const schema = file.endsWith('eppo-gitops.yaml') ? 'config' : 'experiment';
      expect(hint, file).toBe(buildSchemaPath({ file: join(installed, file), root: installed, packageRoot: installed, schema }));
      expect(existsSync(join(installed, dirname(file), hint)), `${file}: ${hint}`).toBe(true);
    }
    expect(hints.filter(([, hint]) => hint !== undefined && !hint.startsWith('https://')).length).toBeGreaterThanOrEqual(4);
  });

  it('leaves the checkout as it was: examples/ exists only while packing', () => {
    expect(existsSync(join(checkout, 'examples'))).toBe(false);
    expect(existsSync(join(checkout, 'dist', 'cli', 'bin.js'))).toBe(true);
  });
});

describe('trust item 24: npm install of the tarball on Node 20', () => {
  // @octokit/request 10.0.15 and later need content-type 3, which wants Node 22; package.json pins
  // @octokit/core, @octokit/graphql and @octokit/request to releases that take content-type 2.
  it('prints no EBADENGINE, and no install script to approve', () => {
    expect(installWarnings).not.toContain('EBADENGINE');
    expect(installWarnings).not.toContain('install-scripts');
    const lock = JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string }> };
    const versions = (name: string) => Object.entries(lock.packages).filter(([path]) => path.endsWith(`node_modules/${name}`)).map(([, p]) => p.version);
    expect(versions('content-type')).toEqual(['2.1.0']);
    expect(versions('@octokit/request')).toEqual(['10.0.14']);
  });

  it('succeeds with engine-strict', async () => {
    const strict = join(work, 'strict-project');
    mkdirSync(strict);
    writeFileSync(join(strict, 'package.json'), `${JSON.stringify({ name: 'strict-team', private: true }, null, 2)}\n`);
    const install = await exec('npm', ['install', '-D', tarball, '--prefer-offline', '--no-audit', '--no-fund'], { cwd: strict, env: { ...NPM_ENV, npm_config_engine_strict: 'true' } });
    expect(install.err).not.toContain('EBADENGINE');
    expect(install.code).toBe(0);
    expect((await exec(join(strict, 'node_modules', '.bin', 'eppo-gitops'), ['--version'], { cwd: strict })).code).toBe(0);
  }, 120_000);
});

describe('installed into an empty project, run through npx', () => {
  const npx = (...args: string[]) => timed(`npx eppo-gitops ${args.join(' ')}`, () => exec('npx', ['--no', 'eppo-gitops', ...args], { cwd: project }));
  /** The installed bin without npx's start-up cost, for the runs beyond the four the README names. */
  const bin = (...args: string[]) => exec(join(project, 'node_modules', '.bin', 'eppo-gitops'), args, { cwd: project });

  it('demo runs on the examples shipped in the package', async () => {
    expect(existsSync(join(project, 'experiments'))).toBe(false);
    const demo = await bin('demo');
    expect(demo.err).toBe('');
    expect(demo.code).toBe(0);
    expect(demo.out).toContain('3 files checked: no problems');
    expect(demo.out).toContain('flags/web.flagd.json now serves green to everyone');
    expect(demo.out).toMatch(/Done in \d+\.\d s: 3 experiments validated, planned and applied/);
  });

  it('are the commands README.md gives for your own repository', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### In your own repository'), readme.indexOf('## A five-minute tour'));
    const commands = [...section.matchAll(/```sh\n([^]*?)```/g)].flatMap((m) => m[1]!.trim().split('\n'));
    // npm install of the packed tarball above stands in for the registry install.
    expect(commands).toEqual(['npm i -D eppo-gitops', 'npx eppo-gitops init', 'npx eppo-gitops validate', 'npx eppo-gitops plan --local']);
  });

  it('init, validate, plan --local and demo work on what init wrote', async () => {
    const init = await npx('init');
    expect(init.err).toBe('');
    expect(init.code).toBe(0);
    expect(init.out).toContain('Init: 6 written, 0 updated, 0 overwritten, 0 unchanged, 0 kept, 0 skipped.');
    expect(init.out).not.toContain('npm i -D eppo-gitops');
    const example = readFileSync(join(project, 'experiments', 'example-experiment.yaml'), 'utf8');
    const schemaPath = /\$schema=(\S+)/.exec(example)?.[1];
    expect(schemaPath).toBe('../node_modules/eppo-gitops/schemas/experiment.schema.json');
    expect(existsSync(join(project, 'experiments', schemaPath!))).toBe(true);
    const settingsSchema = /\$schema=(\S+)/.exec(readFileSync(join(project, 'eppo-gitops.yaml'), 'utf8'))?.[1];
    expect(existsSync(join(project, settingsSchema!))).toBe(true);
    const version = (JSON.parse(readFileSync(join(checkout, 'package.json'), 'utf8')) as { version: string }).version;
    expect(readFileSync(join(project, '.github', 'workflows', 'eppo-plan.yml'), 'utf8')).toContain(`uses: eppo-gitops/eppo-gitops@v${version.split('.')[0]}\n`);

    const validate = await npx('validate');
    expect(validate.out).toBe('1 file checked: no problems\n');
    expect(validate.code).toBe(0);
    const plan = await npx('plan', '--local');
    expect(plan.err).toBe('');
    expect(plan.code).toBe(0);
    expect(plan.out).toContain('Plan: 1 to create, 0 to update, 0 unchanged, 0 unmanaged in Eppo (not in git).');
    const demo = await npx('demo');
    expect(demo.code).toBe(0);
    expect(demo.out).toContain('the decision on example-experiment came back to git as a commit on eppo-gitops/outcome/example-experiment');
    expect((await bin('init')).out).toContain('Init: 0 written, 0 updated, 0 overwritten, 6 unchanged, 0 kept, 0 skipped.');
  });
});

describe('the release layout through action.yml', () => {
  // The release commit is the checkout with the dist/ its build produced, and nothing installed.
  let release: string;
  beforeAll(() => {
    release = checkout;
    unlinkSync(join(checkout, 'node_modules'));
  });

  type Step = { name?: string; id?: string; run?: string; env?: Record<string, string> };
  const steps = (parse(readFileSync(join(root, 'action.yml'), 'utf8')) as { runs: { steps: Step[] } }).runs.steps;
  const installScript = steps.find((s) => s.name === 'Install eppo-gitops')?.run ?? '';
  const runScript = steps.find((s) => s.id === 'run')?.run ?? '';

  /** One step as the runner runs it: bash -e -o pipefail on a script file, inputs as INPUT_* variables. */
  function step(script: string, cwd: string, env: Record<string, string>) {
    const file = join(work, `step-${Math.random().toString(36).slice(2)}.sh`);
    writeFileSync(file, script);
    return exec('bash', ['--noprofile', '--norc', '-eo', 'pipefail', file], { cwd, env: { ...NPM_ENV, npm_config_prefer_offline: 'true', ...env } });
  }

  it('installs only runtime dependencies (no EBADENGINE) and runs validate and plan on a workspace', async () => {
    expect(existsSync(join(release, 'dist', 'cli', 'bin.js'))).toBe(true);
    expect(installScript).toContain('npm ci --omit=dev');

    const install = await timed('action install step (release layout)', () => step(installScript, release, { GITHUB_ACTION_PATH: release }));
    expect(install.code).toBe(0);
    expect(install.err).not.toContain('EBADENGINE');
    const modules = readdirSync(join(release, 'node_modules'));
    expect(modules).toEqual(expect.arrayContaining(['yaml', 'ajv', 'undici', '@octokit']));
    for (const dev of ['typescript', 'vitest', '@action-validator', '@types', 'fast-check']) expect(modules).not.toContain(dev);

    const workspace = join(work, 'workspace');
    cpSync(join(root, 'experiments'), join(workspace, 'experiments'), { recursive: true });
    const output = join(work, 'github-output');
    const inputs = (command: string, args = '') => ({
      GITHUB_ACTION_PATH: release,
      GITHUB_OUTPUT: output,
      INPUT_COMMAND: command,
      INPUT_DIR: '',
      INPUT_ARGS: args,
      INPUT_OK_EXIT_CODES: '0',
    });
    writeFileSync(output, '');
    const validate = await step(runScript, workspace, inputs('validate'));
    expect(validate.out).toContain('3 files checked: no problems');
    expect(validate.code).toBe(0);
    const plan = await step(runScript, workspace, inputs('plan', '--local --detailed-exitcode'));
    expect(plan.out).toContain('Plan: 3 to create');
    expect(plan.code).toBe(2);
    expect(readFileSync(output, 'utf8')).toBe('exit-code=0\nexit-code=2\n');
  });
});
