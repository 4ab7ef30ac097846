import { randomUUID } from 'node:crypto';
import { link, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { ConfigError } from '../errors.js';
import { errorCode } from '../util/index.js';
import { writeAtomically } from './state-file.js';

/** What a lock file says about the process that holds it. */
export interface LockHolder {
  pid: number;
  host: string;
  /** ISO-8601 */
  since: string;
  /** the emulator's API base once it listens */
  url?: string;
  /** tells this holding apart from an earlier one by a process with the same pid */
  token: string;
}

export interface StateLock {
  /** records where the emulator listens, for the message a second writer gets */
  announce(url: string): Promise<void>;
  /** removes the lock, if it is still this process's */
  release(): Promise<void>;
}

/**
 * Makes this process the only writer of an emulator state file, through
 * `<state file>.lock`: each emulator holds its whole state in memory and
 * writes all of it back, so a second one on the same file (`emulator --state`
 * beside `apply --local`) would overwrite the other's changes. The lock
 * appears complete or not at all (written aside, then hard-linked into place).
 * A lock left by a process that no longer runs on this machine (killed, say)
 * is taken over; any other is a ConfigError naming the holder and what to do.
 */
export async function acquireStateLock(statePath: string): Promise<StateLock> {
  const lockPath = `${statePath}.lock`;
  const mine: LockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString(), token: randomUUID() };
  await mkdir(dirname(lockPath), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    if (await tryCreate(lockPath, mine)) break;
    const holder = await readHolder(lockPath);
    if (holder === 'gone') continue;
    if (holder !== 'unreadable' && !isStale(holder)) throw heldError(statePath, lockPath, holder);
    if (attempt >= 3 || !(await takeOver(lockPath, holder))) {
      throw holder === 'unreadable'
        ? new ConfigError(`the emulator state file ${statePath} is locked by ${lockPath}, which cannot be read; if no emulator uses that state file, delete ${lockPath}`)
        : heldError(statePath, lockPath, holder);
    }
  }
  let current = mine;
  return {
    async announce(url) {
      current = { ...mine, url };
      await writeAtomically(lockPath, JSON.stringify(current));
    },
    async release() {
      const holder = await readHolder(lockPath);
      if (typeof holder === 'object' && holder.token === current.token) await unlink(lockPath).catch(() => undefined);
    },
  };
}

/** Writes the holder aside and links it into place: false when a lock is already there. */
async function tryCreate(lockPath: string, holder: LockHolder): Promise<boolean> {
  const aside = `${lockPath}.${process.pid}.${holder.token}.tmp`;
  await writeFile(aside, JSON.stringify(holder));
  try {
    await link(aside, lockPath);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new ConfigError(`cannot lock the emulator state file: creating ${lockPath} failed (${errorCode(error)})`, { cause: error });
  } finally {
    await unlink(aside).catch(() => undefined);
  }
}

async function readHolder(lockPath: string): Promise<LockHolder | 'gone' | 'unreadable'> {
  let text: string;
  try {
    text = await readFile(lockPath, 'utf8');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'gone' : 'unreadable';
  }
  try {
    const data = JSON.parse(text) as Partial<LockHolder>;
    if (Number.isInteger(data.pid) && (data.pid as number) > 0 && typeof data.host === 'string' && typeof data.since === 'string' && typeof data.token === 'string') return data as LockHolder;
  } catch {
    // not a lock this code wrote
  }
  return 'unreadable';
}

/** Only a holder on this machine can be known to be gone. */
function isStale(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return false;
  if (holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Moves the stale lock aside (only one process can), checks that what it
 * moved is the stale lock it judged and not a fresh one that replaced it
 * meanwhile, and deletes it. A fresh one is put back.
 */
async function takeOver(lockPath: string, stale: LockHolder | 'unreadable'): Promise<boolean> {
  if (stale === 'unreadable') return false;
  const claimed = `${lockPath}.${process.pid}.stale`;
  try {
    await rename(lockPath, claimed);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
  const moved = await readHolder(claimed);
  if (typeof moved === 'object' && moved.token !== stale.token) {
    await link(claimed, lockPath).catch(() => undefined);
    await unlink(claimed).catch(() => undefined);
    return false;
  }
  await unlink(claimed).catch(() => undefined);
  return true;
}

function heldError(statePath: string, lockPath: string, holder: LockHolder): ConfigError {
  const where = holder.host === hostname() ? `process ${holder.pid}` : `process ${holder.pid} on ${holder.host}`;
  const serving = holder.url === undefined ? '' : `, serving ${holder.url}`;
  const instead =
    holder.url === undefined
      ? 'Stop it first'
      : `Stop it first, or talk to it instead of starting another: --base-url ${holder.url} (with its API key in EPPO_API_KEY: emulator-key, unless it was started with --api-key) in place of --local`;
  return new ConfigError(
    `the emulator state file ${statePath} is in use by ${where} (since ${holder.since}${serving}); two emulators on one state file would overwrite each other's changes. ` +
      `${instead}. If that process no longer runs, delete ${lockPath}`,
  );
}
