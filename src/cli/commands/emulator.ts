import { resolve } from 'node:path';
import { DEFAULT_EMULATOR_API_KEY, startEmulator } from '../../emulator/index.js';
import { UsageError } from '../../errors.js';
import { plural } from '../../util/index.js';
import type { Command, Io } from '../io.js';
import { parseFlags, parsePort } from '../parse-flags.js';

const HELP = `Usage: eppo-gitops emulator [options]

Runs the embedded Eppo emulator: a local server of the Eppo experiments API
(/api/v1) and its signed webhooks, with seed data (entities user and company,
three assignment sources, eight metrics) and control endpoints under
/__emulator/ (decisions, webhooks, faults, request log, reset).

Prints one line "listening on http://HOST:PORT/api/v1" on stdout when ready,
logs one JSON line per request and webhook delivery on stderr, and stops on
SIGTERM/SIGINT after finishing the requests in flight.

Options:
  --port N                port to listen on (default: $PORT, else 8787; 0 = any free port)
  --host H                address to bind (default: 127.0.0.1)
  --state FILE            keep the state in FILE (JSON, written atomically,
                          reloaded on start; created from the seed when missing;
                          locked while running: one emulator per file)
  --api-key K             accept K as a read/write key (repeatable; default: emulator-key)
  --read-only-key K       accept K as a read-only key: writes get 403 (repeatable)
  --webhook URL           deliver webhook events to URL (repeatable)
  --webhook-secret S      signing secret for the --webhook at the same position
                          (one secret is used for every --webhook)
  --latency MS            add MS milliseconds to every API request
  --empty                 start without the seed data
  -h, --help              show this help

Environment:
  PORT                    default port

Examples:
  eppo-gitops emulator --port 8787
  eppo-gitops emulator --port 0 --state .eppo-local/state.json \\
    --webhook http://127.0.0.1:3000/webhooks/eppo --webhook-secret s3cret
  curl -H 'X-Eppo-Token: emulator-key' http://127.0.0.1:8787/api/v1/metrics

Exit codes: 0 stopped by a signal, 1 error (bad flags, port in use, corrupt or locked state file).
`;

export const command: Command = {
  name: 'emulator',
  summary: 'run the embedded Eppo emulator',
  help: HELP,
  async run(args: string[], io: Io): Promise<number> {
    const options = parseOptions(args, io);
    const emulator = await startEmulator({
      ...options,
      log: (entry) => io.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`),
    });
    io.stdout.write(`listening on ${emulator.url}\n`);
    await new Promise<void>((done) => {
      if (io.signal === undefined) return;
      if (io.signal.aborted) done();
      else io.signal.addEventListener('abort', () => done(), { once: true });
    });
    await emulator.close();
    io.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), type: 'stopped' })}\n`);
    return 0;
  },
};

function parseOptions(args: string[], io: Io) {
  const { values } = parseFlags(args, {
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      state: { type: 'string' },
      'api-key': { type: 'string', multiple: true },
      'read-only-key': { type: 'string', multiple: true },
      webhook: { type: 'string', multiple: true },
      'webhook-secret': { type: 'string', multiple: true },
      latency: { type: 'string' },
      empty: { type: 'boolean' },
    },
  });
  const portText = values.port ?? (io.env.PORT?.trim() || undefined);
  const port = portText === undefined ? DEFAULT_PORT : parsePort(portText, values.port === undefined ? 'PORT' : '--port');
  const latencyMs = values.latency === undefined ? undefined : milliseconds(values.latency, '--latency', 600_000);
  const readWrite = values['api-key'] ?? [];
  const readOnly = values['read-only-key'] ?? [];
  for (const key of [...readWrite, ...readOnly]) if (key.trim() === '') throw new UsageError('API keys must not be empty');
  const apiKeys = [
    ...(readWrite.length === 0 ? [{ key: DEFAULT_EMULATOR_API_KEY, access: 'read-write' as const }] : readWrite.map((key) => ({ key, access: 'read-write' as const }))),
    ...readOnly.map((key) => ({ key, access: 'read' as const })),
  ];
  const urls = values.webhook ?? [];
  const secrets = values['webhook-secret'] ?? [];
  if (secrets.length > 0 && urls.length === 0) throw new UsageError('--webhook-secret needs a --webhook URL');
  if (urls.length > 0 && secrets.length !== 1 && secrets.length !== urls.length) {
    throw new UsageError(`give one --webhook-secret for all --webhook URLs, or one per URL (got ${plural(urls.length, 'URL')} and ${plural(secrets.length, 'secret')})`);
  }
  const webhooks = urls.map((url, i) => {
    if (!/^https?:\/\//.test(url) || !URL.canParse(url)) throw new UsageError(`--webhook must be an http(s) URL, got "${url}"`);
    const secret = secrets.length === 1 ? secrets[0]! : secrets[i]!;
    if (secret === '') throw new UsageError('--webhook-secret must not be empty');
    return { url, secret };
  });
  return {
    port,
    host: values.host ?? '127.0.0.1',
    apiKeys,
    webhooks,
    seed: values.empty !== true,
    ...(values.state === undefined ? {} : { statePath: resolve(io.cwd, values.state), otherStateFile: 'pass another --state file' }),
    ...(latencyMs === undefined ? {} : { latencyMs }),
  };
}

/** The emulator's own default port, apart from serve's 8080: both can run side by side. */
const DEFAULT_PORT = 8787;

function milliseconds(text: string, flag: string, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) > max) throw new UsageError(`${flag} must be a whole number of milliseconds from 0 to ${max}, not "${text}"`);
  return Number(text);
}
