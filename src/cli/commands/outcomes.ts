import { UsageError } from '../../errors.js';
import { escapeJsonText } from '../../util/index.js';
import { buildResultFields, describeResult, describeSyncResults, isOutcomeFailure, openOutcomeContext } from '../../outcomes/index.js';
import type { Command } from '../io.js';
import { parseFlags, parseFormat } from '../parse-flags.js';
import { OUTCOME_FLAGS, outcomeContextOptions, ROLLOUT_HELP } from '../shared-flags.js';

const HELP = `Usage: eppo-gitops outcomes sync [options]

The catch-up that needs no webhook: every experiment managed in git that Eppo
reports as Concluded, and whose file does not record that outcome yet, gets
proposed (one branch eppo-gitops/outcome/<key> and one pull request each; a
local commit on that branch without GitHub). Run it on a schedule and a lost
webhook delivery loses nothing. Running it again changes nothing.

${ROLLOUT_HELP}

Options:
  --git-host KIND   github | local (default: github when GITHUB_TOKEN and
                    GITHUB_REPOSITORY are set, else local = the checkout in cwd)
  --dir DIR         definitions folder (default: "dir" in
                    eppo-gitops.yaml, else experiments)
  --local           use the embedded Eppo emulator (state in .eppo-local/)
  --base-url URL    Eppo API base URL (default: EPPO_BASE_URL, else
                    eppo_base_url in eppo-gitops.yaml, else Eppo's)
  --format FMT      text (default) | json: {"results": [...], "failures": N}, one
                    result per experiment as "outcome --format json" prints it

Environment: EPPO_API_KEY, GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL,
GITHUB_TIMEOUT_SECONDS (default 30), EPPO_GITOPS_BASE_BRANCH.

Examples:
  eppo-gitops outcomes sync
  eppo-gitops outcomes sync --git-host local --local

Exit codes: 0 every concluded outcome is recorded or proposed; 1 any failure.
`;

export const command: Command = {
  name: 'outcomes',
  summary: 'outcomes sync: propose every concluded outcome not yet in git',
  help: HELP,
  async run(args, io) {
    const parsed = parseFlags(args, { options: { ...OUTCOME_FLAGS, format: { type: 'string', default: 'text' } }, allowPositionals: true });
    const [sub, ...extra] = parsed.positionals;
    if (sub !== 'sync') throw new UsageError(sub === undefined ? 'missing subcommand: eppo-gitops outcomes sync' : `unknown subcommand "${sub}" (the only one is "sync")`);
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
    const format = parseFormat(parsed.values.format, ['text', 'json']);

    const ctx = await openOutcomeContext(outcomeContextOptions(parsed.values, io));
    try {
      const results = await ctx.sync();
      const failures = results.filter(isOutcomeFailure).length;
      if (format === 'json') {
        io.stdout.write(`${escapeJsonText(JSON.stringify({ results: results.map(buildResultFields), failures }))}\n`);
      } else {
        for (const r of results) io.stdout.write(`${describeResult(r, ctx.host.kind)}\n`);
        io.stdout.write(`${describeSyncResults(results)}\n`);
      }
      return failures > 0 ? 1 : 0;
    } finally {
      await ctx.close();
    }
  },
};
