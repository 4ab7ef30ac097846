import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { loadConfig } from '../../definitions/index.js';
import { ConfigError, UsageError } from '../../errors.js';
import { selectGitHost, type GitHost } from '../../git-host/index.js';
import { parseWebhookEvent, recordOutcome, unwrapDispatchEvent, verifyWebhookSignature, type RecordOutcomeResult } from '../../outcomes/index.js';
import { connectEppo, type EppoConnection } from '../eppo-connection.js';
import type { Command, Io } from '../io.js';
import { parseFlags } from '../parse-flags.js';

/** Flags shared by `outcome`, `outcomes sync` and `serve`. */
export const OUTCOME_FLAGS = {
  dir: { type: 'string' },
  'git-host': { type: 'string' },
  local: { type: 'boolean', default: false },
  'base-url': { type: 'string' },
} as const;

export interface OutcomeFlags {
  dir?: string | undefined;
  'git-host'?: string | undefined;
  local?: boolean | undefined;
  'base-url'?: string | undefined;
}

export interface OutcomeContext {
  connection: EppoConnection;
  host: GitHost;
  dir: string;
  close(): Promise<void>;
}

/**
 * Opens Eppo and the git host for the outcome commands: flags beat the
 * environment, which beats eppo-gitops.yaml. The git host is github when
 * GITHUB_TOKEN and GITHUB_REPOSITORY are set (or --git-host github), else local.
 */
export async function openOutcomeContext(flags: OutcomeFlags, io: Io): Promise<OutcomeContext> {
  const settings = await loadConfig(io.cwd);
  const bad = settings.problems.find((p) => p.severity === 'error');
  if (bad) throw new ConfigError(`${bad.file}:${bad.line}:${bad.col}: ${bad.message}`);
  const config = settings.config;
  const kind = flags['git-host'];
  if (kind !== undefined && kind !== 'github' && kind !== 'local') throw new UsageError(`--git-host must be github or local (got "${kind}")`);
  const env = {
    ...io.env,
    EPPO_GITOPS_BASE_BRANCH: io.env.EPPO_GITOPS_BASE_BRANCH || config.base_branch,
    GITHUB_REPOSITORY: io.env.GITHUB_REPOSITORY || config.github_repository,
    GITHUB_API_URL: io.env.GITHUB_API_URL || config.github_api_url,
  };
  const host = selectGitHost({ ...(kind ? { kind } : {}), cwd: io.cwd, env });
  const dir = flags.dir ?? config.dir ?? 'experiments';
  const connection = await connectEppo({
    cwd: io.cwd,
    env: io.env,
    local: flags.local === true,
    ...(flags['base-url'] === undefined ? {} : { baseUrl: flags['base-url'] }),
    config,
  });
  return { connection, host, dir, close: () => connection.close() };
}

/** One line for a human about what happened to one experiment. */
export function describeResult(r: RecordOutcomeResult, hostKind: GitHost['kind']): string {
  const who = r.action === 'not-found' ? `experiment #${r.experimentId}` : `${r.experimentKey} (#${r.experimentId})`;
  const where = (x: { branch: string; pr?: { number: number; url: string } | undefined; commit?: string }): string =>
    x.pr ? `pull request #${x.pr.number} ${x.pr.url}` : `branch ${x.branch}${x.commit ? ` at ${x.commit.slice(0, 12)}` : ''}${hostKind === 'local' ? ' (local commit, no pull request)' : ''}`;
  switch (r.action) {
    case 'not-found':
      return `${who}: Eppo has no experiment with this id`;
    case 'not-concluded':
      return `${who}: status is "${r.status}", not Concluded; nothing to record`;
    case 'unmanaged':
      return `${who}: no definition file has this experiment_key; nothing proposed`;
    case 'ambiguous':
      return `${who}: several files declare this experiment_key (${r.files.join(', ')}); keep one`;
    case 'not-editable':
      return `${who}: cannot edit ${r.file}: ${r.reason}`;
    case 'unchanged':
      return `${who}: ${r.file} already records this outcome`;
    case 'proposed':
      return `${who}: proposed the outcome for ${r.file} in ${where(r)}`;
    case 'updated':
      return `${who}: updated ${where(r)} with the new outcome for ${r.file}`;
    case 'already-proposed':
      return `${who}: already proposed in ${where(r)}`;
    case 'closed-unmerged':
      return `${who}: pull request #${r.pr.number} for this outcome was closed without merging; not proposed again`;
    case 'merged':
      return `${who}: pull request #${r.pr.number} for this outcome was merged already`;
    case 'failed':
      return `${who}: failed: ${r.error}`;
    case 'conflict':
      return `${who}: ${r.experimentIds.length} concluded experiments in Eppo share this key (ids ${r.experimentIds.join(', ')}); not recorded — rename all but one in Eppo`;
  }
}

/** Results that mean the outcome could not be recorded. */
export function isFailure(r: RecordOutcomeResult): boolean {
  return r.action === 'not-found' || r.action === 'ambiguous' || r.action === 'not-editable' || r.action === 'failed' || r.action === 'conflict';
}

const HELP = `Usage: eppo-gitops outcome (--experiment-id N | --event-file FILE) [options]

Records one experiment's outcome in git: reads the experiment from Eppo, and
when it is Concluded writes the "outcome" block into its definition file (every
other byte kept) and proposes it on the branch eppo-gitops/outcome/<key>: a pull
request on GitHub, or a commit on that branch in a local checkout. Running it
again changes nothing. Meant for a GitHub Actions job fired by repository_dispatch.

Options:
  --experiment-id N   the Eppo experiment id
  --event-file FILE   a webhook body: GitHub's event JSON whose client_payload is
                      the Eppo body (\${GITHUB_EVENT_PATH}), or a bare Eppo body
  --git-host KIND     github | local (default: github when GITHUB_TOKEN and
                      GITHUB_REPOSITORY are set, else local = the checkout in cwd)
  --dir DIR           definitions folder (default: experiments)
  --local             use the embedded Eppo emulator (state in .eppo-local/)
  --base-url URL      Eppo API base URL (default: EPPO_BASE_URL or Eppo's)
  --format FMT        text | json (default: text)

Environment:
  EPPO_API_KEY          Eppo API key (required unless --local)
  EPPO_WEBHOOK_SECRET   when set, --event-file must carry a valid signature
  GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL (GitHub Enterprise)
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
    const { values } = parseFlags(args, {
      options: { ...OUTCOME_FLAGS, 'experiment-id': { type: 'string' }, 'event-file': { type: 'string' }, format: { type: 'string', default: 'text' } },
      allowPositionals: false,
    });
    if (values.format !== 'text' && values.format !== 'json') throw new UsageError(`--format must be text or json (got "${values.format}")`);
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
      const event = await readEvent(resolve(io.cwd, eventFile!), io.env.EPPO_WEBHOOK_SECRET);
      if (event.kind === 'ignored') {
        io.stdout.write(values.format === 'json' ? `${JSON.stringify({ action: 'ignored', event: event.event })}\n` : `ignored: "${event.event}" does not record outcomes\n`);
        return 0;
      }
      experimentId = event.experimentId;
    }

    const ctx = await openOutcomeContext(values, io);
    try {
      const result = await recordOutcome({ experimentId, eppo: ctx.connection.api, host: ctx.host, dir: ctx.dir });
      io.stdout.write(values.format === 'json' ? `${JSON.stringify(result)}\n` : `${describeResult(result, ctx.host.kind)}\n`);
      return isFailure(result) ? 1 : 0;
    } finally {
      await ctx.close();
    }
  },
};

async function readEvent(path: string, secret: string | undefined): Promise<{ kind: 'outcome'; experimentId: number } | { kind: 'ignored'; event: string }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read the event file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigError(`the event file ${path} is not valid JSON`);
  }
  const body = unwrapDispatchEvent(parsed);
  if (secret !== undefined && secret !== '' && !verifyWebhookSignature(body, secret)) {
    throw new ConfigError(`the event in ${path} is not signed with EPPO_WEBHOOK_SECRET; verify that the webhook secret in Eppo matches EPPO_WEBHOOK_SECRET, and that client_payload is the unchanged Eppo body`);
  }
  const event = parseWebhookEvent(body);
  if (event.kind === 'invalid') throw new ConfigError(`the event in ${path} is not an Eppo webhook body: ${event.reason}`);
  if (event.kind === 'ignored') return { kind: 'ignored', event: event.event };
  return { kind: 'outcome', experimentId: event.experimentId };
}
