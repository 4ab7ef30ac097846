import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ConfigError, UsageError } from '../../errors.js';
import { loadConfig, loadDefinitions, renderProblems, type Config, type Definition, type Problem } from '../../definitions/index.js';
import { fetchWorkspace } from '../../eppo/index.js';
import {
  buildPlan,
  emptyPlan,
  planHasChanges,
  renderPlanJson,
  renderPlanMarkdown,
  renderPlanText,
  resolveReferences,
  type Plan,
} from '../../reconcile/index.js';
import { connectEppo, EPPO_ENV_HELP, type EppoConnection } from '../eppo-connection.js';
import { publishPlan, type GitHubTargets } from '../github-publish.js';
import type { Command, Io } from '../io.js';
import { MAX_PARALLELISM, parseFlags, parseParallelism } from '../parse-flags.js';

const FORMATS = ['text', 'json', 'markdown'] as const;
type PlanFormat = (typeof FORMATS)[number];

export const PLAN_HELP = `Usage: eppo-gitops plan [--dir DIR] [--format text|json|markdown] [--out FILE]
                        [--detailed-exitcode] [--local] [--base-url URL] [--parallelism N]
                        [--github-comment] [--github-summary] [--github-drift-issue]

Validates the definition files, reads the live state from Eppo and prints what
apply would change: creates, updates (field by field), unchanged experiments,
skips (concluded), conflicts (two live experiments share a key) and live
experiments no file manages (unmanaged; never deleted). Only the fields written
in a file are compared. Nothing is written to Eppo.

Options:
  --dir DIR              definitions folder (default: "dir" in eppo-gitops.yaml,
                         else experiments)
  --format FMT           text (default; colours on a terminal unless NO_COLOR),
                         json (the saved plan format), markdown (a PR comment)
  --out FILE             also save the plan as JSON, for "apply FILE"
  --detailed-exitcode    exit 2 when there are changes, 0 when there are none
  --local                use the embedded Eppo emulator (state in .eppo-local/)
  --base-url URL         Eppo API base URL (beats EPPO_BASE_URL and the config file)
  --parallelism N        list pages read from Eppo at once (default: "parallelism"
                         in eppo-gitops.yaml, else 4; 1..${MAX_PARALLELISM})
  --github-comment       post the plan (or the validation problems) as ONE sticky
                         comment on the pull request, edited in place on every run
                         (GitHub Actions: needs GITHUB_TOKEN with pull-requests: write)
  --github-summary       append the plan to the job summary (GITHUB_STEP_SUMMARY)
  --github-drift-issue   keep one open issue labelled eppo-drift while the plan has
                         changes; close it when there are none (needs issues: write)
  --debug                print stack traces on unexpected errors
  -h, --help             show this help

Environment:
${EPPO_ENV_HELP}
  NO_COLOR               no colours in the text plan
  GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_EVENT_PATH, GITHUB_STEP_SUMMARY,
  GITHUB_API_URL         read by the --github-* flags (set by GitHub Actions)

Examples:
  eppo-gitops plan
  eppo-gitops plan --out plan.json --detailed-exitcode
  eppo-gitops plan --format markdown > comment.md
  eppo-gitops plan --local
  eppo-gitops plan --out plan.json --github-comment --github-summary   (in a PR workflow)

Exit codes:
  0  success (with --detailed-exitcode: no changes)
  1  validation errors, unresolved names, Eppo errors, bad usage
  2  with --detailed-exitcode: the plan has changes
`;

export interface PlanInputs {
  dir: string | undefined;
  local: boolean;
  baseUrl: string | undefined;
  /** requests to Eppo in flight; default: the settings file, else 4 */
  parallelism?: number;
  /** eppo-gitops.yaml as the caller already read it (read here when absent) */
  settings?: Awaited<ReturnType<typeof loadConfig>>;
}

export type PlanPipelineResult =
  | { ok: true; plan: Plan; definitions: Definition[]; problems: Problem[]; connection: EppoConnection }
  | { ok: false; problems: Problem[]; files: number; stage: 'validate' | 'reference' };

/**
 * Shared by plan and apply: settings, validation, the Eppo connection, the
 * workspace, name resolution, then the plan. On success the caller owns (and
 * must close) the connection.
 */
export async function runPlanPipeline(inputs: PlanInputs, io: Io): Promise<PlanPipelineResult> {
  const settings = inputs.settings ?? (await loadConfig(io.cwd));
  if (settings.problems.some((p) => p.severity === 'error')) return { ok: false, problems: settings.problems, files: 0, stage: 'validate' };
  const config: Config = settings.config;
  const dir = inputs.dir ?? config.dir;
  const loaded = await loadDefinitions({ cwd: io.cwd, ...(dir === undefined ? {} : { dir }) });
  const problems = [...settings.problems, ...loaded.problems];
  if (problems.some((p) => p.severity === 'error')) return { ok: false, problems, files: loaded.files, stage: 'validate' };

  const connection = await connectEppo({
    cwd: io.cwd,
    env: io.env,
    local: inputs.local,
    baseUrl: inputs.baseUrl,
    config,
    client: { concurrency: inputs.parallelism ?? config.parallelism ?? 4 },
  });
  try {
    const workspace = await fetchWorkspace(connection.api);
    const resolution = resolveReferences(loaded.definitions, workspace);
    const all = [...problems, ...resolution.problems];
    if (resolution.problems.some((p) => p.severity === 'error')) {
      await connection.close();
      return { ok: false, problems: all, files: loaded.files, stage: 'reference' };
    }
    const plan = buildPlan(loaded.definitions, workspace, { baseUrl: connection.baseUrl, createdAt: new Date().toISOString(), resolution });
    return { ok: true, plan, definitions: loaded.definitions, problems: all, connection };
  } catch (error) {
    await connection.close();
    throw error;
  }
}

/** Colours only on a terminal, and never with NO_COLOR set. */
export function useColor(io: Io): boolean {
  return io.stdout.isTTY === true && (io.env.NO_COLOR === undefined || io.env.NO_COLOR === '');
}

export const command: Command = {
  name: 'plan',
  summary: 'show what apply would change in Eppo',
  help: PLAN_HELP,
  async run(args, io) {
    const parsed = parseFlags(args, {
      options: {
        dir: { type: 'string' },
        out: { type: 'string' },
        'detailed-exitcode': { type: 'boolean', default: false },
        format: { type: 'string', default: 'text' },
        local: { type: 'boolean', default: false },
        'base-url': { type: 'string' },
        'github-comment': { type: 'boolean', default: false },
        'github-summary': { type: 'boolean', default: false },
        'github-drift-issue': { type: 'boolean', default: false },
        parallelism: { type: 'string' },
      },
    });
    const parallelism = parsed.values.parallelism === undefined ? undefined : parseParallelism(parsed.values.parallelism, undefined);
    const format = parsed.values.format as PlanFormat;
    if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, not "${parsed.values.format}"`);
    if (parsed.values.out === '') throw new UsageError('--out needs a file name');
    const github: GitHubTargets = {
      comment: parsed.values['github-comment'],
      summary: parsed.values['github-summary'],
      driftIssue: parsed.values['github-drift-issue'],
    };

    const result = await runPlanPipeline({ dir: parsed.values.dir, local: parsed.values.local, baseUrl: parsed.values['base-url'], parallelism }, io);
    if (!result.ok) {
      reportProblems(result.problems, result.files, format, io);
      const headline = result.stage === 'validate' ? 'The definitions have errors; no plan was made.' : 'Some names do not resolve in Eppo; no plan was made.';
      for (const line of await publishPlan(io, { ...github, driftIssue: false }, { problems: result.problems, headline })) io.stderr.write(`${line}\n`);
      io.stderr.write(
        result.stage === 'validate'
          ? 'error: the definitions have errors (above); fix them, then run plan again\n'
          : 'error: some names do not resolve in Eppo (above); fix them, then run plan again\n',
      );
      return 1;
    }
    try {
      const { plan, problems } = result;
      const warnings = problems.filter((p) => p.severity === 'warning');
      if (warnings.length > 0 && format !== 'markdown') {
        io.stderr.write(warningsText(warnings));
      }
      if (parsed.values.out !== undefined) {
        await savePlan(resolve(io.cwd, parsed.values.out), parsed.values.out, renderPlanJson(plan));
      }
      if (format === 'json') io.stdout.write(renderPlanJson(plan));
      else if (format === 'markdown') io.stdout.write(renderPlanMarkdown(plan, { problems: warnings }));
      else io.stdout.write(renderPlanText(plan, { color: useColor(io) }));
      if (parsed.values.out !== undefined && format === 'text') io.stdout.write(`Saved the plan to ${parsed.values.out}; apply it with: eppo-gitops apply ${parsed.values.local ? '--local ' : ''}${parsed.values.out}\n`);
      for (const line of await publishPlan(io, github, { plan, problems: warnings })) io.stderr.write(`${line}\n`);
      return parsed.values['detailed-exitcode'] && planHasChanges(plan) ? 2 : 0;
    } finally {
      await result.connection.close();
    }
  },
};

async function savePlan(target: string, shown: string, text: string): Promise<void> {
  try {
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, text);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new ConfigError(`cannot save the plan to ${shown} (${code}); --out needs a file path in a writable folder, e.g. --out plan.json`);
  }
}

function warningsText(warnings: Problem[]): string {
  return warnings.map((p) => `${p.file}:${p.line}:${p.col}  ${p.severity}  ${p.message}  [${p.rule}]`).join('\n') + '\n';
}

/** Problems go to stdout as the format asks (a PR comment still shows them), else to stderr. */
export function reportProblems(problems: Problem[], files: number, format: PlanFormat | 'text' | 'json', io: Io): void {
  if (format === 'markdown') {
    io.stdout.write(
      renderPlanMarkdown(
        emptyPlan(),
        { problems, headline: 'The definitions have errors; no plan was made.' },
      ),
    );
    return;
  }
  if (format === 'json') {
    io.stdout.write(renderProblems(problems, { format: 'json', files }));
    return;
  }
  io.stderr.write(renderProblems(problems, { format: 'text', files }));
}
