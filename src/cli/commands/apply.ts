import { loadConfig } from '../../definitions/index.js';
import { UsageError } from '../../errors.js';
import { escapeText, MAX_PARALLELISM } from '../../util/index.js';
import {
  applyCheckedPlan,
  applySavedPlan,
  planHasChanges,
  planWorkspace,
  renderApplyJson,
  renderApplyMarkdown,
  renderApplyProgress,
  renderApplyText,
  renderPlanText,
  type ApplyOutcome,
  type ApplyProgress,
} from '../../reconcile/index.js';
import type { Command, Io } from '../io.js';
import { parseFlags, parseFormat, parseParallelism } from '../parse-flags.js';
import { publishContext, reportProblems, useColor } from '../report.js';
import { EPPO_ENV_HELP } from '../shared-flags.js';

const FORMATS = ['text', 'json'] as const;
type ApplyFormat = (typeof FORMATS)[number];

export const command: Command = {
  name: 'apply',
  summary: 'apply a saved plan, or plan and apply',
  help: `Usage: eppo-gitops apply [PLAN_FILE] [--yes] [--parallelism N] [--format text|json]
                         [--dir DIR] [--local] [--base-url URL] [--github-summary]

With PLAN_FILE (from "plan --out"): re-reads every experiment the plan touches
and refuses the whole plan, changing nothing, when any of them changed in Eppo
since the plan was made (a stale plan), or when the plan was made against
another Eppo. Then it creates and updates what the plan says. A plan whose
every change Eppo already holds was applied before: nothing to do (exit 0).

Without PLAN_FILE: plans, prints the plan, asks for confirmation on a terminal
(a non-interactive shell needs --yes), then applies.

Changes run in parallel; one progress line per change. A failure does not stop
the others; running apply again converges. A create that failed in a way that
leaves its fate unknown (timeout, 5xx, dropped connection) is looked up by key
before it is tried again, so nothing is created twice. Nothing is ever deleted.
Ctrl-C stops starting new changes and lets the ones in flight finish (exit 1);
a second Ctrl-C quits at once.

Options:
  --yes                  apply without asking (CI)
  --parallelism N        changes (and list pages) in flight (default:
                         "parallelism" in eppo-gitops.yaml, else 4; 1..${MAX_PARALLELISM})
  --format FMT           text (default) or json ({"results": [...], "summary": {...}})
  --dir DIR              definitions folder when planning (default: "dir" in
                         eppo-gitops.yaml, else experiments)
  --local                use the embedded Eppo emulator (state in .eppo-local/)
  --base-url URL         Eppo API base URL (beats EPPO_BASE_URL and the config file)
  --github-summary       append the result to the job summary (GITHUB_STEP_SUMMARY)
  --debug                print stack traces on unexpected errors
  -h, --help             show this help

Environment:
${EPPO_ENV_HELP}

Examples:
  eppo-gitops plan --out plan.json && eppo-gitops apply plan.json
  eppo-gitops apply --yes --parallelism 8
  eppo-gitops apply --local

Exit codes:
  0  every change applied (or nothing to do)
  1  any change failed, a stale plan, validation errors, declined, bad usage
`,
  async run(args, io) {
    const parsed = parseFlags(args, {
      allowPositionals: true,
      options: {
        yes: { type: 'boolean', default: false },
        parallelism: { type: 'string' },
        format: { type: 'string', default: 'text' },
        dir: { type: 'string' },
        local: { type: 'boolean', default: false },
        'base-url': { type: 'string' },
        'github-summary': { type: 'boolean', default: false },
      },
    });
    const format = parseFormat(parsed.values.format, FORMATS);
    if (parsed.positionals.length > 1) throw new UsageError(`apply takes at most one plan file, got ${parsed.positionals.length}: ${parsed.positionals.join(' ')}`);
    // Before anything is planned or applied: a summary that cannot be written must not fail the run after Eppo changed.
    if (parsed.values['github-summary']) {
      const ciReport = await import('../../ci-report/index.js');
      await ciReport.checkGitHubTargets(publishContext(io), { comment: false, summary: true, driftIssue: false });
    }
    const settings = await loadConfig(io.cwd);
    const parallelism = parseParallelism(parsed.values.parallelism, settings.config.parallelism);
    const planFile = parsed.positionals[0];
    const progressOut = format === 'json' ? io.stderr : io.stdout;
    const applying = {
      parallelism,
      ...(io.signal === undefined ? {} : { signal: io.signal }),
      onProgress: ({ item, done, total }: ApplyProgress) => progressOut.write(`[${done}/${total}] ${renderApplyProgress(item)}\n`),
      onStopping: () => io.stderr.write('stopping: no new change starts; waiting for the ones in flight (Ctrl-C again quits at once)\n'),
    };
    const report = (outcome: ApplyOutcome, saved: boolean): Promise<number> => reportOutcome(outcome, { io, format, saved, summary: parsed.values['github-summary'] });

    if (planFile !== undefined) {
      const outcome = await applySavedPlan({
        cwd: io.cwd,
        env: io.env,
        file: planFile,
        local: parsed.values.local,
        baseUrl: parsed.values['base-url'],
        config: settings.config,
        ...applying,
      });
      if (outcome.kind === 'other-eppo') {
        io.stderr.write(
          `error: ${planFile} was made against ${escapeText(outcome.planned)}, but this run talks to ${outcome.current}; nothing was changed. Run plan again against ${outcome.current}\n`,
        );
        return 1;
      }
      return report(outcome, true);
    }

    const result = await planWorkspace({
      cwd: io.cwd,
      env: io.env,
      dir: parsed.values.dir,
      local: parsed.values.local,
      baseUrl: parsed.values['base-url'],
      parallelism,
      settings,
      ...(io.signal === undefined ? {} : { signal: io.signal }),
    });
    if (!result.ok) {
      if (result.stage === 'interrupted') return report({ kind: 'interrupted-before' }, false);
      reportProblems(result.problems, result.files, format, io, result.failed);
      io.stderr.write('error: nothing was applied; fix the problems above and run apply again\n');
      return 1;
    }
    const { plan, connection } = result;
    try {
      progressOut.write(renderPlanText(plan, { color: useColor(io) }));
      if (planHasChanges(plan) && !parsed.values.yes) {
        if (io.confirm === undefined) {
          throw new UsageError('apply without a plan file asks for confirmation, and this shell is not interactive: pass --yes, or save a plan with "plan --out FILE" and run "apply FILE"');
        }
        if (!(await io.confirm(`Apply these changes to ${connection.baseUrl}?`))) {
          io.stderr.write('Apply cancelled; nothing was changed.\n');
          return 1;
        }
      }
      return await report(await applyCheckedPlan(connection.api, plan, applying), false);
    } finally {
      await connection.close();
    }
  },
};

interface ReportOptions {
  io: Io;
  format: ApplyFormat;
  /** the plan came from a file (not printed above) */
  saved: boolean;
  /** --github-summary */
  summary: boolean;
}

/** Prints what an apply came to and picks the exit code. */
async function reportOutcome(outcome: ApplyOutcome, { io, format, saved, summary }: ReportOptions): Promise<number> {
  switch (outcome.kind) {
    case 'interrupted-before':
      io.stderr.write('error: interrupted before applying; nothing was changed\n');
      return 1;
    case 'stale':
      io.stderr.write(`${outcome.messages.map((s) => `error: ${escapeText(s)}`).join('\n')}\nerror: refusing the whole plan (${outcome.messages.length} stale); nothing was changed\n`);
      return 1;
    case 'nothing-to-apply':
      if (format === 'json') io.stdout.write(renderApplyJson(outcome.result));
      // A plan printed above already says when Eppo matches; skips and conflicts are not applied.
      else if (saved && outcome.inSync) io.stdout.write('No changes. Eppo matches the definitions.\n');
      else if (!outcome.inSync) io.stdout.write('Nothing to apply: no creates or updates.\n');
      break;
    case 'already-applied':
      if (format === 'json') io.stdout.write(renderApplyJson(outcome.result));
      io[format === 'json' ? 'stderr' : 'stdout'].write('This plan has already been applied; nothing to do.\n');
      break;
    case 'applied':
      io.stdout.write(format === 'json' ? renderApplyJson(outcome.result) : renderApplyText(outcome.result));
      break;
  }
  if (summary) io.stderr.write(`${await publishSummary(io, renderApplyMarkdown(outcome.result))}\n`);
  if (outcome.kind !== 'applied') return 0;
  if (outcome.interrupted) {
    io.stderr.write('error: interrupted: the changes in flight finished, the rest were not started; run plan again to see what is left\n');
    return 1;
  }
  return outcome.result.summary.failed > 0 ? 1 : 0;
}

/** --github-summary. The GitHub reporting modules load only for it: a plain apply never pays for them. */
async function publishSummary(io: Io, markdown: string): Promise<string> {
  const ciReport = await import('../../ci-report/index.js');
  return ciReport.publishSummary(publishContext(io), markdown);
}
