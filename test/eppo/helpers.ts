import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Io } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { parseDefinition, type Definition } from '../../src/definitions/index.js';
import { startEmulator, type EmulatorOptions, type FaultSpec, type RequestLogEntry, type RunningEmulator } from '../../src/emulator/index.js';
import { createEppoClient, type EppoApi, type EppoClientOptions } from '../../src/eppo/index.js';
import { control } from '../helpers/emulator-control.js';
import { captureIo } from '../helpers/io.js';

/** Fast retry settings for tests. */
export const FAST: Omit<EppoClientOptions, 'baseUrl' | 'apiKey'> = {
  retryBaseMs: 5,
  maxRetryDelayMs: 50,
  requestTimeoutMs: 2_000,
  connectTimeoutMs: 1_000,
};

export interface TestEppo {
  emu: RunningEmulator;
  api: EppoApi;
  faults(specs: FaultSpec | FaultSpec[]): Promise<void>;
  requests(): Promise<RequestLogEntry[]>;
  close(): Promise<void>;
}

export { control };

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** Runs `eppo-gitops ...args` in-process and returns the exit code and what it printed. */
export async function runCli(args: string[], init: Partial<Io>): Promise<CliRun> {
  const io = captureIo(init);
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

/** An emulator on 127.0.0.1:0 and a real client pointed at it. */
export async function startTestEppo(options: EmulatorOptions = {}, client: Partial<EppoClientOptions> = {}): Promise<TestEppo> {
  const emu = await startEmulator({ port: 0, ...options });
  const api = createEppoClient({ ...FAST, ...client, baseUrl: emu.url, apiKey: emu.apiKey });
  return {
    emu,
    api,
    faults: async (specs) => void (await control(emu, 'POST', '/faults', specs)),
    requests: () => control(emu, 'GET', '/requests'),
    close: async () => {
      await api.close();
      await emu.close();
    },
  };
}

export interface DefinitionFields {
  key?: string;
  name?: string;
  extra?: string;
  variations?: string;
  metrics?: string | null;
}

/** The text of a valid definition file; pieces can be replaced. */
export function definitionText(f: DefinitionFields = {}): string {
  const key = f.key ?? 'checkout-button-color';
  const variations =
    f.variations ??
    `variations:
  - variant_key: control
    name: Control
    is_control: true
    weight: 0.5
  - variant_key: green
    name: Green button
    weight: 0.5
`;
  const metrics =
    f.metrics === null
      ? ''
      : (f.metrics ??
        `metrics:
  - metric: Checkout conversion
    is_primary: true
  - metric: Revenue per user
`);
  return `experiment_key: ${key}
name: ${f.name ?? 'Checkout button color'}
hypothesis: A green checkout button raises checkout conversion.
entity: user
assignment_source: User assignments
assignments_start_date: 2026-01-05
${f.extra ?? ''}${variations}${metrics}`;
}

/** Parses definition text into a Definition (fails the test on problems). */
export function definition(text: string, file = 'experiments/checkout-button-color.yaml'): Definition {
  const result = parseDefinition(file, text);
  const errors = result.problems.filter((p) => p.severity === 'error');
  if (result.definition === undefined || errors.length > 0) {
    throw new Error(`fixture does not parse: ${JSON.stringify(result.problems)}`);
  }
  return result.definition;
}

export interface TempRepo {
  dir: string;
  write(path: string, text: string): Promise<void>;
  remove(): Promise<void>;
}

/** A temporary working directory under the OS temp folder. */
export async function tempRepo(): Promise<TempRepo> {
  const dir = await mkdtemp(join(tmpdir(), 'eppo-gitops-test-'));
  return {
    dir,
    async write(path, text) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), text);
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
