import { readFileSync } from 'node:fs';
import { ConfigError, describeError, EppoApiError, GitHostError, UsageError } from '../errors.js';
import type { Command, Io } from './io.js';
import { redactingIo } from './redact.js';
import { didYouMean, escapeLines, escapeText } from '../util/index.js';

type Loader = () => Promise<{ command: Command }>;

/** Commands load lazily so `validate` never pays for octokit or the emulator. */
const COMMANDS: Record<string, { summary: string; load: Loader }> = {
  validate: { summary: 'check definition files against the schema and rules (offline)', load: () => import('./commands/validate.js') },
  plan: { summary: 'show what apply would change in Eppo', load: () => import('./commands/plan.js') },
  apply: { summary: 'apply a saved plan, or plan and apply', load: () => import('./commands/apply.js') },
  import: { summary: 'write YAML files for live experiments not yet in git', load: () => import('./commands/import.js') },
  new: { summary: 'start an experiment file from a flag in the flag files', load: () => import('./commands/new.js') },
  outcome: { summary: "record one experiment's outcome (a PR, or a local branch)", load: () => import('./commands/outcome.js') },
  outcomes: { summary: 'outcomes sync: propose every concluded outcome not yet in git', load: () => import('./commands/outcomes.js') },
  serve: { summary: 'webhook receiver: POST /webhooks/eppo, GET /healthz', load: () => import('./commands/serve.js') },
  emulator: { summary: 'run the embedded Eppo emulator', load: () => import('./commands/emulator.js') },
  demo: { summary: 'the whole loop on the embedded emulator in a temp copy', load: () => import('./commands/demo.js') },
  init: { summary: 'set up eppo-gitops in your repository: an example, settings, workflows', load: () => import('./commands/init.js') },
};

export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function rootHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `eppo-gitops — Eppo experiment analyses as code

Usage: eppo-gitops <command> [options]

Commands:
${lines.join('\n')}

Common options:
  --dir DIR        definitions folder (default: experiments)
  --format FMT     text | json | markdown | github (per command)
  --local          use an embedded Eppo emulator (state in .eppo-local/)
  --debug          print stack traces
  -h, --help       help for a command: eppo-gitops <command> --help
  -v, --version    print the version

Environment: EPPO_API_KEY, EPPO_BASE_URL, EPPO_TIMEOUT_SECONDS, EPPO_WEBHOOK_SECRET,
GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL, GITHUB_TIMEOUT_SECONDS,
EPPO_GITOPS_BASE_BRANCH, EPPO_GITOPS_BOT_LOGIN, PORT, NO_COLOR. See the README
for what each does.
Exit codes: 0 ok, 1 error or problems, 2 changes (plan --detailed-exitcode).
`;
}

/** Runs the CLI; returns the exit code. Never throws. */
export async function main(argv: string[], rawIo: Io): Promise<number> {
  const io = redactingIo(rawIo);
  const debug = argv.includes('--debug');
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    if (name === 'help' && rest[0] !== undefined) return main([rest[0], '--help'], rawIo);
    io.stdout.write(rootHelp());
    return name === undefined ? 1 : 0;
  }
  if (name === '-v' || name === '--version') {
    io.stdout.write(`${version()}\n`);
    return 0;
  }
  const entry = COMMANDS[name];
  if (entry === undefined) {
    io.stderr.write(`error: unknown command "${escapeText(name)}"${suggest(name, Object.keys(COMMANDS))}\nRun "eppo-gitops --help" for the list of commands.\n`);
    return 1;
  }
  try {
    const { command } = await entry.load();
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout.write(command.help.endsWith('\n') ? command.help : `${command.help}\n`);
      return 0;
    }
    return await command.run(rest.filter((a) => a !== '--debug'), io, { main });
  } catch (error) {
    io.stderr.write(`${escapeLines(formatError(error, name, debug))}\n`);
    return 1;
  }
}

export function formatError(error: unknown, command: string, debug: boolean): string {
  if (error instanceof UsageError) {
    return `error: ${error.message}\nRun "eppo-gitops ${command} --help" for usage.`;
  }
  if (error instanceof EppoApiError || error instanceof ConfigError || error instanceof GitHostError) {
    const line = `error: ${error instanceof EppoApiError ? 'Eppo API ' : ''}${describeError(error)}`;
    return debug && error.stack ? `${line}\n${error.stack}` : line;
  }
  const message = error instanceof Error ? error.message : String(error);
  const stack = error instanceof Error ? error.stack : undefined;
  return debug && stack
    ? `error: ${message}\n${stack}`
    : `error: ${message}\n(this looks like a bug in eppo-gitops; run again with --debug for a stack trace)`;
}

function suggest(input: string, known: string[]): string {
  const best = didYouMean(input, known);
  return best === undefined ? '' : ` (did you mean "${best}"?)`;
}
