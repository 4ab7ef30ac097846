import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { GitHubTargets, publishPlan } from '../../ci-report/index.js';
import { loadConfig, resolveDefinitionsDir, type Problem } from '../../definitions/index.js';
import { ConfigError, UsageError } from '../../errors.js';
import { errorCode, escapeText, MAX_PARALLELISM } from '../../util/index.js';
import { checkPlanTarget, planHasChanges, planWorkspace, renderPlanJson, renderPlanMarkdown, renderPlanText } from '../../reconcile/index.js';
import type { Command, Io } from '../io.js';
import { parseFlags, parseFormat, parseParallelism } from '../parse-flags.js';
import { capitalise, describeFailedStage, publishContext, reportProblems, useColor } from '../report.js';
import { EPPO_ENV_HELP } from '../shared-flags.js';

const FORMATS = ['text', 'json', 'markdown'] as const;

const PLAN_HELP = `Usage: eppo-gitops plan [--dir DIR] [--format text|json|markdown] [--out FILE]
                        [--detailed-exitcode] [--local] [--base-url URL] [--parallelism N]
                        [--github-comment] [--github-summary] [--github-drift-issue]

Validates the definition files, reads the live state from Eppo and prints what
apply would change: creates, updates (field by field), unchanged experiments,
skips (concluded), conflicts (two live experiments share a key) and live
experiments no file manages (unmanaged; never deleted). Only the fields written
in a file are compared. Nothing is written to Eppo.

When eppo-gitops.yaml configures flags (flags.files), validation includes the
flag checks of validate (the split each flagd flag serves against the
experiment with its key): a flag error stops the plan before Eppo is asked
anything, like a YAML error. The plan then notes flags that split traffic but
have no experiment file and that new can start from ("flags without an
experiment: …; run eppo-gitops new <key>"), never as an error; in JSON, the
field flags_without_experiment. A flag new would refuse (say, a fractional
under an if whose else serves an arm) is not listed: edit it first.

Options:
  --dir DIR              definitions folder (default: "dir" in eppo-gitops.yaml,
                         else experiments)
  --format FMT           text (default; colours on a terminal unless NO_COLOR),
                         json (the saved plan format), markdown (a PR comment)
  --out FILE             also save the plan as JSON, for "apply FILE"; never inside
                         the definitions folder, nor over a file that is not a plan
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
  GITHUB_TIMEOUT_SECONDS seconds one GitHub request may take (default 30)
  EPPO_GITOPS_BOT_LOGIN  the login GITHUB_TOKEN posts as, when it is not the
                         Actions token (default github-actions[bot])

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
    const format = parseFormat(parsed.values.format, FORMATS);
    if (parsed.values.out === '') throw new UsageError('--out needs a file name');
    const github: GitHubTargets = {
      comment: parsed.values['github-comment'],
      summary: parsed.values['github-summary'],
      driftIssue: parsed.values['github-drift-issue'],
    };
    // Before Eppo is read or --out written: a flag that cannot be honoured here fails the run at once.
    if (Object.values(github).includes(true)) await (await import('../../ci-report/index.js')).checkGitHubTargets(publishContext(io), github);

    const settings = await loadConfig(io.cwd);
    const out = parsed.values.out;
    if (out !== undefined) {
      const dir = resolveDefinitionsDir(parsed.values.dir, settings.config);
      const refused = await checkPlanTarget(io.cwd, out, dir);
      if (refused === 'inside-definitions') throw new UsageError(`--out ${out} is inside the definitions folder ${dir}/; save the plan outside it, e.g. --out plan.json`);
      if (refused === 'not-a-plan') throw new UsageError(`--out ${out} would overwrite a file that is not a plan; save the plan under another name, e.g. --out plan.json`);
    }
    const result = await planWorkspace({
      cwd: io.cwd,
      env: io.env,
      dir: parsed.values.dir,
      local: parsed.values.local,
      baseUrl: parsed.values['base-url'],
      parallelism,
      settings,
    });
    if (!result.ok) {
      reportProblems(result.problems, result.files, format, io, result.failed);
      const what = result.stage === 'validate' ? describeFailedStage(result.failed) : 'some names do not resolve in Eppo';
      const headline = `${capitalise(what)}; no plan was made.`;
      for (const line of await publish(io, { ...github, driftIssue: false }, { problems: result.problems, headline })) io.stderr.write(`${line}\n`);
      io.stderr.write(`error: ${what} (above); fix them, then run plan again\n`);
      return 1;
    }
    try {
      const { plan, problems } = result;
      const warnings = problems.filter((p) => p.severity === 'warning');
      if (warnings.length > 0 && format !== 'markdown') {
        io.stderr.write(warningsText(warnings));
      }
      const json = parsed.values.out !== undefined || format === 'json' ? renderPlanJson(plan) : '';
      if (parsed.values.out !== undefined) {
        await savePlan(resolve(io.cwd, parsed.values.out), parsed.values.out, json);
      }
      if (format === 'json') io.stdout.write(json);
      else if (format === 'markdown') io.stdout.write(renderPlanMarkdown(plan, { problems: warnings }));
      else io.stdout.write(renderPlanText(plan, { color: useColor(io) }));
      if (parsed.values.out !== undefined && format === 'text') io.stdout.write(`Saved the plan to ${parsed.values.out}; apply it with: eppo-gitops apply ${parsed.values.local ? '--local ' : ''}${parsed.values.out}\n`);
      for (const line of await publish(io, github, { plan, problems: warnings })) io.stderr.write(`${line}\n`);
      return parsed.values['detailed-exitcode'] && planHasChanges(plan) ? 2 : 0;
    } finally {
      await result.connection.close();
    }
  },
};

/** The --github-* targets. The GitHub client loads only when one is asked for: a plain plan never pays for it. */
async function publish(io: Io, targets: GitHubTargets, input: Parameters<typeof publishPlan>[2]): Promise<string[]> {
  if (!Object.values(targets).includes(true)) return [];
  const ciReport = await import('../../ci-report/index.js');
  return ciReport.publishPlan(publishContext(io), targets, input);
}

async function savePlan(target: string, shown: string, text: string): Promise<void> {
  try {
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, text);
  } catch (error) {
    throw new ConfigError(`cannot save the plan to ${shown} (${errorCode(error)}); --out needs a file path in a writable folder, e.g. --out plan.json`);
  }
}

function warningsText(warnings: Problem[]): string {
  return warnings.map((p) => escapeText(`${p.file}:${p.line}:${p.col}  ${p.severity}  ${p.message}  [${p.rule}]`)).join('\n') + '\n';
}
