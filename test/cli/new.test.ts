import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, tempRepo, type TempRepo } from '../eppo/helpers.js';

// `eppo-gitops new <flag-key>` through the CLI in-process.

const FLAGS = `${JSON.stringify(
  {
    flags: {
      'checkout-button-color': {
        state: 'ENABLED',
        variants: { control: 'grey', green: 'green' },
        defaultVariant: 'control',
        targeting: { fractional: [['control', 50], ['green', 50]] },
      },
      'search-ranking': {
        state: 'ENABLED',
        variants: { bm25: 'bm25', learned: 'learned', off: 'none' },
        defaultVariant: 'off',
        targeting: { fractional: [['bm25', 30], ['learned', 30], ['off', 40]] },
      },
      'onboarding-checklist': {
        state: 'ENABLED',
        variants: { control: 'none', checklist: 'checklist', 'checklist-progress': 'checklist-with-progress', off: 'none' },
        defaultVariant: 'off',
        targeting: { fractional: [['control', 25], ['checklist', 15], ['checklist-progress', 10], ['off', 50]] },
      },
      'dark-mode': {
        state: 'ENABLED',
        variants: { y: true, n: false },
        defaultVariant: 'n',
        targeting: { fractional: [['n', 50], ['y', 50]] },
      },
      'new-footer': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' },
    },
  },
  null,
  2,
)}\n`;

describe('eppo-gitops new', () => {
  let repo: TempRepo;
  const run = (args: string[]) => runCli(args, { cwd: repo.dir, env: {} });
  const today = (): string => new Date().toISOString().slice(0, 10);
  beforeEach(async () => {
    repo = await tempRepo();
    await repo.write('eppo-gitops.yaml', 'flags:\n  files: [flags/*.flagd.json]\n');
    await repo.write('flags/web.flagd.json', FLAGS);
  });
  afterEach(async () => {
    await repo.remove();
  });

  it('writes <dir>/<flag-key>.yaml from the flag; it passes validate, flag checks included', async () => {
    const r = await run(['new', 'checkout-button-color', '--entity', 'user', '--assignment-source', 'User assignments']);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toBe(
      '+ wrote experiments/checkout-button-color.yaml from flag checkout-button-color (flags/web.flagd.json)\n' +
        'Next: check it with "eppo-gitops validate", then see what it creates in Eppo with "eppo-gitops plan".\n',
    );
    expect(await readFile(join(repo.dir, 'experiments/checkout-button-color.yaml'), 'utf8')).toBe(
      [
        // A temp folder is not inside a checkout of eppo-gitops: the hint points where `npm i -D eppo-gitops` puts the schema.
        '# yaml-language-server: $schema=../node_modules/eppo-gitops/schemas/experiment.schema.json',
        '# written by eppo-gitops new from flag checkout-button-color in flags/web.flagd.json',
        'experiment_key: checkout-button-color',
        'name: Checkout button color',
        'entity: user',
        'assignment_source: User assignments',
        `assignments_start_date: ${today()}`,
        'variations:',
        '  - variant_key: control',
        '    is_control: true',
        '    weight: 0.5',
        '  - variant_key: green',
        '    weight: 0.5',
        '',
      ].join('\n'),
    );
    expect(await run(['validate'])).toMatchObject({ code: 0, out: '1 file checked: no problems\n' });
  });

  it('takes the names from defaults: in eppo-gitops.yaml, and --dir or the configured dir', async () => {
    await repo.write('eppo-gitops.yaml', 'dir: defs\ndefaults:\n  entity: user\n  assignment_source: User assignments\nflags:\n  files: [flags/*.flagd.json]\n');
    const r = await run(['new', 'search-ranking']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('+ wrote defs/search-ranking.yaml from flag search-ranking (flags/web.flagd.json)');
    const text = await readFile(join(repo.dir, 'defs/search-ranking.yaml'), 'utf8');
    expect(text).toContain('entity: user\nassignment_source: User assignments\n');
    // "off" is the default variant and is served 40%: it is a variation like the others (the control).
    // (quoted: a YAML 1.1 reader would take a plain off for false)
    expect(text).toContain('  - variant_key: bm25\n    weight: 0.3\n  - variant_key: learned\n    weight: 0.3\n  - variant_key: "off"\n    is_control: true\n    weight: 0.4\n');
    expect(await run(['validate'])).toMatchObject({ code: 0 });
    const other = await run(['new', 'checkout-button-color', '--dir', 'elsewhere', '--entity', 'company']);
    expect(other.code).toBe(0);
    expect(await readFile(join(repo.dir, 'elsewhere/checkout-button-color.yaml'), 'utf8')).toContain('entity: company\nassignment_source: User assignments\n');
  });

  it('never overwrites: not the file, not a .yml twin, not another file with the key', async () => {
    const args = ['new', 'checkout-button-color', '--entity', 'user', '--assignment-source', 'User assignments'];
    expect((await run(args)).code).toBe(0);
    const first = await readFile(join(repo.dir, 'experiments/checkout-button-color.yaml'), 'utf8');
    const again = await run(args);
    expect(again).toMatchObject({ code: 1, out: '', err: 'error: experiments/checkout-button-color.yaml already exists; not overwritten (edit it, or delete it and run new again)\n' });
    expect(await readFile(join(repo.dir, 'experiments/checkout-button-color.yaml'), 'utf8')).toBe(first);

    await repo.write('other/checkout-button-color.yml', 'hand written\n');
    expect(await run([...args, '--dir', 'other'])).toMatchObject({ code: 1, err: 'error: other/checkout-button-color.yml already exists; not overwritten (edit it, or delete it and run new again)\n' });
    expect(await readFile(join(repo.dir, 'other/checkout-button-color.yml'), 'utf8')).toBe('hand written\n');

    await repo.write('third/renamed.yaml', first);
    expect(await run([...args, '--dir', 'third'])).toMatchObject({ code: 1, err: 'error: third/renamed.yaml already declares experiment_key checkout-button-color; not written\n' });
    expect(await readdir(join(repo.dir, 'third'))).toEqual(['renamed.yaml']);
  });

  it('never a second file with the key: the configured definitions folder is searched too, not only --dir', async () => {
    const names = ['--entity', 'user', '--assignment-source', 'User assignments'];
    expect((await run(['new', 'checkout-button-color', ...names])).code).toBe(0);
    const nested = await run(['new', 'checkout-button-color', '--dir', 'experiments/x/y', ...names]);
    expect(nested).toMatchObject({ code: 1, out: '', err: 'error: experiments/checkout-button-color.yaml already declares experiment_key checkout-button-color; not written\n' });
    const elsewhere = await run(['new', 'checkout-button-color', '--dir', 'other', ...names]);
    expect(elsewhere).toMatchObject({ code: 1, err: 'error: experiments/checkout-button-color.yaml already declares experiment_key checkout-button-color; not written\n' });
    expect(await readdir(repo.dir)).not.toContain('other');
    expect(await run(['validate'])).toMatchObject({ code: 0 });
  });

  it('a missing entity or assignment source says which, and that defaults: can give it', async () => {
    const none = await run(['new', 'checkout-button-color']);
    expect(none.code).toBe(1);
    expect(none.err).toContain(
      'error: --entity NAME and --assignment-source NAME are required: give them, or set defaults.entity and defaults.assignment_source in eppo-gitops.yaml',
    );
    const one = await run(['new', 'checkout-button-color', '--entity', 'user']);
    expect(one.err).toContain('error: --assignment-source NAME is required: give it, or set defaults.assignment_source in eppo-gitops.yaml');
    expect(await readdir(repo.dir)).not.toContain('experiments');
  });

  it('refuses what it cannot make into a valid experiment, with the reason, and writes nothing', async () => {
    const names = ['--entity', 'user', '--assignment-source', 'User assignments'];
    expect(await run(['new', 'checkout-buton-color', ...names])).toMatchObject({
      code: 1,
      err: 'error: no flag "checkout-buton-color" in the flag files (flags/web.flagd.json); did you mean "checkout-button-color"?\n',
    });
    expect(await run(['new', 'new-footer', ...names])).toMatchObject({
      code: 1,
      err: 'error: flag "new-footer" (flags/web.flagd.json) has no fractional in its targeting, so it splits no traffic to start an experiment from\n',
    });
    await repo.write('eppo-gitops.yaml', 'parallelism: 2\n');
    const unconfigured = await run(['new', 'checkout-button-color', ...names]);
    expect(unconfigured.code).toBe(1);
    expect(unconfigured.err).toContain('error: no flag files are configured: add flags: {files: ["flags/*.flagd.json"]} to eppo-gitops.yaml');
    expect(await readdir(repo.dir)).not.toContain('experiments');
    const usage = await run(['new']);
    expect(usage.code).toBe(1);
    expect(usage.err).toContain('say which flag to start from: eppo-gitops new <flag-key>');
  });

  describe('the control and holdouts', () => {
    const names = ['--entity', 'user', '--assignment-source', 'User assignments'];
    const read = (key: string) => readFile(join(repo.dir, `experiments/${key}.yaml`), 'utf8');
    const body = (text: string) => text.slice(text.indexOf('variations:'));

    it("--holdout: the repository's own pattern, three arms and traffic_allocation 0.5, and it passes validate", async () => {
      const r = await run(['new', 'onboarding-checklist', ...names, '--holdout', 'off']);
      expect(r).toMatchObject({ code: 0 });
      expect(r.err).toBe('note: off is a holdout: not an arm; subjects who get it are outside the experiment\n');
      const text = await read('onboarding-checklist');
      expect(text).toContain('traffic_allocation: 0.5\nvariations:\n');
      expect(body(text)).toBe(
        [
          'variations:',
          '  - variant_key: control',
          '    is_control: true',
          '    weight: 0.5',
          '  - variant_key: checklist',
          '    weight: 0.3',
          '  - variant_key: checklist-progress',
          '    weight: 0.2',
          '',
        ].join('\n'),
      );
      expect(await run(['validate'])).toMatchObject({ code: 0, out: '1 file checked: no problems\n' });
    });

    it('without --holdout: a variant named control is the control, and the note says how to make the defaultVariant a holdout', async () => {
      const r = await run(['new', 'onboarding-checklist', ...names]);
      expect(r.code).toBe(0);
      expect(r.err).toContain("note: the flag's defaultVariant off is written as an arm; if subjects who get it are outside the experiment, it is a holdout: delete this file and run eppo-gitops new onboarding-checklist --holdout off\n");
      const text = await read('onboarding-checklist');
      expect(text).toContain('  - variant_key: control\n    is_control: true\n    weight: 0.25\n');
      expect(text).toContain('  - variant_key: "off"\n    weight: 0.5\n');
      expect(text).not.toContain('traffic_allocation');
    });

    it('--control picks another arm; variant names YAML 1.1 reads as booleans are quoted', async () => {
      expect((await run(['new', 'search-ranking', ...names, '--control', 'learned', '--holdout', 'off'])).code).toBe(0);
      expect(body(await read('search-ranking'))).toBe(
        ['variations:', '  - variant_key: bm25', '    weight: 0.5', '  - variant_key: learned', '    is_control: true', '    weight: 0.5', ''].join('\n'),
      );
      expect(await read('search-ranking')).toContain('traffic_allocation: 0.6\n');
      expect((await run(['new', 'dark-mode', ...names])).code).toBe(0);
      expect(body(await read('dark-mode'))).toBe(['variations:', '  - variant_key: "n"', '    is_control: true', '    weight: 0.5', '  - variant_key: "y"', '    weight: 0.5', ''].join('\n'));
      expect(await run(['validate'])).toMatchObject({ code: 0, out: '2 files checked: no problems\n' });
    });

    it.each([
      [['--holdout', 'nope'], '--holdout nope: flag "search-ranking" (flags/web.flagd.json) has no such variant; its fractional serves bm25, learned, off'],
      [['--control', 'off', '--holdout', 'off'], 'off cannot be both the control and a holdout; the control is an arm of the experiment'],
      [['--holdout', 'bm25', '--holdout', 'off'], 'the fractional of flag "search-ranking" (flags/web.flagd.json) serves 1 variant besides the holdouts; an experiment needs at least 2'],
      [['--control', 'nope'], '--control nope: flag "search-ranking" (flags/web.flagd.json) has no such variant; its fractional serves bm25, learned, off'],
    ])('refuses %j and writes nothing', async (extra, message) => {
      expect(await run(['new', 'search-ranking', ...names, ...extra])).toMatchObject({ code: 1, out: '', err: `error: ${message}\n` });
      expect(await readdir(repo.dir)).not.toContain('experiments');
    });
  });

  it('refuses a --dir outside the folder holding eppo-gitops.yaml, as init does, and writes nothing there', async () => {
    const names = ['--entity', 'user', '--assignment-source', 'User assignments'];
    const outside = await run(['new', 'checkout-button-color', ...names, '--dir', '../x']);
    expect(outside.code).toBe(1);
    expect(outside.err).toMatch(/^error: --dir \.\.\/x resolves to \S+\/x, outside the folder holding eppo-gitops\.yaml \(\S+\); new writes only inside it\n$/);
    expect(await readdir(join(repo.dir, '..'))).not.toContain('x');
    expect(await run(['new', 'checkout-button-color', ...names, '--dir', '.git/defs'])).toMatchObject({ code: 1 });
    expect(await run(['new', 'checkout-button-color', ...names, '--dir', './defs/'])).toMatchObject({ code: 0 });
    expect(await readdir(join(repo.dir, 'defs'))).toEqual(['checkout-button-color.yaml']);
  });
});
