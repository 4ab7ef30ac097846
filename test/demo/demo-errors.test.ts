import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../helpers/io.js';

// A checkout of eppo-gitops: the demo's shipped examples are its experiments/.
const EXAMPLES = fileURLToPath(new URL('../../experiments', import.meta.url));

describe('demo on definitions that do not validate', () => {
  it('stops at the step that checks them and says the copied definitions are to fix, not that it is a bug', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eppo-demo-bad-'));
    try {
      await mkdir(join(dir, 'defs'));
      await writeFile(join(dir, 'defs/broken.yaml'), 'experiment_key: broken\nname: Broken\n');
      const io = captureIo({ cwd: dir, env: { PATH: process.env.PATH } });
      expect(await main(['demo', '--dir', 'defs'], io)).toBe(1);
      expect(io.out()).toContain('── 1/6 validate the definitions');
      expect(io.out()).not.toContain('── 2/6');
      expect(io.err()).toBe(
        `error: demo step "eppo-gitops validate" exited 1, expected 0: the definitions copied from ${join(dir, 'defs')} have the problems printed above; fix them, or run the demo on the examples that ship with eppo-gitops: eppo-gitops demo --dir ${EXAMPLES}\n`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('without --dir, names a way to the shipped examples that works from the same folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eppo-demo-bad-'));
    try {
      await mkdir(join(dir, 'experiments'));
      await writeFile(join(dir, 'experiments/broken.yaml'), 'experiment_key: broken\nname: Broken\n');
      const io = captureIo({ cwd: dir, env: { PATH: process.env.PATH } });
      expect(await main(['demo'], io)).toBe(1);
      expect(io.err()).toBe(
        `error: demo step "eppo-gitops validate" exited 1, expected 0: the definitions copied from ${join(dir, 'experiments')} have the problems printed above; fix them, or run the demo on the examples that ship with eppo-gitops: eppo-gitops demo --dir ${EXAMPLES}\n`,
      );
      // the command the hint names runs the whole loop, in the same folder
      const hinted = /eppo-gitops demo (--dir \S+)\n$/.exec(io.err())![1]!.split(' ');
      const again = captureIo({ cwd: dir, env: { PATH: process.env.PATH } });
      expect(await main(['demo', ...hinted], again), again.err()).toBe(0);
      expect(again.out()).toContain('── 6/6');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a --dir that does not exist is named, with what leaving it out does', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eppo-demo-bad-'));
    try {
      const io = captureIo({ cwd: dir, env: { PATH: process.env.PATH } });
      expect(await main(['demo', '--dir', 'nope'], io)).toBe(1);
      expect(io.err()).toBe(
        `error: --dir nope: no definitions folder at ${join(dir, 'nope')}; check the path, or leave out --dir to copy ./experiments (when there is one) or else the examples that ship with eppo-gitops\n`,
      );
      expect(io.out()).toBe('');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
