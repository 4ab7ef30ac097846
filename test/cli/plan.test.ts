import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { captureIo } from '../helpers/io.js';
import { control, definitionText, runCli, tempRepo, type TempRepo } from '../eppo/helpers.js';
import { definitionBody } from '../reconcile/fixtures.js';

const TOKEN = 'tok-9f8e7d6c5b4a3210';

describe('eppo-gitops plan', () => {
  let emu: RunningEmulator;
  let repo: TempRepo;
  const run = (args: string[], extra: Record<string, string | undefined> = {}) =>
    runCli(args, { cwd: repo.dir, env: { EPPO_API_KEY: TOKEN, EPPO_BASE_URL: emu.url, ...extra } });

  beforeEach(async () => {
    emu = await startEmulator({ port: 0, apiKeys: [{ key: TOKEN, access: 'read-write' }] });
    repo = await tempRepo();
    await repo.write('experiments/checkout-button-color.yaml', definitionText());
  });
  afterEach(async () => {
    await emu.close();
    await repo.remove();
  });

  it('exits 0 with a plan, 2 with --detailed-exitcode, and 0 once applied', async () => {
    const plain = await run(['plan']);
    expect(plain).toMatchObject({ code: 0, err: '' });
    expect(plain.out).toContain('+ create   checkout-button-color experiments/checkout-button-color.yaml');
    expect(plain.out).toContain('Plan: 1 to create, 0 to update, 0 unchanged, 0 unmanaged in Eppo (not in git).');
    expect((await run(['plan', '--detailed-exitcode'])).code).toBe(2);
    expect((await run(['apply', '--yes'])).code).toBe(0);
    const after = await run(['plan', '--detailed-exitcode']);
    expect(after.code).toBe(0);
    expect(after.out).toContain('0 to create, 0 to update, 1 unchanged');
  });

  it('trust item 23: plan and apply with nothing to do say "No changes. Eppo matches the definitions." once', async () => {
    expect((await run(['apply', '--yes'])).code).toBe(0);
    const plan = await run(['plan']);
    expect(plan.out).toBe('No changes. Eppo matches the definitions.\nPlan: 0 to create, 0 to update, 1 unchanged, 0 unmanaged in Eppo (not in git).\n');
    const apply = await run(['apply', '--yes']);
    expect(apply.code).toBe(0);
    expect(apply.out.split('No changes. Eppo matches the definitions.')).toHaveLength(2);
    expect((await run(['plan', '--out', 'plan.json'])).code).toBe(0);
    expect((await run(['apply', 'plan.json'])).out).toBe('No changes. Eppo matches the definitions.\n');
  });

  it('stops at validation errors before calling Eppo (or needing its key)', async () => {
    await repo.write('experiments/broken.yaml', definitionText({ key: 'broken' }).replace('weight: 0.5\n  - variant_key: green', 'weight: 0.2\n  - variant_key: green'));
    const r = await run(['plan', '--detailed-exitcode']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^experiments\/broken\.yaml:\d+:\d+ {2}error {2}.*weights.*\[weights-sum\]$/m);
    expect(r.err).toContain('error: the definitions have errors');
    expect(r.out).toBe('');
    const noKey = await run(['plan'], { EPPO_API_KEY: undefined });
    expect(noKey.code).toBe(1);
    expect(noKey.err).toContain('[weights-sum]');
    expect(noKey.err).not.toContain('EPPO_API_KEY');
    expect(await control(emu, 'GET', '/requests')).toEqual([]);
  });

  it('says the settings file has errors when eppo-gitops.yaml stops the plan, not the definitions', async () => {
    await repo.write('eppo-gitops.yaml', 'dir: experiments\nbogus: 1\n');
    const r = await run(['plan']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^eppo-gitops\.yaml:2:1 {2}error {2}.*bogus.*\[schema\]$/m);
    expect(r.err).toContain('eppo-gitops.yaml checked: 1 error, 0 warnings\n');
    expect(r.err).not.toContain('files checked');
    expect(r.err).toContain('error: the settings file eppo-gitops.yaml has errors (above); fix them, then run plan again\n');
    expect(r.err).not.toContain('the definitions have errors');
    const markdown = await run(['plan', '--format', 'markdown']);
    expect(markdown.out).toContain('The settings file eppo-gitops.yaml has errors; no plan was made.');
    expect(await control(emu, 'GET', '/requests')).toEqual([]);
  });

  it('reports unknown names at file:line with a suggestion, exit 1', async () => {
    await repo.write('experiments/checkout-button-color.yaml', definitionText().replace('assignment_source: User assignments', 'assignment_source: User asignments'));
    const r = await run(['plan']);
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      'experiments/checkout-button-color.yaml:5:20  error  assignment source "User asignments" not found in Eppo (did you mean "User assignments"?); known assignment sources: Company assignments, Mobile app assignments, User assignments  [reference]',
    );
    expect(r.out).toBe('');
  });

  it('saves the JSON plan with --out, never with the token, and prints json and markdown', async () => {
    const r = await run(['plan', '--out', 'out/plan.json', '--format', 'json']);
    expect(r.code).toBe(0);
    const saved = await readFile(join(repo.dir, 'out/plan.json'), 'utf8');
    expect(saved).toBe(r.out);
    expect(saved).not.toContain(TOKEN);
    const plan = JSON.parse(saved);
    expect(plan).toMatchObject({ format_version: 1, eppo_base_url: emu.url, summary: { create: 1 } });
    expect(plan.changes[0].request).toMatchObject({ method: 'POST', path: '/experiments' });
    const md = await run(['plan', '--format', 'markdown']);
    expect(md.out.startsWith('<!-- eppo-gitops:plan -->\n')).toBe(true);
    expect(md.out).toContain('<details><summary><b>➕ create</b> <code>checkout-button-color</code></summary>');
  });

  it('explains an --out path it cannot write (a folder, or under a file) without a stack trace', async () => {
    await repo.write('taken', 'a file\n');
    await repo.write('reports/.keep', '');
    const folder = await run(['plan', '--out', 'reports']);
    expect(folder.code).toBe(1);
    expect(folder.err).toBe('error: cannot save the plan to reports (EISDIR); --out needs a file path in a writable folder, e.g. --out plan.json\n');
    const under = await run(['plan', '--out', 'taken/plan.json']);
    expect(under.code).toBe(1);
    expect(under.err).toMatch(/^error: cannot save the plan to taken\/plan\.json \((EEXIST|ENOTDIR)\); --out needs a file path/);
    expect(under.err).not.toContain('looks like a bug');
  });

  it('EPPO_TIMEOUT_SECONDS sets how long one request may take; a bad value is a clear error', async () => {
    await control(emu, 'POST', '/faults', { kind: 'latency', ms: 700, count: 1, match: { method: 'GET', pathPrefix: '/api/v1/metrics' } });
    const r = await run(['plan'], { EPPO_TIMEOUT_SECONDS: '0.2' });
    expect(r.code).toBe(0);
    const metricReads = ((await control(emu, 'GET', '/requests')) as Array<{ path: string }>).filter((q) => q.path === '/api/v1/metrics');
    // the slow read timed out after 0.2 s and was tried again, instead of waiting the default 30 s
    expect(metricReads).toHaveLength(2);
    for (const bad of ['0', '-1', 'soon', '9999']) {
      const refused = await run(['plan'], { EPPO_TIMEOUT_SECONDS: bad });
      expect(refused.code).toBe(1);
      expect(refused.err).toBe(`error: EPPO_TIMEOUT_SECONDS must be a number of seconds greater than 0 and at most 3600, not "${bad}"\n`);
    }
  });

  it('--parallelism sets how many list pages are read at once, beating the settings file', async () => {
    emu.seedExperiments(Array.from({ length: 600 }, (_, i) => definitionBody({ experiment_key: `live-${i}` })));
    const listReads = async () => ((await control(emu, 'GET', '/requests')) as Array<{ path: string }>).filter((q) => q.path === '/api/v1/experiments').length;
    // 600 experiments are 3 pages of 250; with N in flight the client asks for pages 1..N at once after the first
    expect((await run(['plan'])).code).toBe(0);
    expect(await listReads()).toBe(1 + 4);
    await control(emu, 'POST', '/reset');
    emu.seedExperiments(Array.from({ length: 600 }, (_, i) => definitionBody({ experiment_key: `live-${i}` })));
    await repo.write('eppo-gitops.yaml', 'parallelism: 8\n');
    expect((await run(['plan', '--parallelism', '1'])).code).toBe(0);
    expect(await listReads()).toBe(3);
    const bad = await run(['plan', '--parallelism', '0']);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('--parallelism must be a whole number from 1 to 64, not "0"');
  });

  it('suggests the flag a typo meant', async () => {
    const r = await run(['plan', '--detailed-exit-code']);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`unknown option "--detailed-exit-code" (did you mean "--detailed-exitcode"?)`);
    expect(r.err).toContain('Run "eppo-gitops plan --help" for usage.');
  });

  it('needs EPPO_API_KEY (unless --local) and refuses plain http off loopback', async () => {
    const missing = await run(['plan'], { EPPO_API_KEY: undefined });
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^error: EPPO_API_KEY is not set/);
    const remote = await run(['plan', '--base-url', 'http://eppo.example.com/api/v1']);
    expect(remote.code).toBe(1);
    expect(remote.err).toMatch(/refusing plain http .*loopback/);
    const flagWins = await run(['plan', '--base-url', 'http://127.0.0.1:1/api/v1'], { EPPO_BASE_URL: 'http://eppo.example.com/api/v1' });
    expect(flagWins.err).not.toMatch(/refusing plain http/);
    expect(flagWins.err).toMatch(/ECONNREFUSED/);
    expect(flagWins.err).not.toContain(TOKEN);
  });

  it('colours the text plan on a terminal only, and never with NO_COLOR', async () => {
    const tty = (env: Record<string, string | undefined>) => {
      const captured = captureIo({ cwd: repo.dir, env: { EPPO_API_KEY: TOKEN, EPPO_BASE_URL: emu.url, ...env } });
      captured.stdout.isTTY = true;
      return captured;
    };
    const coloured = tty({});
    expect(await main(['plan'], coloured)).toBe(0);
    expect(coloured.out()).toContain('\u001b[32m+ create  \u001b[0m');
    const noColor = tty({ NO_COLOR: '1' });
    expect(await main(['plan'], noColor)).toBe(0);
    expect(noColor.out()).not.toContain('\u001b[');
    expect((await run(['plan'])).out).not.toContain('\u001b[');
  });

  it('rejects unknown flags and bad formats with a usage error', async () => {
    const r = await run(['plan', '--fromat', 'json']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/unknown option "--fromat"[\s\S]*Run "eppo-gitops plan --help"/);
    expect((await run(['plan', '--format', 'yaml'])).err).toContain('--format must be one of text, json, markdown, not "yaml"');
    const help = await run(['plan', '--help']);
    expect(help.out).toMatch(/Exit codes:[\s\S]*2 {2}with --detailed-exitcode/);
  });

  it('--local runs against an embedded emulator kept in .eppo-local/ (git-ignored)', async () => {
    const first = await run(['apply', '--local', '--yes'], { EPPO_API_KEY: undefined, EPPO_BASE_URL: undefined });
    expect(first.code).toBe(0);
    expect(await readFile(join(repo.dir, '.eppo-local/.gitignore'), 'utf8')).toBe('*\n');
    expect((await stat(join(repo.dir, '.eppo-local/state.json'))).isFile()).toBe(true);
    const again = await run(['plan', '--local', '--detailed-exitcode', '--out', 'local-plan.json'], { EPPO_API_KEY: undefined });
    expect(again.code).toBe(0);
    expect(again.out).toContain('apply it with: eppo-gitops apply --local local-plan.json');
    expect(JSON.parse(await readFile(join(repo.dir, 'local-plan.json'), 'utf8')).eppo_base_url).toBe('local:.eppo-local');
    expect(await control(emu, 'GET', '/requests')).toEqual([]);
  });

  it('--local explains a .eppo-local that is not a folder', async () => {
    await repo.write('.eppo-local', 'a file\n');
    const r = await run(['plan', '--local'], { EPPO_API_KEY: undefined });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: --local keeps the emulator's state in \.eppo-local\/, and that folder cannot be created or written \((EEXIST|ENOTDIR)\); move away what is at \.eppo-local and run again\n$/);
  });
});
