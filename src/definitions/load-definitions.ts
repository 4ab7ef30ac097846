import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { sortProblems } from './cap-problems.js';
import { DEFAULT_DEFINITIONS_DIR } from './definitions-dir.js';
import { isDefinitionFile } from './definition-file.js';
import { parseDefinition } from './parse-definition.js';
import type { Definition, LoadResult, Problem } from './types.js';
import { MAX_FILE_BYTES, oversizeProblem } from './yaml-source.js';
import { displayPath, errorCode, isWithin } from '../util/index.js';

export interface LoadOptions {
  /** working directory; `file` in results is relative to it */
  cwd: string;
  /** definitions folder, searched recursively (default `experiments`); ignored when `paths` is given */
  dir?: string;
  /**
   * `dir` is the operator's own choice (a command-line flag), not a value
   * from eppo-gitops.yaml or the default: it may be, or pass through, a link
   * that leads out of `cwd`. Links inside it that lead out of it are refused
   * all the same, and paths given inside `dir` may lead where it does. Default
   * false: only a folder named outside `cwd` as such is read; a link out of
   * `cwd` is refused.
   */
  trustDir?: boolean;
  /** files or folders to check instead of `dir` */
  paths?: string[];
  /**
   * Files found in a folder that are not definitions although they may end in
   * .yaml (flag files): called with the path as shown (relative to `cwd`);
   * those it accepts are left out and listed in `skipped`.
   */
  notDefinition?: (file: string) => boolean;
}

/** Files read and parsed between two yields to the event loop. */
const BATCH = 64;


/**
 * Finds, reads and validates definition files, then checks `unique-key`
 * across them. Never throws for bad input: unreadable files, missing paths and
 * symlink loops are `io` problems and the run goes on with the other files.
 */
export async function loadDefinitions(options: LoadOptions): Promise<LoadResult> {
  const { cwd } = options;
  const problems: Problem[] = [];
  const found = new Map<string, string>(); // absolute path → display path
  const skipped = new Set<string>();
  const ioProblem = (file: string, message: string): Problem => ({ file, line: 1, col: 1, severity: 'error', rule: 'io', message });

  const roots = options.paths !== undefined && options.paths.length > 0 ? options.paths : [options.dir ?? DEFAULT_DEFINITIONS_DIR];
  const fromDir = options.paths === undefined || options.paths.length === 0;
  const realCwd = await realpath(cwd).catch(() => resolve(cwd));
  // A trusted --dir, and a path given inside it, may lead where that folder does (a linked folder of definitions).
  const trustedDir = options.trustDir === true ? resolve(cwd, options.dir ?? DEFAULT_DEFINITIONS_DIR) : undefined;
  const realTrustedDir = trustedDir === undefined ? undefined : await realpath(trustedDir).catch(() => trustedDir);
  for (const root of roots) {
    const absolute = resolve(cwd, root);
    let info;
    try {
      info = await stat(absolute);
    } catch (error) {
      const what = fromDir ? 'definitions folder' : 'path';
      const hint = fromDir ? '; create it or pass --dir' : '';
      problems.push(ioProblem(displayPath(cwd, absolute), `${what} not found (${errorCode(error)})${hint}`));
      continue;
    }
    const realRoot = await realpath(absolute).catch(() => absolute);
    // A root named outside the working directory is the user's explicit choice; links are confined to where they start.
    const chosen = !isWithin(absolute, cwd);
    const underTrustedDir = realTrustedDir !== undefined && isWithin(absolute, trustedDir!);
    const inside = [realCwd, ...(chosen ? [realRoot] : []), ...(underTrustedDir ? [realTrustedDir] : [])];
    if (!inside.some((folder) => isWithin(realRoot, folder))) {
      problems.push(ioProblem(displayPath(cwd, absolute), OUTSIDE_MESSAGE));
      continue;
    }
    const scan: Scan = { found, skipped, notDefinition: options.notDefinition, problems, cwd, inside, ioProblem };
    if (info.isDirectory()) await walk(absolute, [realRoot], scan);
    else if (fromDir) problems.push(ioProblem(displayPath(cwd, absolute), 'the definitions folder is not a folder; pass --dir a folder of *.yaml files, or check one file with "eppo-gitops validate FILE"'));
    else if (info.isFile()) found.set(absolute, displayPath(cwd, absolute));
    else problems.push(ioProblem(displayPath(cwd, absolute), 'not a regular file or folder'));
  }

  const files = [...found.entries()].sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  // Small files read synchronously, one at a time, into one reused buffer, and
  // parsed at once: an order of magnitude faster than promise-based reads
  // (which cost four thread-pool round trips per file), and bounded (one open
  // file, one buffer). The event loop gets a turn after every batch.
  const buffer = new Uint8Array(MAX_FILE_BYTES + 1);
  const results: Array<{ definition?: Definition; problems: Problem[] }> = [];
  for (let i = 0; i < files.length; i++) {
    if (i > 0 && i % BATCH === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const [absolute, shown] = files[i]!;
    results.push(readAndParse(absolute, shown, buffer, ioProblem));
  }

  const definitions: Definition[] = [];
  const byKey = new Map<string, Definition>();
  const fileProblems: Problem[] = [];
  for (const result of results) {
    fileProblems.push(...result.problems);
    const definition = result.definition;
    if (definition === undefined) continue;
    const first = byKey.get(definition.experiment_key);
    if (first !== undefined) {
      const pos = definition.positions['experiment_key'] ?? { line: 1, col: 1 };
      fileProblems.push({
        file: definition.file,
        line: pos.line,
        col: pos.col,
        severity: 'error',
        rule: 'unique-key',
        message: `experiment_key "${definition.experiment_key}" is already used by ${first.file}; each experiment needs its own key`,
      });
      continue;
    }
    byKey.set(definition.experiment_key, definition);
    definitions.push(definition);
  }
  return { definitions, problems: [...problems, ...groupByFile(fileProblems)], files: files.length, skipped: [...skipped].sort() };
}

function readAndParse(
  absolute: string,
  shown: string,
  buffer: Uint8Array,
  ioProblem: (file: string, message: string) => Problem,
): { definition?: Definition; problems: Problem[] } {
  let length = 0;
  let fd: number | undefined;
  try {
    fd = openSync(absolute, 'r');
    for (;;) {
      const wanted = buffer.length - length;
      const n = readSync(fd, buffer, length, wanted, null);
      length += n;
      if (length === buffer.length) return { problems: [oversizeProblem(shown, fstatSync(fd).size)] };
      // Only regular files are found, and one returns less than asked only at its end: no second read to learn that.
      if (n < wanted) break;
    }
  } catch (error) {
    return { problems: [ioProblem(shown, `cannot read the file (${errorCode(error)}); check that it exists and is readable`)] };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return parseDefinition(shown, buffer.subarray(0, length));
}

interface Scan {
  found: Map<string, string>;
  skipped: Set<string>;
  notDefinition: ((file: string) => boolean) | undefined;
  problems: Problem[];
  cwd: string;
  /** real folders a link may lead into */
  inside: string[];
  ioProblem: (file: string, message: string) => Problem;
}

/**
 * A link out of the repository is never followed: in CI a pull request could
 * add one to a file holding a secret (or /proc/self/environ), and its text
 * would show up in problems, PR comments and logs.
 */
const OUTSIDE_MESSAGE = 'the link points outside the repository, so it is not read; put the definition itself here instead of a link';


async function walk(folder: string, ancestors: string[], scan: Scan): Promise<void> {
  const { found, problems, cwd, ioProblem } = scan;
  let entries;
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch (error) {
    problems.push(ioProblem(displayPath(cwd, folder), `cannot read the folder (${errorCode(error)})`));
    return;
  }
  // Paths built by hand: path.resolve and path.relative for each of thousands of files cost more than reading them.
  const base = folder.endsWith(sep) ? folder : `${folder}${sep}`;
  const shownFolder = displayPath(cwd, folder);
  const shownBase = shownFolder === '.' ? '' : shownFolder.endsWith('/') ? shownFolder : `${shownFolder}/`;
  for (const entry of entries) {
    const path = base + entry.name;
    let isDir = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      try {
        const target = await stat(path);
        isDir = target.isDirectory();
        isFile = target.isFile();
        const real = await realpath(path);
        if (!scan.inside.some((root) => isWithin(real, root))) {
          if (isDir || isDefinitionFile(entry.name)) problems.push(ioProblem(displayPath(cwd, path), OUTSIDE_MESSAGE));
          continue;
        }
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ELOOP') {
          problems.push(ioProblem(displayPath(cwd, path), 'symlink loop: the link points back to itself; remove or fix the link'));
          continue;
        }
        isFile = true; // a dangling link named *.yaml is reported when it cannot be read
      }
    }
    if (isDir) {
      let real: string;
      try {
        real = await realpath(path);
      } catch (error) {
        problems.push(ioProblem(displayPath(cwd, path), `cannot resolve the folder (${errorCode(error)})`));
        continue;
      }
      if (ancestors.includes(real)) {
        problems.push(ioProblem(displayPath(cwd, path), `symlink loop: the link points back to ${displayPath(cwd, real)}; remove or fix the link`));
        continue;
      }
      await walk(path, [...ancestors, real], scan);
    } else if (isFile && scan.notDefinition?.(shownBase + entry.name) === true) {
      scan.skipped.add(shownBase + entry.name);
    } else if (isFile && isDefinitionFile(entry.name)) {
      found.set(path, shownBase + entry.name);
    }
  }
}

/** Keeps the loader's file order and sorts each file's problems by position. */
function groupByFile(problems: Problem[]): Problem[] {
  const byFile = new Map<string, Problem[]>();
  for (const p of problems) {
    const list = byFile.get(p.file);
    if (list === undefined) byFile.set(p.file, [p]);
    else list.push(p);
  }
  return [...byFile.values()].flatMap(sortProblems);
}
