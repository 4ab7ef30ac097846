import { mkdir, open, readFile, readlink, realpath, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { errorCode, isObject } from '../util/index.js';
import type { EmulatorState } from './types.js';
import { validateExperimentBody } from './validate.js';

/**
 * Reads the state file. A missing file gives undefined (start from the seed);
 * a file that is not valid state is an error, never silently replaced, so no
 * one loses data to a typo. `otherFile` says how the caller's user picks
 * another file, when they can (`emulator --state`; `--local` cannot).
 */
export async function loadStateFile(path: string, otherFile?: string): Promise<EmulatorState | undefined> {
  const fix = `move it away or delete it to start again from the seed data${otherFile === undefined ? '' : `, or ${otherFile}`}`;
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
      `the emulator state file ${path} is not valid JSON (${(error as Error).message}); ${fix}`,
      { cause: error },
    );
  }
  const problem = checkState(parsed);
  if (problem !== undefined) {
    throw new ConfigError(`the emulator state file ${path} is not emulator state (${problem}); ${fix}`);
  }
  return parsed as EmulatorState;
}

function checkState(value: unknown): string | undefined {
  if (!isObject(value)) return 'not a JSON object';
  const s = value;
  if (s['version'] !== 1) return `unsupported version ${JSON.stringify(s['version'])}, expected 1`;
  for (const key of ['nextExperimentId', 'nextVariationId']) if (!Number.isInteger(s[key])) return `${key} must be an integer`;
  for (const key of ['entities', 'assignmentSources', 'metrics', 'experiments']) if (!Array.isArray(s[key])) return `${key} must be an array`;
  for (const key of ['entities', 'assignmentSources', 'metrics'] as const) {
    const problem = checkNamed(s[key] as unknown[], key);
    if (problem !== undefined) return problem;
  }
  return checkExperiments(s as unknown as EmulatorState);
}

/** Entities, assignment sources, metrics: objects with a unique integer id and a name. */
function checkNamed(items: unknown[], key: string): string | undefined {
  const seen = new Map<unknown, number>();
  for (const [i, item] of items.entries()) {
    if (!isObject(item)) return `${key}[${i}] is not an object`;
    if (!Number.isInteger(item['id'])) return `${key}[${i}].id must be an integer`;
    if (typeof item['name'] !== 'string') return `${key}[${i}].name must be a string`;
    const first = seen.get(item['id']);
    if (first !== undefined) return `${key}[${i}] has the id ${String(item['id'])} of ${key}[${first}]; ids must be unique`;
    seen.set(item['id'], i);
  }
  return undefined;
}

/**
 * Every stored experiment is one the API could have stored: a record with a
 * valid experiment (the same checks as a create, against this state's
 * entities, sources and metrics), ids unique, and the id counters above every
 * id in use (or the next create would reuse one).
 */
function checkExperiments(state: EmulatorState): string | undefined {
  const seen = new Map<number, number>();
  let maxExperiment = 0;
  let maxVariation = 0;
  for (const [i, record] of (state.experiments as unknown[]).entries()) {
    const at = `experiments[${i}]`;
    if (!isObject(record)) return `${at} is not an object`;
    if (typeof record['updatedAt'] !== 'string' || Number.isNaN(Date.parse(record['updatedAt']))) return `${at}.updatedAt must be an ISO date-time`;
    const experiment = record['experiment'];
    if (!isObject(experiment)) return `${at}.experiment is not an object`;
    const id = experiment['id'];
    if (!Number.isInteger(id) || (id as number) < 1) return `${at}.experiment.id must be a positive integer`;
    const first = seen.get(id as number);
    if (first !== undefined) return `${at} has the id ${String(id)} of experiments[${first}]; ids must be unique`;
    seen.set(id as number, i);
    maxExperiment = Math.max(maxExperiment, id as number);
    const valid = validateExperimentBody(experiment, state);
    if (!valid.ok) return `${at}.experiment: ${valid.message}`;
    for (const key of ['winning_variant_key', 'outcome', 'concluded_date'] as const) {
      if (experiment[key] !== null && typeof experiment[key] !== 'string') return `${at}.experiment.${key} must be a string or null`;
    }
    if (typeof experiment['created_date'] !== 'string') return `${at}.experiment.created_date must be a string`;
    if (typeof experiment['is_traffic_imbalanced'] !== 'boolean') return `${at}.experiment.is_traffic_imbalanced must be a boolean`;
    for (const [j, variation] of (experiment['variations'] as unknown[]).entries()) {
      const variationId = (variation as Record<string, unknown>)['id'];
      if (!Number.isInteger(variationId) || (variationId as number) < 1) return `${at}.experiment.variations[${j}].id must be a positive integer`;
      maxVariation = Math.max(maxVariation, variationId as number);
    }
  }
  if (state.nextExperimentId <= maxExperiment) return `nextExperimentId ${state.nextExperimentId} is not above the largest experiment id, ${maxExperiment}`;
  if (state.nextVariationId <= maxVariation) return `nextVariationId ${state.nextVariationId} is not above the largest variation id, ${maxVariation}`;
  return undefined;
}

/**
 * Writes the state atomically (temp file, fsync, rename), one write at a
 * time; a burst of changes while a write runs is coalesced into one more write.
 * A failed write is reported to `onError` at once, and by `flush()` until a
 * later write succeeds: changes that are not on disk are never lost silently.
 */
export class StateWriter {
  readonly #path: string;
  readonly #serialise: () => string;
  readonly #onError: (error: unknown) => void;
  #running: Promise<void> | undefined;
  #dirty = false;
  #failure: unknown;

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

  /**
   * Resolves once everything scheduled so far is on disk; rejects with a
   * ConfigError naming the file when the last write failed.
   */
  async flush(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
    if (this.#failure !== undefined) {
      const error = this.#failure;
      throw new ConfigError(
        `cannot write the emulator state file ${this.#path} (${errorCode(error)}): the latest changes are not saved; check that its folder is writable and the disk has space, then run the command again`,
        { cause: error },
      );
    }
  }

  async #loop(): Promise<void> {
    try {
      await new Promise<void>((resolve) => setImmediate(resolve));
      while (this.#dirty) {
        this.#dirty = false;
        try {
          await writeAtomically(this.#path, this.#serialise());
          this.#failure = undefined;
        } catch (error) {
          this.#failure = error;
          this.#onError(error);
        }
      }
    } finally {
      this.#running = undefined;
    }
  }
}

/**
 * Writes `text` to a temp file next to `path`, syncs it, then renames it over
 * `path`. On any failure the temp file is removed and `path` is left as it was.
 */
export async function writeAtomically(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  const handle = await open(temp, 'w');
  try {
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

/**
 * The state file's real path: a link to it (or in a linked folder) names the
 * same file, so the lock beside it is the same lock and a write replaces the
 * file, never the link. A file that does not exist yet resolves through its
 * folder.
 */
export async function resolveStatePath(path: string): Promise<string> {
  let absolute = resolve(path);
  // A link whose target does not exist yet (the first emulator has not written it) leads there all the same.
  for (let hops = 0; hops < 40; hops++) {
    try {
      return await realpath(absolute);
    } catch {
      const target = await readlink(absolute).catch(() => undefined);
      if (target === undefined) break;
      absolute = resolve(dirname(absolute), target);
    }
  }
  try {
    return join(await realpath(dirname(absolute)), basename(absolute));
  } catch {
    return absolute;
  }
}
