import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { definitionFileNames } from '../definitions/index.js';
import { ConfigError } from '../errors.js';
import { errorCode, pathExists, toPosix } from '../util/index.js';
import type { ImportDecision } from './import-plan.js';

export type WriteImportResult = { ok: true } | { ok: false; message: string };

/**
 * Writes one file that `buildImportPlan` decided on, never over an existing
 * one: not over `<key>.yaml` (exclusive create) nor next to a `<key>.yml`
 * twin. A refusal is a result; a folder that cannot be created is a
 * ConfigError, since no other file could be written there either.
 */
export async function writeImportFile(decision: Extract<ImportDecision, { action: 'write' }>, cwd: string): Promise<WriteImportResult> {
  const { target, file } = decision;
  const twin = join(dirname(target), definitionFileNames(decision.key)[1]);
  if (await pathExists(twin)) {
    return { ok: false, message: `${toPosix(relative(cwd, twin))} already exists; not overwritten (move it away or import under another --dir)` };
  }
  try {
    await mkdir(dirname(target), { recursive: true });
  } catch (error) {
    const folder = toPosix(relative(cwd, dirname(target))) || '.';
    throw new ConfigError(`cannot create the folder ${folder} for ${file} (${errorCode(error)}); --dir must name a folder you can write to`);
  }
  try {
    await writeFile(target, decision.text, { flag: 'wx' });
  } catch (error) {
    return {
      ok: false,
      message:
        errorCode(error) === 'EEXIST'
          ? `${file} already exists; not overwritten (move it away or import under another --dir)`
          : `cannot write ${file} (${errorCode(error)}); check that the folder is writable`,
    };
  }
  return { ok: true };
}
