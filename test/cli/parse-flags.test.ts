import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { parseFlags } from '../../src/cli/parse-flags.js';
import { ConfigError, UsageError } from '../../src/errors.js';
import { connectEppo } from '../../src/eppo/index.js';
import { captureIo } from '../helpers/io.js';

// Node's own parseArgs messages ("To specify a positional argument starting
// with a '-', place it at the end of the command after '--'", "This command
// does not take positional arguments", "argument is ambiguous") must never
// reach a user.
const NODE_BOILERPLATE = /To specify|does not take positional|argument missing|argument is ambiguous|Did you forget|does not take an argument/;

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo({ env: {}, signal: AbortSignal.abort() });
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

describe('trust item 17: every flag mistake gets our own message', () => {
  it.each<[string[], string]>([
    [['apply', '-y'], `unknown option "-y" (did you mean "--yes"?)`],
    [['apply', '-yes'], `unknown option "-y" (did you mean "--yes"?)`],
    [['plan', '-d'], `unknown option "-d" (did you mean "--dir" or "--detailed-exitcode"?)`],
    [['plan', '-q'], `unknown option "-q"`],
    [['apply', '--yse'], `unknown option "--yse" (did you mean "--yes"?)`],
    [['plan', '--detailed'], `unknown option "--detailed" (did you mean "--detailed-exitcode"?)`],
    [['plan', '--github'], `unknown option "--github" (did you mean "--github-comment" or "--github-summary" or "--github-drift-issue"?)`],
    [['plan', '--dir'], '--dir needs a value: --dir VALUE'],
    [['plan', '--dir', '--local'], '--dir needs a value, but the next word "--local" looks like an option; for a value that starts with "-", write --dir=--local'],
    [['plan', '--local=yes'], '--local is a switch and takes no value (got "--local=yes"); write just --local'],
    [['plan', 'extra'], 'unexpected argument "extra": this command takes options only'],
    [['plan', 'local'], 'unexpected argument "local": this command takes options only (did you mean "--local"?)'],
    [['validate', '--format'], '--format needs a value: --format VALUE'],
    [['import', '--key'], '--key needs a value: --key VALUE'],
    [['serve', 'now'], 'unexpected argument "now": this command takes options only'],
    [['emulator', '--empty=1'], '--empty is a switch and takes no value (got "--empty=1"); write just --empty'],
    [['outcomes', 'sync', '--git-host'], '--git-host needs a value: --git-host VALUE'],
  ])('%j', async (args, message) => {
    const r = await cli(args);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`error: ${message}\nRun "eppo-gitops ${args[0]} --help" for usage.\n`);
    expect(r.err).not.toMatch(NODE_BOILERPLATE);
    expect(r.out).toBe('');
  });

  it('"outcome sync" points to "outcomes sync"', async () => {
    const r = await cli(['outcome', 'sync']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('did you mean "eppo-gitops outcomes sync"?');
    expect(r.err).not.toMatch(NODE_BOILERPLATE);
  });

  it('a short flag a command declares is named by its long form', () => {
    expect(() => parseFlags(['-o'], { options: { out: { type: 'string', short: 'o' } } })).toThrow(new UsageError('--out needs a value: --out VALUE'));
    expect(parseFlags(['-o', 'x'], { options: { out: { type: 'string', short: 'o' } } }).values.out).toBe('x');
  });

  it('a mistake in a declaration is not blamed on the user', () => {
    expect(() => parseFlags([], { options: { out: { type: 'number' as 'string' } } })).toThrow(TypeError);
  });
});

describe('trust item 21: --base-url with --local is an error', () => {
  it.each([
    ['plan'],
    ['apply', '--yes'],
    ['import', '--all'],
    ['outcome', '--experiment-id', '1'],
    ['outcomes', 'sync'],
    ['serve'],
  ])('%s', async (...command) => {
    const r = await cli([...command, '--local', '--base-url', 'http://127.0.0.1:9/api/v1']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('error: --local and --base-url cannot be used together: the embedded emulator (--local) has its own address');
    const reversed = await cli([...command, '--base-url=http://127.0.0.1:9/api/v1', '--local']);
    expect(reversed.err).toContain('--local and --base-url cannot be used together');
  });

  it('connectEppo refuses both too, for programs that call it directly', async () => {
    await expect(connectEppo({ cwd: process.cwd(), env: {}, local: true, baseUrl: 'http://127.0.0.1:9/api/v1' })).rejects.toThrow(
      new ConfigError('--local and --base-url cannot be used together: the embedded emulator (--local) has its own address; drop --base-url, or drop --local to talk to the Eppo at that URL'),
    );
  });
});
