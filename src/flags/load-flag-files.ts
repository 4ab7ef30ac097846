import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { CONFIG_FILE, MAX_FILE_BYTES, parseYamlData } from '../definitions/index.js';
import type { Problem, SourcePos } from '../definitions/index.js';
import { buildFlagSet } from './flag-set.js';
import { compileGlob } from './glob.js';
import type { Glob } from './glob.js';
import { FLAG_FILE_RULE, readFlagFile } from './read-flag-file.js';
import type { FlagFile, FlagSet } from './types.js';
import { errorCode, isWithin } from '../util/index.js';

export interface LoadFlagFilesOptions {
  /** the folder holding eppo-gitops.yaml; globs start here and files must stay inside it */
  root: string;
  /** globs from `flags.files` */
  files: readonly string[];
}

/**
 * A link out of the root is never followed: a pull request could add one to a
 * file holding a secret, and its text would show up in problems and logs.
 */
const OUTSIDE_MESSAGE = 'the link points outside the folder holding eppo-gitops.yaml, so it is not read; put the flag file itself here instead of a link';

/**
 * Finds the flag files the globs name under `root`, reads and checks each
 * (readFlagFile) and puts them together (buildFlagSet). Never throws for bad
 * input: a glob leading out of the root, a link pointing out of it, a symlink
 * loop, an unreadable or oversized file are `flag-file` problems, and a glob
 * that matches nothing is a warning. Wildcards skip `node_modules` folders
 * unless a glob names them.
 */
export async function loadFlagFiles(options: LoadFlagFilesOptions): Promise<FlagSet> {
  const problems: Problem[] = [];
  const globAt = globPositions(options.root, options.files);
  const configProblem = (index: number, message: string, severity: Problem['severity'] = 'error'): Problem => {
    const pos = globAt(index);
    return { file: CONFIG_FILE, line: pos.line, col: pos.col, severity, rule: FLAG_FILE_RULE, message };
  };
  const fileProblem = (file: string, message: string): Problem => ({ file, line: 1, col: 1, severity: 'error', rule: FLAG_FILE_RULE, message });

  const globs: Array<Glob & { index: number }> = [];
  options.files.forEach((pattern, index) => {
    const parts = pattern.split(/[/\\]/);
    if (isAbsolute(pattern) || /^[A-Za-z]:/.test(pattern) || parts.includes('..')) {
      problems.push(configProblem(index, `flags.files "${pattern}" leads outside the folder holding ${CONFIG_FILE}; write a glob relative to it, without ".." and not absolute`));
      return;
    }
    try {
      globs.push({ ...compileGlob(pattern), index });
    } catch (error) {
      problems.push(configProblem(index, `flags.files "${pattern}": ${(error as Error).message}`));
    }
  });

  let realRoot: string;
  try {
    realRoot = await realpath(options.root);
  } catch (error) {
    problems.push(configProblem(-1, `cannot read the folder ${options.root} (${errorCode(error)})`));
    return buildFlagSet([], problems);
  }
  const found = new Set<string>();
  const walker: Walk = { realRoot, globs, found, problems, fileProblem, namesNodeModules: options.files.some((p) => p.includes('node_modules')) };
  await walk(realRoot, '', [realRoot], walker);

  for (const glob of globs) {
    if (![...found].some((path) => glob.matches(path))) problems.push(configProblem(glob.index, `flags.files "${glob.pattern}" matches no file`, 'warning'));
  }
  const buffer = new Uint8Array(MAX_FILE_BYTES + 1);
  const files: FlagFile[] = [];
  const paths = [...found].sort();
  for (const [i, path] of paths.entries()) {
    // The event loop gets a turn between files: validate reads the definitions meanwhile.
    if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const read = readBounded(join(realRoot, ...path.split('/')), buffer);
    if (typeof read === 'string') problems.push(fileProblem(path, read));
    else files.push(readFlagFile(path, read));
  }
  return buildFlagSet(files, problems);
}

/**
 * Where each glob stands in eppo-gitops.yaml (the `flags.files` entry with
 * that index, when it says the same), so a problem with a glob points at its
 * line; 1:1 when the globs came from elsewhere or the file cannot be read.
 * The file is read at the first call only: most runs have no glob problem.
 */
function globPositions(root: string, files: readonly string[]): (index: number) => SourcePos {
  let located: ((index: number) => SourcePos | undefined) | undefined;
  return (index) => {
    located ??= (() => {
      let parsed;
      try {
        parsed = parseYamlData(CONFIG_FILE, readFileSync(join(root, CONFIG_FILE)));
      } catch {
        return () => undefined;
      }
      if (!parsed.ok) return () => undefined;
      const { data, nodes } = parsed.source;
      const written = (data as { flags?: { files?: unknown } } | undefined)?.flags?.files;
      return (i: number) => (Array.isArray(written) && written[i] === files[i] ? nodes.get(`/flags/files/${i}`)?.value : undefined);
    })();
    return located(index) ?? { line: 1, col: 1 };
  };
}

interface Walk {
  realRoot: string;
  globs: Glob[];
  found: Set<string>;
  problems: Problem[];
  fileProblem: (file: string, message: string) => Problem;
  namesNodeModules: boolean;
}

async function walk(folder: string, rel: string, ancestors: string[], w: Walk): Promise<void> {
  let entries;
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch (error) {
    w.problems.push(w.fileProblem(rel === '' ? '.' : rel, `cannot read the folder (${errorCode(error)})`));
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
    const absolute = join(folder, entry.name);
    let isDir = entry.isDirectory();
    let isFile = entry.isFile();
    const wanted = (): boolean => (isDir ? w.globs.some((g) => g.mayContain(path)) : w.globs.some((g) => g.matches(path)));
    if (entry.name === 'node_modules' && isDir && !w.namesNodeModules) continue;
    let real = absolute;
    if (entry.isSymbolicLink()) {
      try {
        const target = await stat(absolute);
        isDir = target.isDirectory();
        isFile = target.isFile();
        real = await realpath(absolute);
      } catch (error) {
        if (!isDir && w.globs.some((g) => g.matches(path))) {
          const loop = (error as NodeJS.ErrnoException).code === 'ELOOP';
          w.problems.push(w.fileProblem(path, loop ? 'symlink loop: the link points back to itself; remove or fix the link' : `the link leads nowhere (${errorCode(error)}); remove or fix it`));
        }
        continue;
      }
      if (!isWithin(real, w.realRoot)) {
        if (wanted()) w.problems.push(w.fileProblem(path, OUTSIDE_MESSAGE));
        continue;
      }
    }
    if (!wanted()) continue;
    if (isDir) {
      if (ancestors.includes(real)) {
        w.problems.push(w.fileProblem(path, 'symlink loop: the link points back to a folder above it; remove or fix the link'));
        continue;
      }
      await walk(absolute, path, [...ancestors, real], w);
    } else if (isFile) w.found.add(path);
  }
}

/**
 * The file's bytes (a view of `buffer`, good until the next read: the caller
 * decodes them at once, so no file is copied), or why they cannot be had;
 * reads at most MAX_FILE_BYTES + 1 bytes.
 */
function readBounded(path: string, buffer: Uint8Array): Uint8Array | string {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    if (size > MAX_FILE_BYTES) return `the file is ${(size / (1024 * 1024)).toFixed(1)} MiB, over the 1 MiB limit for one flag file; split it`;
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length === buffer.length) return `the file is over the 1 MiB limit for one flag file; split it`;
    }
    return buffer.subarray(0, length);
  } catch (error) {
    return `cannot read the file (${errorCode(error)}); check that it exists and is readable`;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
