import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { loadConfig } from '../../definitions/index.js';
import { connectEppo, type EppoConnection } from '../../eppo/index.js';
import { ConfigError, UsageError } from '../../errors.js';
import { escapeText } from '../../util/index.js';
import {
  applyPlan,
  checkPlanFreshness,
  INTERRUPTED_REASON,
  isInSync,
  parsePlan,
  planHasChanges,
  planWorkspace,
  renderApplyJson,
  renderApplyMarkdown,
  renderApplyProgress,
  renderApplyText,
  renderPlanText,
  type Plan,
} from '../../reconcile/index.js';
import type { Command, Io } from '../io.js';
import { MAX_PARALLELISM, parseFlags, parseParallelism } from '../parse-flags.js';
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
    const format = parsed.values.format as ApplyFormat;
    if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, not "${parsed.values.format}"`);
    if (parsed.positionals.length > 1) throw new UsageError(`apply takes at most one plan file, got ${parsed.positionals.length}: ${parsed.positionals.join(' ')}`);
    const settings = await loadConfig(io.cwd);
    const parallelism = parseParallelism(parsed.values.parallelism, settings.config.parallelism);
    const planFile = parsed.positionals[0];
    const progressOut = format === 'json' ? io.stderr : io.stdout;

    let plan: Plan;
    let connection: EppoConnection;
    if (planFile !== undefined) {
      plan = await readPlanFile(resolve(io.cwd, planFile), planFile, parsed.values.local);
      connection = await connectEppo({
        cwd: io.cwd,
        env: io.env,
        local: parsed.values.local,
        baseUrl: parsed.values['base-url'],
        config: settings.config,
        client: { concurrency: parallelism },
      });
      if (plan.eppo_base_url !== connection.baseUrl) {
        await connection.close();
        io.stderr.write(
          `error: ${planFile} was made against ${escapeText(plan.eppo_base_url)}, but this run talks to ${connection.baseUrl}; nothing was changed. Run plan again against ${connection.baseUrl}\n`,
        );
        return 1;
      }
    } else {
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
        io.stderr.write('error: nothing was applied; fix the problems above and run apply again\n');
        return 1;
      }
      plan = result.plan;
      connection = result.connection;
      progressOut.write(renderPlanText(plan, { color: useColor(io) }));
      if (planHasChanges(plan) && !parsed.values.yes) {
        if (io.confirm === undefined) {
          await connection.close();
          throw new UsageError('apply without a plan file asks for confirmation, and this shell is not interactive: pass --yes, or save a plan with "plan --out FILE" and run "apply FILE"');
        }
        const yes = await io.confirm(`Apply these changes to ${connection.baseUrl}?`);
        if (!yes) {
          await connection.close();
          io.stderr.write('Apply cancelled; nothing was changed.\n');
          return 1;
        }
      }
    }

    try {
      if (!planHasChanges(plan)) {
        const empty = { results: [], summary: { applied: 0, failed: 0, skipped: 0 } };
        if (format === 'json') io.stdout.write(renderApplyJson(empty));
        // The plan printed above already says when Eppo matches; skips and conflicts are not applied.
        else if (planFile !== undefined && isInSync(plan)) io.stdout.write('No changes. Eppo matches the definitions.\n');
        else if (!isInSync(plan)) io.stdout.write('Nothing to apply: no creates or updates.\n');
        if (parsed.values['github-summary']) io.stderr.write(`${await publishSummary(io, renderApplyMarkdown(empty))}\n`);
        return 0;
      }
      if (io.signal?.aborted === true) {
        io.stderr.write('error: interrupted before applying; nothing was changed\n');
        return 1;
      }
      const freshness = await checkPlanFreshness(connection.api, plan);
      if (freshness.state === 'applied') {
        const empty = { results: [], summary: { applied: 0, failed: 0, skipped: 0 } };
        if (format === 'json') io.stdout.write(renderApplyJson(empty));
        io[format === 'json' ? 'stderr' : 'stdout'].write('This plan has already been applied; nothing to do.\n');
        if (parsed.values['github-summary']) io.stderr.write(`${await publishSummary(io, renderApplyMarkdown(empty))}\n`);
        return 0;
      }
      if (freshness.state === 'stale') {
        const stale = freshness.messages;
        io.stderr.write(`${stale.map((s) => `error: ${escapeText(s)}`).join('\n')}\nerror: refusing the whole plan (${stale.length} stale); nothing was changed\n`);
        return 1;
      }
      const onInterrupt = (): void => {
        io.stderr.write('stopping: no new change starts; waiting for the ones in flight (Ctrl-C again quits at once)\n');
      };
      io.signal?.addEventListener('abort', onInterrupt, { once: true });
      const result = await applyPlan(connection.api, plan, {
        parallelism,
        ...(io.signal === undefined ? {} : { signal: io.signal }),
        onProgress: ({ item, done, total }) => progressOut.write(`[${done}/${total}] ${renderApplyProgress(item)}\n`),
      }).finally(() => io.signal?.removeEventListener('abort', onInterrupt));
      if (format === 'json') io.stdout.write(renderApplyJson(result));
      else io.stdout.write(renderApplyText(result));
      if (parsed.values['github-summary']) io.stderr.write(`${await publishSummary(io, renderApplyMarkdown(result))}\n`);
      if (result.results.some((r) => r.reason === INTERRUPTED_REASON)) {
        io.stderr.write('error: interrupted: the changes in flight finished, the rest were not started; run plan again to see what is left\n');
        return 1;
      }
      return result.summary.failed > 0 ? 1 : 0;
    } finally {
      await connection.close();
    }
  },
};

/** --github-summary. The GitHub reporting modules load only for it: a plain apply never pays for them. */
async function publishSummary(io: Io, markdown: string): Promise<string> {
  const ciReport = await import('../../ci-report/index.js');
  return ciReport.publishSummary(publishContext(io), markdown);
}

async function readPlanFile(path: string, shown: string, local: boolean): Promise<Plan> {
  const flag = local ? ' --local' : '';
  // Never suggest "--out <the file given>": it may be a definition, and plan would overwrite it.
  const howTo = `apply takes a plan file; run "eppo-gitops plan${flag} --out plan.json", then "eppo-gitops apply${flag} plan.json"`;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(`cannot read the plan file ${shown} (${code ?? String(error)}); ${howTo}`);
  }
  const parsed = parsePlan(text);
  if (parsed.ok) return parsed.plan;
  if (/\.ya?ml$/i.test(shown)) throw new ConfigError(`${shown} looks like a definition file, not a plan: ${howTo}`);
  throw new ConfigError(`${shown} is not a usable plan file: ${parsed.message}; ${howTo}`);
}
