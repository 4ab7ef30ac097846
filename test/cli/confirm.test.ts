import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { askYesNo } from '../../src/cli/confirm.js';

/** Answers the prompt with `keys` once it is shown, like a person at a terminal. */
async function ask(keys: string | null): Promise<{ answer: boolean; shown: string }> {
  const input = new PassThrough();
  const output = new PassThrough();
  let shown = '';
  output.on('data', (chunk: Buffer) => {
    shown += chunk.toString();
    if (shown.includes('[y/N] ')) setImmediate(() => (keys === null ? input.end() : input.write(keys)));
  });
  const answer = await askYesNo('Apply these changes?', input, output);
  return { answer, shown };
}

describe('askYesNo (the apply prompt)', () => {
  it.each([
    ['y\r', true],
    ['yes\r', true],
    ['Y\r', true],
    ['n\r', false],
    ['\r', false],
    ['sure\r', false],
  ])('answers %j as %s', async (keys, expected) => {
    const { answer, shown } = await ask(keys);
    expect(answer).toBe(expected);
    expect(shown).toContain('Apply these changes? [y/N] ');
  });

  it('takes Ctrl-C as no instead of hanging or failing', async () => {
    expect((await ask('\x03')).answer).toBe(false);
  });

  it('takes the end of the input (Ctrl-D) as no', async () => {
    expect((await ask(null)).answer).toBe(false);
  });
});
