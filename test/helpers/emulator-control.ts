import { request } from 'undici';
import type { RunningEmulator } from '../../src/emulator/index.js';

/**
 * A call to the emulator's control endpoints over HTTP (`/__emulator/...`),
 * the way a process outside the emulator drives it; throws unless it answers
 * 2xx. In the emulator's own process, its methods (decide, addWebhook,
 * addFaults, requests) do the same without HTTP.
 */
export async function control(emu: RunningEmulator, method: string, path: string, body?: unknown): Promise<any> {
  const res = await request(`${emu.origin}/__emulator${path}`, {
    method: method as 'GET',
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`control ${method} ${path}: ${res.statusCode} ${text}`);
  return text === '' ? undefined : JSON.parse(text);
}
