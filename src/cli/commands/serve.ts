import { checkLocalTarget } from '../../eppo/index.js';
import { ConfigError } from '../../errors.js';
import { checkSecretLength, escapeJsonText, stuckJobTimeoutMs } from '../../util/index.js';
import { buildResultFields, openOutcomeContext } from '../../outcomes/index.js';
import { startWebhookServer, WEBHOOK_PATH } from '../../server/index.js';
import type { Command, Io } from '../io.js';
import { parseFlags, parsePort } from '../parse-flags.js';
import { redactSecrets } from '../redact.js';
import { OUTCOME_FLAGS, outcomeContextOptions, ROLLOUT_HELP } from '../shared-flags.js';

const HELP = `Usage: eppo-gitops serve [options]

Receives Eppo webhooks and turns each concluded experiment into an outcome pull
request (or a local commit). POST /webhooks/eppo checks the signature, answers
202 at once and works in the background; deliveries for one experiment are
coalesced, and every action is idempotent, so redeliveries and several replicas
are safe. GET /healthz answers 200, or 503 while stopping or while a job has run
for longer than six request timeouts (stuck). Logs one JSON line per delivery on
stderr.
Prints "listening on <url>" when ready; SIGTERM finishes the work in flight
(cancelling what still runs after 30 s) and exits 0.

${ROLLOUT_HELP}

Options:
  --port N          port to listen on (default: PORT, then "port" in eppo-gitops.yaml,
                    then 8080; 0 picks a free one)
  --host ADDR       address to bind (default: 127.0.0.1, always; pass 0.0.0.0 in a
                    container or behind a proxy on another host)
  --git-host KIND   github | local (default: github when GITHUB_TOKEN and
                    GITHUB_REPOSITORY are set, else local = the checkout in cwd)
  --dir DIR         definitions folder (default: "dir" in
                    eppo-gitops.yaml, else experiments)
  --local           use the embedded Eppo emulator, and register this server
                    as its webhook receiver
  --base-url URL    Eppo API base URL (default: EPPO_BASE_URL, else
                    eppo_base_url in eppo-gitops.yaml, else Eppo's)

Environment:
  EPPO_WEBHOOK_SECRET   the secret configured on the Eppo webhook (required; at least
                        8 characters)
  EPPO_API_KEY, GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL,
  EPPO_GITOPS_BASE_BRANCH, PORT
  EPPO_TIMEOUT_SECONDS, GITHUB_TIMEOUT_SECONDS
                        seconds one Eppo or GitHub request may take (default 30)

Examples:
  EPPO_WEBHOOK_SECRET=... eppo-gitops serve --host 0.0.0.0 --port 8080
  EPPO_WEBHOOK_SECRET=dev-secret eppo-gitops serve --local --git-host local --port 0

Exit codes: 0 after SIGTERM/SIGINT; 1 on a configuration error.
`;

export const command: Command = {
  name: 'serve',
  summary: 'webhook receiver: POST /webhooks/eppo, GET /healthz',
  help: HELP,
  async run(args, io) {
    const { values } = parseFlags(args, { options: { ...OUTCOME_FLAGS, port: { type: 'string' }, host: { type: 'string' } }, allowPositionals: false });
    // The flag, else PORT, else eppo-gitops.yaml (read with the context below), else 8080.
    const portText = values.port ?? nonEmpty(io.env.PORT);
    const given = portText === undefined ? undefined : parsePort(portText, values.port === undefined ? 'PORT' : '--port');
    const host = values.host ?? '127.0.0.1';
    checkLocalTarget({ local: values.local, baseUrl: values['base-url'] });
    const secret = io.env.EPPO_WEBHOOK_SECRET;
    if (secret === undefined || secret === '') {
      throw new ConfigError('EPPO_WEBHOOK_SECRET is not set: export the secret configured on the Eppo webhook, so deliveries can be verified');
    }
    checkSecretLength('EPPO_WEBHOOK_SECRET', secret);

    const log = (entry: Record<string, unknown>): void => {
      io.stderr.write(`${escapeJsonText(redactSecrets(JSON.stringify({ time: new Date().toISOString(), ...entry }), io.env))}\n`);
    };
    const jobTimeoutMs = stuckJobTimeoutMs(io.env);
    // Stopping cancels the Eppo and GitHub requests of jobs still running after the grace period.
    const cancelJobs = new AbortController();
    const ctx = await openOutcomeContext({ ...outcomeContextOptions(values, io), signal: cancelJobs.signal });
    const port = given ?? ctx.config.port ?? DEFAULT_PORT;
    let server;
    try {
      server = await startWebhookServer({
        port,
        host,
        secret,
        log,
        jobTimeoutMs,
        cancelJobs,
        handle: async (experimentId) => buildResultFields(await ctx.record(experimentId)),
      });
    } catch (error) {
      await ctx.close();
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE' || code === 'EACCES') throw new ConfigError(`cannot listen on ${host}:${port} (${code}); choose another --port`);
      throw error;
    }
    try {
      const emulator = ctx.connection.emulator;
      if (emulator !== undefined) {
        const apiBase = ctx.connection.api.baseUrl;
        // With --local, the embedded emulator delivers its decisions to this server, at the address it is bound to.
        emulator.addWebhook({ url: `${server.localUrl}${WEBHOOK_PATH}`, secret });
        // Without this the embedded emulator could not be reached, and no decision could ever be made.
        log({
          msg: 'embedded Eppo emulator',
          url: apiBase,
          decide: `POST ${new URL(apiBase).origin}/__emulator/experiments/<id>/decision {"winning_variant_key": "...", "outcome": "POSITIVE"}`,
        });
      }
      io.stdout.write(`listening on ${server.url.replace('0.0.0.0', '127.0.0.1')}\n`);
      await untilAborted(io);
      log({ msg: 'stopping', reason: 'signal' });
    } finally {
      await server.close();
      await ctx.close();
    }
    return 0;
  },
};

/** The port when neither --port, PORT nor eppo-gitops.yaml names one. */
const DEFAULT_PORT = 8080;

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function untilAborted(io: Io): Promise<void> {
  const signal = io.signal;
  if (signal === undefined) return new Promise(() => {});
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
