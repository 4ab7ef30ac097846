import { readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Io } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { captureIo } from '../helpers/io.js';
import { control, definitionText, runCli, tempRepo, type TempRepo } from '../eppo/helpers.js';

const TOKEN = 'tok-apply-0123456789';

describe('eppo-gitops apply', () => {
  let emu: RunningEmulator;
  let repo: TempRepo;
  const run = (args: string[], extra: Partial<Io> = {}, env: Record<string, string | undefined> = {}) =>
    runCli(args, { cwd: repo.dir, env: { EPPO_API_KEY: TOKEN, EPPO_BASE_URL: emu.url, ...env }, ...extra });
  const writes = async () => ((await control(emu, 'GET', '/requests')) as Array<{ method: string }>).filter((r) => r.method !== 'GET');

  beforeEach(async () => {
    emu = await startEmulator({ port: 0, apiKeys: [{ key: TOKEN, access: 'read-write' }, { key: 'read-only-key', access: 'read' }] });
    repo = await tempRepo();
    await repo.write('experiments/checkout-button-color.yaml', definitionText());
    await repo.write('experiments/onboarding-flow.yaml', definitionText({ key: 'onboarding-flow', name: 'Onboarding flow' }));
  });
  afterEach(async () => {
    await emu.close();
    await repo.remove();
  });

  it('refuses to apply without a plan file in a non-interactive shell unless --yes', async () => {
    const r = await run(['apply']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/not interactive: pass --yes/);
    expect(await writes()).toEqual([]);
  });

  it('asks on a terminal: no changes nothing, yes applies', async () => {
    const questions: string[] = [];
    const no = await run(['apply'], { confirm: async (q) => (questions.push(q), false) });
    expect(no.code).toBe(1);
    expect(no.err).toContain('Apply cancelled; nothing was changed.');
    expect(questions).toEqual([`Apply these changes to ${emu.url}?`]);
    expect(await writes()).toEqual([]);
    const yes = await run(['apply'], { confirm: async () => true });
    expect(yes.code).toBe(0);
    expect(yes.out).toMatch(/\[1\/2\] \+ created (checkout-button-color|onboarding-flow) \(#\d+\)/);
    expect(yes.out).toContain('Apply: 2 applied, 0 failed, 0 skipped.');
  });

  it('applies a saved plan, prints JSON results, and the next plan has no changes', async () => {
    expect((await run(['plan', '--out', 'plan.json'])).code).toBe(0);
    const r = await run(['apply', 'plan.json', '--format', 'json', '--parallelism', '2']);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out);
    expect(result.summary).toEqual({ applied: 2, failed: 0, skipped: 0 });
    expect(result.results.map((x: { experiment_key: string; action: string; status: string }) => [x.experiment_key, x.action, x.status])).toEqual([
      ['checkout-button-color', 'create', 'applied'],
      ['onboarding-flow', 'create', 'applied'],
    ]);
    expect(r.err.split('\n').filter((l) => l.startsWith('['))).toHaveLength(2);
    expect((await run(['plan', '--detailed-exitcode'])).code).toBe(0);
    const noop = await run(['apply', '--yes']);
    expect(noop).toMatchObject({ code: 0 });
    expect(noop.out).toContain('No changes. Eppo matches the definitions.');
  });

  it('refuses a stale saved plan as a whole, changing nothing', async () => {
    expect((await run(['apply', '--yes'])).code).toBe(0);
    await repo.write('experiments/checkout-button-color.yaml', definitionText({ name: 'From git' }));
    await repo.write('experiments/onboarding-flow.yaml', definitionText({ key: 'onboarding-flow', name: 'Also from git' }));
    expect((await run(['plan', '--out', 'plan.json', '--detailed-exitcode'])).code).toBe(2);
    const plan = JSON.parse(await readFile(join(repo.dir, 'plan.json'), 'utf8'));
    const target = plan.changes.find((c: { experiment_key: string }) => c.experiment_key === 'onboarding-flow');
    const get = await request(`${emu.url}/experiments/${target.eppo_id}`, { headers: { 'x-eppo-token': TOKEN } });
    const live = (await get.body.json()) as object;
    const put = await request(`${emu.url}/experiments/${target.eppo_id}`, {
      method: 'PUT',
      headers: { 'x-eppo-token': TOKEN, 'content-type': 'application/json' },
      body: JSON.stringify({ ...live, hypothesis: 'Changed in the Eppo UI' }),
    });
    expect(put.statusCode).toBe(200);
    await put.body.text();
    const before = (await writes()).length;
    const r = await run(['apply', 'plan.json']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('error: stale plan: onboarding-flow changed in Eppo since the plan was made; run plan again');
    expect(r.err).toContain('refusing the whole plan (1 stale); nothing was changed');
    expect((await writes()).length).toBe(before);
  });

  it('trust item 22: a saved plan applied twice says it was applied already, exit 0, and writes nothing', async () => {
    expect((await run(['apply', '--yes'])).code).toBe(0);
    await repo.write('experiments/checkout-button-color.yaml', definitionText({ name: 'Renamed in git' }));
    await repo.write('experiments/third-exp.yaml', definitionText({ key: 'third-exp', name: 'Third' }));
    expect((await run(['plan', '--out', 'plan.json', '--detailed-exitcode'])).code).toBe(2);
    const first = await run(['apply', 'plan.json']);
    expect(first.code).toBe(0);
    expect(first.out).toContain('Apply: 2 applied, 0 failed, 0 skipped.');
    const before = (await writes()).length;

    const again = await run(['apply', 'plan.json']);
    expect(again).toMatchObject({ code: 0, out: 'This plan has already been applied; nothing to do.\n', err: '' });
    const json = await run(['apply', 'plan.json', '--format', 'json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toEqual({ results: [], summary: { applied: 0, failed: 0, skipped: 0 } });
    expect(json.err).toBe('This plan has already been applied; nothing to do.\n');
    expect((await writes()).length).toBe(before);

    // once Eppo moves away from what the plan wrote, the same file is stale again, never "applied"
    const plan = JSON.parse(await readFile(join(repo.dir, 'plan.json'), 'utf8'));
    const target = plan.changes.find((c: { action: string }) => c.action === 'update');
    const get = await request(`${emu.url}/experiments/${target.eppo_id}`, { headers: { 'x-eppo-token': TOKEN } });
    const live = (await get.body.json()) as object;
    const put = await request(`${emu.url}/experiments/${target.eppo_id}`, {
      method: 'PUT',
      headers: { 'x-eppo-token': TOKEN, 'content-type': 'application/json' },
      body: JSON.stringify({ ...live, name: 'Renamed in the Eppo UI' }),
    });
    expect(put.statusCode).toBe(200);
    await put.body.text();
    const stale = await run(['apply', 'plan.json']);
    expect(stale.code).toBe(1);
    expect(stale.err).toContain('error: stale plan: checkout-button-color changed in Eppo since the plan was made; run plan again');
    expect(stale.out).not.toContain('already been applied');
  });

  it('refuses a plan made against another Eppo, and an unreadable plan file', async () => {
    expect((await run(['plan', '--out', 'plan.json'])).code).toBe(0);
    const plan = JSON.parse(await readFile(join(repo.dir, 'plan.json'), 'utf8'));
    await writeFile(join(repo.dir, 'other.json'), JSON.stringify({ ...plan, eppo_base_url: 'https://eppo.cloud/api/v1' }));
    const other = await run(['apply', 'other.json']);
    expect(other.code).toBe(1);
    expect(other.err).toContain(`other.json was made against https://eppo.cloud/api/v1, but this run talks to ${emu.url}; nothing was changed`);
    const missing = await run(['apply', 'nope.json']);
    expect(missing.err).toMatch(/cannot read the plan file nope\.json \(ENOENT\)/);
    await writeFile(join(repo.dir, 'bad.json'), '{"format_version": 1}');
    expect((await run(['apply', 'bad.json'])).err).toContain('bad.json is not a usable plan file: missing eppo_base_url');
    expect(await writes()).toEqual([]);
  });

  it('reports each failure with its hint and exits 1 (read-only key)', async () => {
    const r = await run(['apply', '--yes', '--format', 'json'], {}, { EPPO_API_KEY: 'read-only-key' });
    expect(r.code).toBe(1);
    const result = JSON.parse(r.out);
    expect(result.summary).toEqual({ applied: 0, failed: 2, skipped: 0 });
    expect(result.results[0].error).toMatch(/^POST \/experiments 403: .*\(the key needs Experiments read\/write\)$/);
    expect(r.out + r.err).not.toContain('read-only-key');
  });

  it('stops starting changes on Ctrl-C: the one in flight finishes, the rest are skipped, exit 1', async () => {
    await repo.write('experiments/third-exp.yaml', definitionText({ key: 'third-exp', name: 'Third' }));
    const interrupt = new AbortController();
    const captured = captureIo({ cwd: repo.dir, env: { EPPO_API_KEY: TOKEN, EPPO_BASE_URL: emu.url }, signal: interrupt.signal });
    const out = captured.stdout.write.bind(captured.stdout);
    // the first progress line is the moment a user would press Ctrl-C
    captured.stdout.write = (chunk: string) => {
      if (chunk.startsWith('[1/3]')) interrupt.abort('SIGINT');
      return out(chunk);
    };
    const code = await main(['apply', '--yes', '--parallelism', '1', '--format', 'text'], captured);
    expect(code).toBe(1);
    expect(captured.out()).toContain('Apply: 1 applied, 0 failed, 2 skipped.');
    expect(captured.out()).toMatch(/\[2\/3\] ! skipped \S+: not started: apply was interrupted; run plan again to see what is left/);
    expect(captured.err()).toContain('stopping: no new change starts; waiting for the ones in flight (Ctrl-C again quits at once)\n');
    expect(captured.err()).toContain('error: interrupted: the changes in flight finished, the rest were not started');
    expect((await writes()).filter((w) => w.method === 'POST')).toHaveLength(1);
    // a rerun converges
    expect((await run(['apply', '--yes'])).out).toContain('Apply: 2 applied, 0 failed, 0 skipped.');
    expect((await run(['plan', '--detailed-exitcode'])).code).toBe(0);
  });

  it('changes nothing when interrupted before applying (Ctrl-C while planning or at the prompt)', async () => {
    const interrupt = new AbortController();
    const r = await run(['apply'], {
      signal: interrupt.signal,
      confirm: async () => {
        interrupt.abort('SIGINT');
        return true;
      },
    });
    expect(r.code).toBe(1);
    expect(r.err).toContain('error: interrupted before applying; nothing was changed');
    expect(await writes()).toEqual([]);
  });

  it('Ctrl-C while reading Eppo cancels the reads at once: interrupted before applying, with or without a plan file', async () => {
    // an Eppo that takes every request and never answers
    const held: Array<() => void> = [];
    const silent = createServer((req) => held.push(() => req.socket.destroy()));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/api/v1`;
    try {
      expect((await run(['plan', '--out', 'plan.json'])).code).toBe(0);
      const plan = JSON.parse(await readFile(join(repo.dir, 'plan.json'), 'utf8'));
      await writeFile(join(repo.dir, 'silent.json'), JSON.stringify({ ...plan, eppo_base_url: url }));
      for (const args of [['apply', '--yes'], ['apply', 'silent.json']]) {
        const interrupt = new AbortController();
        const before = held.length;
        const applying = run(args, { signal: interrupt.signal }, { EPPO_BASE_URL: url });
        while (held.length === before) await new Promise((r) => setTimeout(r, 10));
        const pressed = Date.now();
        interrupt.abort('SIGINT');
        const r = await applying;
        expect(Date.now() - pressed, args.join(' ')).toBeLessThan(2_000);
        expect(r.code).toBe(1);
        expect(r.err).toBe('error: interrupted before applying; nothing was changed\n');
      }
    } finally {
      for (const drop of held) drop();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('keeps the JSON parser\'s message on one line: a plan file cannot print a workflow command', async () => {
    await writeFile(join(repo.dir, 'bad.json'), 'x\n::error::pwned');
    const r = await run(['apply', 'bad.json']);
    expect(r.code).toBe(1);
    expect(r.err.split('\n')).toHaveLength(2);
    expect(r.err).toMatch(/^error: bad\.json is not a usable plan file: not JSON \(.*x\\n::error::pwned.*\); apply takes a plan file/);
  });

  it('closes the connection when the question fails (--local: the emulator lets go of its state)', async () => {
    const failing = await run(['apply', '--local'], {
      confirm: async () => {
        throw new Error('the terminal went away');
      },
    });
    expect(failing.code).toBe(1);
    expect(failing.err).toContain('the terminal went away');
    await expect(readFile(join(repo.dir, '.eppo-local/state.json.lock'))).rejects.toThrow(/ENOENT/);
    expect((await run(['apply', '--local', '--yes'])).code).toBe(0);
  });

  it('refuses plan files that are not JSON, not a plan, or from a newer format, changing nothing', async () => {
    await writeFile(join(repo.dir, 'text.json'), 'hello\n');
    const text = await run(['apply', 'text.json']);
    expect(text.code).toBe(1);
    expect(text.err).toMatch(/^error: text\.json is not a usable plan file: not JSON .*; apply takes a plan file; run "eppo-gitops plan --out plan\.json", then "eppo-gitops apply plan\.json"\n$/s);
    expect((await run(['plan', '--out', 'plan.json'])).code).toBe(0);
    const plan = JSON.parse(await readFile(join(repo.dir, 'plan.json'), 'utf8'));
    await writeFile(join(repo.dir, 'future.json'), JSON.stringify({ ...plan, format_version: 2 }));
    const future = await run(['apply', 'future.json']);
    expect(future.code).toBe(1);
    expect(future.err).toContain('future.json is not a usable plan file: unsupported format_version 2 (this version reads 1)');
    const folder = await run(['apply', 'experiments']);
    expect(folder.err).toContain('cannot read the plan file experiments (EISDIR)');
    for (const r of [text, future, folder]) expect(r.err).not.toMatch(/\n\s+at /);
    expect(await writes()).toEqual([]);
  });

  it('trust item 14: apply of a definition points to plan --out plan.json, and plan --out never overwrites a definition', async () => {
    const definition = join(repo.dir, 'experiments/checkout-button-color.yaml');
    const original = await readFile(definition, 'utf8');
    const given = await run(['apply', 'experiments/checkout-button-color.yaml']);
    expect(given.code).toBe(1);
    expect(given.err).toBe(
      'error: experiments/checkout-button-color.yaml looks like a definition file, not a plan: apply takes a plan file; run "eppo-gitops plan --out plan.json", then "eppo-gitops apply plan.json"\n',
    );
    const missing = await run(['apply', '--local', 'experiments/x.yaml']);
    expect(missing.err).toBe(
      'error: cannot read the plan file experiments/x.yaml (ENOENT); apply takes a plan file; run "eppo-gitops plan --local --out plan.json", then "eppo-gitops apply --local plan.json"\n',
    );

    const inside = await run(['plan', '--out', 'experiments/checkout-button-color.yaml']);
    expect(inside.code).toBe(1);
    expect(inside.err).toContain('error: --out experiments/checkout-button-color.yaml is inside the definitions folder experiments/; save the plan outside it, e.g. --out plan.json');
    expect((await run(['plan', '--out', 'experiments/new/plan.json'])).err).toContain('is inside the definitions folder experiments/');
    await symlink(join(repo.dir, 'experiments'), join(repo.dir, 'link'));
    expect((await run(['plan', '--out', 'link/plan.json'])).err).toContain('error: --out link/plan.json is inside the definitions folder experiments/');
    await repo.write('eppo-gitops.yaml', 'dir: defs\n');
    await repo.write('defs/a.yaml', definitionText({ key: 'a' }));
    expect((await run(['plan', '--out', './defs/../defs/plan.json'])).err).toContain('is inside the definitions folder defs/');
    await rm(join(repo.dir, 'eppo-gitops.yaml'));

    await writeFile(join(repo.dir, 'notes.md'), '# my notes\n');
    const other = await run(['plan', '--out', 'notes.md']);
    expect(other.code).toBe(1);
    expect(other.err).toContain('error: --out notes.md would overwrite a file that is not a plan; save the plan under another name, e.g. --out plan.json');
    expect(await readFile(join(repo.dir, 'notes.md'), 'utf8')).toBe('# my notes\n');
    expect(await readFile(definition, 'utf8')).toBe(original);
    expect(await control(emu, 'GET', '/requests')).toEqual([]);

    // an earlier plan, and an empty file (mktemp), are fine to replace
    expect((await run(['plan', '--out', 'plan.json'])).code).toBe(0);
    expect((await run(['plan', '--out', 'plan.json'])).code).toBe(0);
    await writeFile(join(repo.dir, 'empty.json'), '');
    expect((await run(['plan', '--out', 'empty.json'])).code).toBe(0);
    expect(JSON.parse(await readFile(join(repo.dir, 'empty.json'), 'utf8')).format_version).toBe(1);
  });

  it('validates --parallelism', async () => {
    const r = await run(['apply', '--yes', '--parallelism', '0']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('--parallelism must be a whole number from 1 to 64, not "0"');
  });
});
