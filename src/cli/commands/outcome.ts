import { resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import { escapeJsonText, escapeText } from '../../util/index.js';
import { buildResultFields, describeResult, isOutcomeFailure, openOutcomeContext, readEventFile } from '../../outcomes/index.js';
import type { Command } from '../io.js';
import { parseFlags, parseFormat } from '../parse-flags.js';
import { OUTCOME_FLAGS, outcomeContextOptions, ROLLOUT_HELP } from '../shared-flags.js';

const HELP = `Usage: eppo-gitops outcome (--experiment-id N | --event-file FILE) [options]

Records one experiment's outcome in git: reads the experiment from Eppo, and
when it is Concluded writes the "outcome" block into its definition file (every
other byte kept) and proposes it on the branch eppo-gitops/outcome/<key>: a pull
request on GitHub, or a commit on that branch in a local checkout. Running it
again changes nothing. Meant for a GitHub Actions job fired by repository_dispatch.

${ROLLOUT_HELP}

Options:
  --experiment-id N   the Eppo experiment id
  --event-file FILE   a webhook body: GitHub's event JSON whose client_payload is
                      the Eppo body (\${GITHUB_EVENT_PATH}), or a bare Eppo body
  --git-host KIND     github | local (default: github when GITHUB_TOKEN and
                      GITHUB_REPOSITORY are set, else local = the checkout in cwd)
  --dir DIR           definitions folder (default: "dir" in
                      eppo-gitops.yaml, else experiments)
  --local             use the embedded Eppo emulator (state in .eppo-local/)
  --base-url URL      Eppo API base URL (default: EPPO_BASE_URL, else
                      eppo_base_url in eppo-gitops.yaml, else Eppo's)
  --format FMT        text (default) | json: one object, snake_case like the
                      serve logs ({"experiment_id": 4521, "action": "proposed",
                      "experiment_key": …, "file": …, "branch": …, …})

Environment:
  EPPO_API_KEY          Eppo API key (required unless --local)
  EPPO_WEBHOOK_SECRET   when set, --event-file must carry a valid signature
  GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL (GitHub Enterprise)
  GITHUB_TIMEOUT_SECONDS   seconds one GitHub request may take (default 30)
  EPPO_GITOPS_BASE_BRANCH  branch to propose against (default: the repository's default branch)

Examples:
  eppo-gitops outcome --experiment-id 4521
  eppo-gitops outcome --event-file "$GITHUB_EVENT_PATH"

Exit codes: 0 recorded, already recorded or nothing to record (not concluded,
unmanaged, ignored event); 1 error (unknown experiment, bad signature, file
that cannot be edited, Eppo or git host failure).
`;

export const command: Command = {
  name: 'outcome',
  summary: "record one experiment's outcome (a PR, or a local branch)",
  help: HELP,
  async run(args, io) {
    if (args[0] === 'sync') throw new UsageError('"outcome" records one experiment and has no "sync"; did you mean "eppo-gitops outcomes sync"?');
    const { values } = parseFlags(args, {
      options: { ...OUTCOME_FLAGS, 'experiment-id': { type: 'string' }, 'event-file': { type: 'string' }, format: { type: 'string', default: 'text' } },
      allowPositionals: false,
    });
    const format = parseFormat(values.format, ['text', 'json']);
    const idFlag = values['experiment-id'];
    const eventFile = values['event-file'];
    if ((idFlag === undefined) === (eventFile === undefined)) throw new UsageError('give exactly one of --experiment-id N or --event-file FILE');

    let experimentId: number;
    if (idFlag !== undefined) {
      if (!/^\d+$/.test(idFlag) || Number(idFlag) <= 0 || !Number.isSafeInteger(Number(idFlag))) {
        throw new UsageError(`--experiment-id must be a positive integer (got "${idFlag}")`);
      }
      experimentId = Number(idFlag);
    } else {
      const event = await readEventFile(resolve(io.cwd, eventFile!), io.env.EPPO_WEBHOOK_SECRET);
      if (event.kind === 'ignored') {
        // The event name is unsigned when EPPO_WEBHOOK_SECRET is not set: anything can be in it.
        io.stdout.write(format === 'json' ? `${escapeJsonText(JSON.stringify({ action: 'ignored', event: event.event }))}\n` : `ignored: "${escapeText(event.event)}" does not record outcomes\n`);
        return 0;
      }
      experimentId = event.experimentId;
    }

    const ctx = await openOutcomeContext(outcomeContextOptions(values, io));
    try {
      const result = await ctx.record(experimentId);
      io.stdout.write(format === 'json' ? `${escapeJsonText(JSON.stringify(buildResultFields(result)))}\n` : `${describeResult(result, ctx.host.kind)}\n`);
      return isOutcomeFailure(result) ? 1 : 0;
    } finally {
      await ctx.close();
    }
  },
};
