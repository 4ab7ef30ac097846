import { mkdir, realpath, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { buildSchemaPath, CONFIG_FILE, definitionFileNames, loadDefinitions, resolveFolderInsideRoot, type FlagsConfig } from '../definitions/index.js';
import { didYouMean, errorCode, pathExists, toPosix } from '../util/index.js';
import { buildNewExperiment } from './build-new-experiment.js';
import { loadFlagFiles } from './load-flag-files.js';
import type { Flag } from './types.js';

export interface WriteExperimentFromFlagOptions {
  /** the folder holding eppo-gitops.yaml: flag globs start here, and `file` in the result is relative to it */
  root: string;
  /** `flags` from eppo-gitops.yaml */
  flags: FlagsConfig;
  /** the folder to write into, relative to `root` */
  dir: string;
  /**
   * the definitions folder validate checks, relative to `root`, searched for
   * the key as well as `dir` (default: `dir`): a --dir elsewhere, or below it,
   * must not make a second file with a key it already has
   */
  definitionsDir?: string;
  flagKey: string;
  entity: string;
  assignmentSource: string;
  /** today (the start date, in UTC) and the fixed time of the flag checks */
  now: Date;
  /** the $schema editor hint's path relative to the new file; default: buildSchemaPath */
  schemaPath?: string;
  /** how messages name the definitions folder (default `the folder "<dir>"`), e.g. `--dir ../x` */
  dirSource?: string;
  /** the control variant; default: buildExperimentFromFlag's rule */
  control?: string;
  /** variants that are not arms: subjects who get them are outside the experiment */
  holdouts?: readonly string[];
}

/**
 * `written`: the file and its text, what the flag is and the notes to show
 * (comments in the file, warnings of the flag checks); `refused`: nothing was
 * written, and why.
 */
export type WriteExperimentFromFlagResult =
  | { action: 'written'; file: string; text: string; flag: Flag; notes: string[] }
  | { action: 'refused'; message: string };

/**
 * `eppo-gitops new <flag-key>` (FLAGS.md, "Starting an experiment from a
 * flag"): reads the flag files, builds the experiment from the flag and
 * checks it as validate would (buildNewExperiment) and writes
 * `<dir>/<flag-key>.yaml`. Never overwrites: not that file, not a `.yml`
 * twin, and not when another definition in `dir` or the definitions folder
 * already has the key. Bad input is a refusal with a message, never a throw.
 */
export async function writeExperimentFromFlag(options: WriteExperimentFromFlagOptions): Promise<WriteExperimentFromFlagResult> {
  const refused = (message: string): WriteExperimentFromFlagResult => ({ action: 'refused', message });
  const set = await loadFlagFiles({ root: options.root, files: options.flags.files });
  const flag = set.byKey.get(options.flagKey);
  if (flag === undefined) {
    const guess = didYouMean(options.flagKey, set.byKey.keys());
    const broken = new Set(set.problems.filter((p) => p.severity === 'error').map((p) => p.file));
    const files = set.files.map((f) => f.file);
    return refused(
      `no flag "${options.flagKey}" in the flag files${files.length > 0 ? ` (${files.join(', ')})` : ` (flags.files in ${CONFIG_FILE} matches none)`}` +
        (guess === undefined ? '' : `; did you mean "${guess}"?`) +
        (broken.size > 0 ? `; ${[...broken].join(', ')} ${broken.size === 1 ? 'has' : 'have'} errors (run eppo-gitops validate)` : ''),
    );
  }

  // The same rule as init: inside the root (links on the way count), safe names, not .git/ or node_modules/.
  const root = await realpath(options.root).catch(() => resolve(options.root));
  const folder = await resolveFolderInsideRoot({
    given: options.dir,
    base: root,
    root,
    source: options.dirSource ?? `the folder "${options.dir}"`,
    scope: `the folder holding ${CONFIG_FILE} (${root})`,
    writer: 'new',
  });
  if (!folder.ok) return refused(folder.message);
  const [name, twin] = definitionFileNames(options.flagKey);
  const file = `${folder.dir}/${name}`;
  const target = join(root, ...file.split('/'));
  for (const candidate of [target, join(dirname(target), twin)]) {
    if (await pathExists(candidate)) {
      // Another folder would only make a second file with the same experiment_key.
      return refused(`${toPosix(relative(root, candidate))} already exists; not overwritten (edit it, or delete it and run new again)`);
    }
  }
  // The folder written to first, so the message names the file next to the new one. A folder that does not exist holds no key.
  for (const searched of new Set([folder.dir, options.definitionsDir ?? folder.dir])) {
    const existing = (await loadDefinitions({ cwd: options.root, paths: [searched] })).definitions.find((d) => d.experiment_key === options.flagKey);
    if (existing !== undefined) return refused(`${existing.file} already declares experiment_key ${options.flagKey}; not written`);
  }

  const built = buildNewExperiment(flag, set, {
    entity: options.entity,
    assignmentSource: options.assignmentSource,
    startDate: options.now.toISOString().slice(0, 10),
    file,
    schemaPath: options.schemaPath ?? buildSchemaPath({ file: target, root }),
    ...(options.control === undefined ? {} : { control: options.control }),
    ...(options.holdouts === undefined ? {} : { holdouts: options.holdouts }),
    at: options.now,
    rollout: options.flags.rollout ?? 'winner',
  });
  if (!built.ok) return refused(built.message);

  try {
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, built.text, { flag: 'wx' });
  } catch (error) {
    const code = errorCode(error);
    return refused(code === 'EEXIST' ? `${file} already exists; not overwritten` : `cannot write ${file} (${code}); check that the folder is writable`);
  }
  const notes = [...built.comments.slice(1), ...built.problems.map((p) => `${p.message} [${p.rule}]`)];
  return { action: 'written', file, text: built.text, flag, notes };
}
