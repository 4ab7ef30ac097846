import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunningEmulator } from '../emulator/index.js';
import { ConfigError } from '../errors.js';
import { errorCode, parseTimeoutSeconds } from '../util/index.js';
import { createEppoClient, DEFAULT_EPPO_BASE_URL, type BaseUrlSource, type EppoClientOptions } from './client.js';
import type { EppoApi } from './types.js';

export interface EppoConnection {
  api: EppoApi;
  baseUrl: string;
  /** with `local`: the embedded emulator (to register a webhook receiver, make a decision) */
  emulator?: RunningEmulator;
  close(): Promise<void>;
}

export interface ConnectEppoOptions {
  cwd: string;
  env: Record<string, string | undefined>;
  /** start the embedded emulator in-process, state in `<cwd>/.eppo-local/` */
  local?: boolean;
  /** the --base-url flag */
  baseUrl?: string;
  config?: { eppo_base_url?: string };
  /** client tuning (tests use short backoffs) */
  client?: Omit<EppoClientOptions, 'baseUrl' | 'apiKey'>;
}

/** What `--local` plans record as their Eppo: saved plans stay valid across runs. */
export const LOCAL_BASE_URL = 'local:.eppo-local';

/** Folder that holds the embedded emulator's state for `--local`. */
export const LOCAL_STATE_DIR = '.eppo-local';

/**
 * Opens the Eppo API a command talks to: with `local`, an embedded emulator whose
 * state lives in `<cwd>/.eppo-local/state.json`; otherwise the real Eppo at
 * flag > EPPO_BASE_URL > config > default, with EPPO_API_KEY (required).
 */
export async function connectEppo(opts: ConnectEppoOptions): Promise<EppoConnection> {
  checkLocalTarget(opts);
  // Every setting is read before anything starts: a bad one must not leave an emulator listening.
  const tuning = { ...timeouts(opts.env), ...opts.client };
  if (opts.local === true) {
    const dir = join(opts.cwd, LOCAL_STATE_DIR);
    try {
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, '.gitignore'), '*\n');
    } catch (error) {
      throw new ConfigError(`--local keeps the emulator's state in ${LOCAL_STATE_DIR}/, and that folder cannot be created or written (${errorCode(error)}); move away what is at ${LOCAL_STATE_DIR} and run again`);
    }
    const { startEmulator } = await import('../emulator/index.js');
    const emulator = await startEmulator({ port: 0, statePath: join(dir, 'state.json') });
    let api: EppoApi;
    try {
      api = createEppoClient({ ...tuning, baseUrl: emulator.url, apiKey: emulator.apiKey });
    } catch (error) {
      await emulator.close();
      throw error;
    }
    return {
      api,
      // The emulator's port changes on every run; the state folder is what identifies it.
      baseUrl: LOCAL_BASE_URL,
      emulator,
      async close() {
        await api.close();
        await emulator.close();
      },
    };
  }
  const apiKey = opts.env.EPPO_API_KEY;
  if (apiKey === undefined || apiKey.trim() === '') {
    throw new ConfigError('EPPO_API_KEY is not set: export EPPO_API_KEY=<an Eppo API key with Experiments read/write>, or use --local to try against the embedded emulator');
  }
  const [baseUrl, baseUrlSource] = pickBaseUrl(opts);
  const api = createEppoClient({ ...tuning, baseUrl, apiKey: apiKey.trim(), baseUrlSource });
  return { api, baseUrl: api.baseUrl, close: () => api.close() };
}

/** flag > EPPO_BASE_URL > eppo-gitops.yaml > Eppo's own, and which one it was (the hints name it). */
function pickBaseUrl(opts: ConnectEppoOptions): [string, BaseUrlSource] {
  const flag = nonEmpty(opts.baseUrl);
  if (flag !== undefined) return [flag, 'flag'];
  const env = nonEmpty(opts.env.EPPO_BASE_URL);
  if (env !== undefined) return [env, 'env'];
  const settings = nonEmpty(opts.config?.eppo_base_url);
  if (settings !== undefined) return [settings, 'settings'];
  return [DEFAULT_EPPO_BASE_URL, 'default'];
}

/**
 * The embedded emulator has its own address, so a base URL next to `local`
 * would be silently ignored: a ConfigError. connectEppo checks it; the
 * functions that do other work before connecting (planWorkspace,
 * openOutcomeContext, serve) check it first.
 */
export function checkLocalTarget(opts: Pick<ConnectEppoOptions, 'local' | 'baseUrl'>): void {
  if (opts.local === true && nonEmpty(opts.baseUrl) !== undefined) {
    throw new ConfigError('--local and --base-url cannot be used together: the embedded emulator (--local) has its own address; drop --base-url, or drop --local to talk to the Eppo at that URL');
  }
}

/** Longest connect wait; a longer EPPO_TIMEOUT_SECONDS only lengthens the wait for an answer. */
const MAX_CONNECT_TIMEOUT_MS = 10_000;

/** EPPO_TIMEOUT_SECONDS: how long one request may take before it counts as timed out (default 30). */
function timeouts(env: Record<string, string | undefined>): Pick<EppoClientOptions, 'requestTimeoutMs' | 'connectTimeoutMs'> {
  const ms = parseTimeoutSeconds('EPPO_TIMEOUT_SECONDS', env.EPPO_TIMEOUT_SECONDS);
  if (ms === undefined) return {};
  return { requestTimeoutMs: ms, connectTimeoutMs: Math.min(ms, MAX_CONNECT_TIMEOUT_MS) };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
