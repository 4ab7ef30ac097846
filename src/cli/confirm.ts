import { createInterface } from 'node:readline/promises';
import type { Readable, Writable } from 'node:stream';

/**
 * Asks a yes/no question on a terminal. Only "y" or "yes" is a yes; Ctrl-C and
 * the end of the input answer no (on a terminal readline takes Ctrl-C itself,
 * so without this the prompt would hang).
 */
export async function askYesNo(question: string, input: Readable, output: Writable, terminal = true): Promise<boolean> {
  const rl = createInterface({ input, output, terminal });
  const cancel = new AbortController();
  rl.once('SIGINT', () => cancel.abort());
  rl.once('close', () => cancel.abort());
  try {
    const answer = await rl.question(`${question} [y/N] `, { signal: cancel.signal });
    return /^y(es)?$/i.test(answer.trim());
  } catch (error) {
    if (!cancel.signal.aborted) throw error;
    output.write('\n');
    return false;
  } finally {
    rl.close();
  }
}
