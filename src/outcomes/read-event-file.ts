import { readFile } from 'node:fs/promises';
import { ConfigError } from '../errors.js';
import { checkSecretLength } from '../util/index.js';
import { parseWebhookEvent, unwrapDispatchEvent } from './event.js';
import { verifyWebhookSignature } from './signature.js';

export type EventFileResult = { kind: 'outcome'; experimentId: number } | { kind: 'ignored'; event: string };

/**
 * Reads a webhook body saved to a file (GitHub's repository_dispatch event
 * whose client_payload is the Eppo body, or a bare Eppo body). With a secret,
 * the signature must verify. Anything unusable is a ConfigError naming the file.
 */
export async function readEventFile(path: string, secret: string | undefined): Promise<EventFileResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read the event file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigError(`the event file ${path} is not valid JSON`);
  }
  const body = unwrapDispatchEvent(parsed);
  if (secret !== undefined && secret !== '') {
    checkSecretLength('EPPO_WEBHOOK_SECRET', secret);
    if (!verifyWebhookSignature(body, secret)) {
      throw new ConfigError(`the event in ${path} is not signed with EPPO_WEBHOOK_SECRET; verify that the webhook secret in Eppo matches EPPO_WEBHOOK_SECRET, and that client_payload is the unchanged Eppo body`);
    }
  }
  const event = parseWebhookEvent(body);
  if (event.kind === 'invalid') throw new ConfigError(`the event in ${path} is not an Eppo webhook body: ${event.reason}`);
  if (event.kind === 'ignored') return { kind: 'ignored', event: event.event };
  return { kind: 'outcome', experimentId: event.experimentId };
}
