import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../helpers/io.js';

describe('main', () => {
  it('prints the command list for --help and exits 0', async () => {
    const io = captureIo();
    expect(await main(['--help'], io)).toBe(0);
    expect(io.out()).toContain('Usage: eppo-gitops <command>');
    expect(io.out()).toMatch(/^\s+validate\s+/m);
  });

  it('suggests the nearest command for a typo', async () => {
    const io = captureIo();
    expect(await main(['valdate'], io)).toBe(1);
    expect(io.err()).toContain('did you mean "validate"?');
  });

  it('prints the version from package.json', async () => {
    const io = captureIo();
    expect(await main(['--version'], io)).toBe(0);
    expect(io.out()).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});
