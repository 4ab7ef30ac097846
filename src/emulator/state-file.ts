import { open, readFile, rename, unlink, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConfigError } from '../errors.js';
import type { EmulatorState } from './types.js';

/**
 * Reads the state file. A missing file gives undefined (start from the seed);
 * a file that is not valid state is an error, never silently replaced, so no
 * one loses data to a typo.
 */
export async function loadStateFile(path: string): Promise<EmulatorState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`cannot read the emulator state file ${path}: ${(error as Error).message}`, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(
      `the emulator state file ${path} is not valid JSON (${(error as Error).message}); delete it to start again from the seed data, or pass another --state file`,
      { cause: error },
    );
  }
  const problem = checkState(parsed);
  if (problem !== undefined) {
    throw new ConfigError(`the emulator state file ${path} is not emulator state (${problem}); delete it to start again from the seed data, or pass another --state file`);
  }
  return parsed as EmulatorState;
}

function checkState(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const s = value as Record<string, unknown>;
  if (s['version'] !== 1) return `unsupported version ${JSON.stringify(s['version'])}, expected 1`;
  for (const key of ['nextExperimentId', 'nextVariationId']) if (!Number.isInteger(s[key])) return `${key} must be an integer`;
  for (const key of ['entities', 'assignmentSources', 'metrics', 'experiments']) if (!Array.isArray(s[key])) return `${key} must be an array`;
  return undefined;
}

/**
 * Writes the state atomically (temp file, fsync, rename), one write at a
 * time; a burst of changes while a write runs is coalesced into one more write.
 */
export class StateWriter {
  readonly #path: string;
  readonly #serialise: () => string;
  readonly #onError: (error: unknown) => void;
  #running: Promise<void> | undefined;
  #dirty = false;

  constructor(path: string, serialise: () => string, onError: (error: unknown) => void) {
    this.#path = path;
    this.#serialise = serialise;
    this.#onError = onError;
  }

  /** Marks the state changed; a write follows soon. */
  schedule(): void {
    this.#dirty = true;
    this.#running ??= this.#loop();
  }

  /** Resolves once everything scheduled so far is on disk. */
  async flush(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
  }

  async #loop(): Promise<void> {
    try {
      await new Promise<void>((resolve) => setImmediate(resolve));
      while (this.#dirty) {
        this.#dirty = false;
        try {
          await writeAtomically(this.#path, this.#serialise());
        } catch (error) {
          this.#onError(error);
        }
      }
    } finally {
      this.#running = undefined;
    }
  }
}

/** Writes `text` to a temp file next to `path`, syncs it, then renames it over `path`. */
export async function writeAtomically(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}
