import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../helpers/io.js';

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
        `error: demo step "eppo-gitops validate" exited 1, expected 0: the definitions copied from ${join(dir, 'defs')} have the problems printed above; fix them, or run the demo on its own examples (without --dir)\n`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
