import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { describeResult } from '../../src/outcomes/index.js';
import { captureIo } from '../helpers/io.js';
import { DEFINITION } from '../outcomes/harness.js';

const INVISIBLE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/;

/** No terminal control, no workflow command (`::` starting a line, `##[` anywhere). */
function expectSafeForLogs(text: string): void {
  expect(text).not.toMatch(INVISIBLE);
  expect(text).not.toContain('##[');
  for (const line of text.split('\n')) expect(line.trimStart().startsWith('::'), line).toBe(false);
}

let repo: string;
beforeEach(async () => {
  repo = await mkdtemp(join(tmpdir(), 'eppo-gitops-untrusted-'));
  await mkdir(join(repo, 'experiments'));
});
afterEach(async () => {
  await rm(repo, { recursive: true, force: true });
});

async function run(args: string[], env: Record<string, string | undefined> = {}) {
  const io = captureIo({ cwd: repo, env: { PATH: process.env.PATH, HOME: repo, ...env } });
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

describe('trust item 8: untrusted text reaches output escaped', () => {
  it('trust item 8: a file name with a newline and a workflow command, and a YAML value with terminal escapes, stay inert in validate', async () => {
    const name = 'bad\n::error file=README.md::pwned\u001b[2J.yaml';
    await writeFile(join(repo, 'experiments', name), 'experiment_key: "x\\e[31m##[warning]y"\nname: 5\n');
    const text = await run(['validate']);
    expect(text.code).toBe(1);
    expectSafeForLogs(text.out);
    expect(text.out.split('\n').filter((l) => l.startsWith('experiments/bad\\n')).length).toBeGreaterThan(0);
    expect(text.out).toContain('experiments/bad\\n::error file=README.md::pwned\\x1b[2J.yaml:');

    const github = await run(['validate', '--format', 'github']);
    expect(github.code).toBe(1);
    const commands = github.out.split('\n').filter((l) => l.startsWith('::'));
    expect(commands.length).toBeGreaterThan(0);
    for (const line of commands) expect(line).toMatch(/^::error file=experiments\/bad\\n%3A%3Aerror file=README\.md%3A%3Apwned\\x1b\[2J\.yaml,line=\d+,col=\d+,title=eppo-gitops [a-z-]+::/);
    expect(github.out.split('\n').filter((l) => l !== '' && !l.startsWith('::') && !/files? checked/.test(l))).toEqual([]);
    expect(github.out).not.toMatch(INVISIBLE);
    expect(github.out).not.toContain('##[');

    const json = await run(['validate', '--format', 'json']);
    expect(JSON.parse(json.out).problems.some((p: { file: string }) => p.file === `experiments/${name}`)).toBe(true);
    expectSafeForLogs(json.out);
  });

  it('trust item 8: the unsigned event of outcome --event-file is shown escaped, in text and in JSON', async () => {
    const event = '##[error]pwned\n::warning::x\u001b]0;title\u0007';
    await writeFile(join(repo, 'event.json'), JSON.stringify({ client_payload: { event, data: {} } }));
    const text = await run(['outcome', '--event-file', 'event.json']);
    expect(text.code).toBe(0);
    expect(text.out).toBe('ignored: "#\\x23[error]pwned\\n::warning::x\\x1b]0;title\\x07" does not record outcomes\n');
    const json = await run(['outcome', '--event-file', 'event.json', '--format', 'json']);
    expect(JSON.parse(json.out)).toEqual({ action: 'ignored', event });
    expectSafeForLogs(json.out);
  });

  it('trust item 8: a plan of a file whose name breaks lines stays one line per change, in text and Markdown', async () => {
    const name = 'checkout\n+ create   fake-experiment   fake.yaml\n::error::x.yaml';
    await writeFile(join(repo, 'experiments', name), DEFINITION);
    for (const format of ['text', 'markdown']) {
      const result = await run(['plan', '--local', '--format', format]);
      expect(result.code, result.err).toBe(0);
      expectSafeForLogs(result.out);
      expect(result.out).not.toMatch(/^\+ create {3}fake-experiment/m);
    }
  });

  it('trust item 8: an outcome line for a key, status or error from Eppo or GitHub stays one inert line', () => {
    const key = 'exp\n::error::pwned';
    const lines = [
      describeResult({ action: 'not-concluded', experimentId: 1, experimentKey: key, status: 'Running\u001b[2J' }, 'github'),
      describeResult({ action: 'failed', experimentId: 1, experimentKey: key, error: 'GitHub said\n##[error]no' }, 'github'),
      describeResult({ action: 'unmanaged', experimentId: 1, experimentKey: '::warning::x' }, 'local'),
    ];
    for (const line of lines) {
      expect(line).not.toContain('\n');
      expectSafeForLogs(line);
    }
    expect(lines[2]).toBe('\\x3a:warning::x (#1): no definition file has this experiment_key; nothing proposed');
  });
});
