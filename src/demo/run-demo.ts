import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { ConfigError, InternalError } from '../errors.js';
import { CONFIG_FILE, DEFAULT_DEFINITIONS_DIR, loadConfig, PACKAGE_ROOT, type Definition } from '../definitions/index.js';
import { createEppoClient } from '../eppo/index.js';
import { loadFlagFiles } from '../flags/index.js';
import { createLocalHost } from '../git-host/index.js';
import { recordOutcome, type RecordOutcomeResult } from '../outcomes/index.js';
import { startWebhookServer, WEBHOOK_PATH } from '../server/index.js';
import { startEmulator } from '../emulator/index.js';
import { plural, runGit } from '../util/index.js';
import { validateRepository } from '../validation/index.js';
import { pointSchemaHints } from './point-schema-hints.js';

/** What the demo needs of the command line's Io (which fits as it is). */
export interface DemoIo {
  stdout: { write(chunk: string): unknown };
  env: Record<string, string | undefined>;
  cwd: string;
  /** never passed on to the steps: the demo answers no question */
  confirm?: unknown;
}

export interface DemoOptions<T extends DemoIo> {
  /** the definitions to copy; default `<cwd>/experiments`, else the examples shipped with eppo-gitops */
  dir?: string;
  /** keep the temporary repository instead of removing it */
  keep?: boolean;
  /** runs one CLI command in-process (injected: demo/ does not import cli/, which imports it) */
  cli: (argv: string[], io: T) => Promise<number>;
}

export interface DemoResult {
  ok: boolean;
  /** the temporary repository (removed unless keep) */
  repo: string;
  /** the outcome branch and the commit that landed on it */
  branch?: string;
  commit?: string;
  seconds: number;
}

// A checkout of eppo-gitops has experiments/; the installed package ships a copy in examples/.
const PACKAGE_EXAMPLES = ['../../experiments', '../../examples/experiments'].map((path) => fileURLToPath(new URL(path, import.meta.url)));

/**
 * The whole loop on the embedded emulator, in a temporary git repository:
 * validate (with the flag checks when the definitions come with flag files),
 * plan, apply, plan again (no changes), a decision in "Eppo", the signed
 * webhook to an in-process `serve`, and the outcome committed on the
 * experiment's outcome branch, with the winner rolled out in its flag.
 * Nothing outside the temp folder is touched and nothing is left running.
 */
export async function runDemo<T extends DemoIo>(options: DemoOptions<T>, io: T): Promise<DemoResult> {
  const started = performance.now();
  const out = (text: string) => io.stdout.write(text);
  const examples = await findExamples();
  const source = await pickSource(options.dir, io.cwd, examples);
  const repo = await mkdtemp(join(tmpdir(), 'eppo-gitops-demo-'));
  const cleanups: Array<() => Promise<void>> = [];
  let result: DemoResult = { ok: false, repo, seconds: 0 };
  // The caller's GIT_* variables are dropped (runGit): a GIT_DIR must never send the demo's commits elsewhere.
  const git = async (...args: string[]): Promise<string> => (await runGit(args, { cwd: repo, env: io.env })).stdout.toString('utf8');
  try {
    out(`eppo-gitops demo: the whole loop on the embedded Eppo emulator, in ${repo}\n`);
    await cp(source, join(repo, 'experiments'), { recursive: true });
    await pointSchemaHints(join(repo, 'experiments'), join(PACKAGE_ROOT, 'schemas'));
    const flagFiles = await copyFlags(dirname(source), repo);
    await git('init', '--quiet', '--initial-branch=main');
    await git('config', 'user.name', 'eppo-gitops demo');
    await git('config', 'user.email', 'demo@eppo-gitops.invalid');
    await git('config', 'commit.gpgsign', 'false');
    await git('add', 'experiments', ...(flagFiles.length > 0 ? [CONFIG_FILE, ...flagFiles] : []));
    await git('commit', '--quiet', '-m', flagFiles.length > 0 ? 'Add experiment definitions and their flags' : 'Add experiment definitions');
    if (flagFiles.length > 0) out(`flag files: ${flagFiles.join(', ')} (each experiment is checked against the flag with its key)\n`);

    // The webhook receiver first, so the emulator can be told where to deliver.
    const secret = randomBytes(24).toString('hex');
    let api: ReturnType<typeof createEppoClient> | undefined;
    const outcomes: RecordOutcomeResult[] = [];
    const host = createLocalHost({ cwd: repo, env: { ...io.env, EPPO_GITOPS_BASE_BRANCH: 'main' } });
    const receiver = await startWebhookServer({
      port: 0,
      secret,
      handle: async (experimentId) => {
        if (api === undefined) throw new InternalError('a webhook reached the demo before its Eppo client was ready; the emulator is started after the receiver, so this should not happen');
        const r = await recordOutcome({ experimentId, eppo: api, host, dir: 'experiments' });
        outcomes.push(r);
        return { action: r.action };
      },
    });
    cleanups.push(() => receiver.close());
    const emulator = await startEmulator({ port: 0, webhooks: [{ url: `${receiver.url}${WEBHOOK_PATH}`, secret }] });
    cleanups.push(() => emulator.close());
    api = createEppoClient({ baseUrl: emulator.url, apiKey: emulator.apiKey });
    const client = api;
    cleanups.push(() => client.close());
    out(`Eppo emulator: ${emulator.url}   webhook receiver: ${receiver.url}${WEBHOOK_PATH}\n`);

    const env = { ...io.env, EPPO_BASE_URL: emulator.url, EPPO_API_KEY: emulator.apiKey, EPPO_WEBHOOK_SECRET: secret };
    const cliIo: T = { ...io, cwd: repo, env };
    delete cliIo.confirm;
    // The first two steps check the definitions the demo copied (the user's, with --dir): a failure there is theirs to fix.
    const step = async (n: number, title: string, argv: string[], expect: number[], checksInput = false) => {
      out(`\n── ${n}/6 ${title}\n$ eppo-gitops ${argv.join(' ')}\n`);
      const code = await options.cli(argv, cliIo);
      if (expect.includes(code)) return code;
      const what = `demo step "eppo-gitops ${argv.join(' ')}" exited ${code}, expected ${expect.join(' or ')}`;
      if (checksInput) {
        // Without --dir the demo takes ./experiments again, so the way to the examples is to name them.
        const instead = examples === undefined || examples === source ? '' : `, or run the demo on the examples that ship with eppo-gitops: eppo-gitops demo --dir ${shellWord(examples)}`;
        throw new ConfigError(`${what}: the definitions copied from ${source} have the problems printed above; fix them${instead}`);
      }
      throw new InternalError(what);
    };

    await step(1, flagFiles.length > 0 ? 'validate the definitions and their flags (offline: schema, rules, flag splits)' : 'validate the definitions (offline: schema + rules)', ['validate'], [0], true);
    await step(2, 'plan: what apply would change in Eppo', ['plan', '--detailed-exitcode'], [2], true);
    await step(3, 'apply', ['apply', '--yes'], [0]);
    await step(4, 'plan again: Eppo now matches git', ['plan', '--detailed-exitcode'], [0]);

    const definitions = (await validateRepository({ cwd: repo })).definitions;
    const chosen = pickExperiment(definitions);
    const live = (await client.listExperiments({ experiment_key: chosen.definition.experiment_key }))[0];
    if (live === undefined) throw new InternalError(`the demo could not find ${chosen.definition.experiment_key} in the emulator after apply`);
    out(
      `\n── 5/6 someone clicks "Make decision" in Eppo: ${chosen.definition.experiment_key} (#${live.id}), ` +
        `winner ${chosen.winner}, POSITIVE\n`,
    );
    emulator.decide(live.id, { winning_variant_key: chosen.winner, outcome: 'POSITIVE' });
    await emulator.idle();
    await receiver.idle();
    const recorded = outcomes.find((o) => o.action === 'proposed' || o.action === 'updated');
    if (recorded === undefined || !('branch' in recorded) || !('commit' in recorded)) {
      throw new InternalError(`the signed webhook did not produce an outcome commit (${outcomes.map((o) => o.action).join(', ') || 'nothing happened'})`);
    }
    out(`the signed experiment.status.updated webhook reached serve, which re-read the experiment and committed on ${recorded.branch}\n`);

    const flagFile = 'flagFile' in recorded ? recorded.flagFile : undefined;
    const what = flagFile === undefined ? 'the outcome commit' : 'the outcome commit: the outcome block, and the flag rolled out to the winner';
    out(`\n── 6/6 ${what} (what the pull request would contain)\n$ git show ${recorded.branch}\n`);
    const show = await git('show', '--no-color', '--format=commit %H%nAuthor: %an <%ae>%n%n    %s', recorded.branch);
    out(show);
    if (flagFile !== undefined) out(`\n${flagFile} now serves ${chosen.winner} to everyone: its defaultVariant is ${chosen.winner} and its targeting is gone.\n`);
    else if ('flagLeft' in recorded && recorded.flagLeft !== undefined) out(`\nThe flag was left as it is: ${recorded.flagLeft}.\n`);
    const branches = (await git('branch', '--list', '--format=%(refname:short)')).trim().split('\n');
    const seconds = (performance.now() - started) / 1000;
    out(
      `\nDone in ${seconds.toFixed(1)} s: ${plural(definitions.length, 'experiment')} validated, planned and applied; ` +
        `the decision on ${chosen.definition.experiment_key} came back to git as a commit on ${recorded.branch} ` +
        `(branches: ${branches.join(', ')}). With GITHUB_TOKEN set it would be a pull request.\n` +
        `Next: edit experiments/*.yaml and run "npx eppo-gitops plan --local", then "apply --local".\n`,
    );
    result = { ok: true, repo, branch: recorded.branch, commit: recorded.commit, seconds };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    if (options.keep) out(`The demo repository is kept at ${repo}\n`);
    else await rm(repo, { recursive: true, force: true });
  }
  return result;
}

/**
 * The flag files next to the definitions: when the folder holding them has an
 * eppo-gitops.yaml that configures `flags`, the files its globs find are
 * copied with their paths, and the demo repository gets an eppo-gitops.yaml
 * with those `flags` settings only (the other settings are about the user's
 * own Eppo and GitHub). Returns the files copied.
 */
async function copyFlags(root: string, repo: string): Promise<string[]> {
  const settings = await loadConfig(root);
  const flags = settings.config.flags;
  if (flags === undefined) return [];
  const set = await loadFlagFiles({ root, files: flags.files });
  const files = set.files.map((f) => f.file);
  for (const file of files) {
    await mkdir(dirname(join(repo, file)), { recursive: true });
    await cp(join(root, file), join(repo, file));
  }
  const globs = flags.files.map((g) => JSON.stringify(g)).join(', ');
  await writeFile(join(repo, CONFIG_FILE), `# The flag settings of ${join(root, CONFIG_FILE)}\nflags:\n  files: [${globs}]\n  rollout: ${flags.rollout ?? 'winner'}\n`);
  return files;
}

/** The examples that ship with eppo-gitops, when this copy has them. */
async function findExamples(): Promise<string | undefined> {
  for (const candidate of PACKAGE_EXAMPLES) if (await isFolder(candidate)) return candidate;
  return undefined;
}

/** --dir; without it ./experiments, else the examples. */
async function pickSource(dir: string | undefined, cwd: string, examples: string | undefined): Promise<string> {
  if (dir !== undefined) {
    const named = resolve(cwd, dir);
    if (await isFolder(named)) return named;
    throw new ConfigError(
      `--dir ${dir}: no definitions folder at ${named}; check the path, or leave out --dir to copy ./experiments (when there is one) or else the examples that ship with eppo-gitops`,
    );
  }
  const local = resolve(cwd, DEFAULT_DEFINITIONS_DIR);
  if (await isFolder(local)) return local;
  if (examples !== undefined) return examples;
  throw new ConfigError(`no definitions folder at ${local}, and this copy of eppo-gitops ships no examples; pass --dir the folder that holds your definitions`);
}

async function isFolder(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() === true;
}

/** A path as one word a POSIX shell reads back as it is. */
function shellWord(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replaceAll("'", `'\\''`)}'`;
}

/** The first experiment with a non-control active variation: the decision names that variant. */
function pickExperiment(definitions: Definition[]): { definition: Definition; winner: string } {
  for (const definition of definitions) {
    if (definition.outcome !== undefined) continue;
    const winner = definition.variations.find((v) => !v.is_control && v.is_active);
    if (winner !== undefined) return { definition, winner: winner.variant_key };
  }
  throw new ConfigError('the demo needs one experiment without an outcome and with an active non-control variation');
}
