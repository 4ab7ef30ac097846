import { execFile } from 'node:child_process';
import { lstat, mkdir, readdir, readFile, realpath, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { ConfigError, InternalError, UsageError } from '../errors.js';
import { buildSchemaPath, CONFIG_FILE, DEFAULT_DEFINITIONS_DIR, isDefinitionFile, loadConfig, PACKAGE_ROOT, parseConfig, parseDefinition } from '../definitions/index.js';
import { buildActionRef, parseActionRef, renderActionRef } from './action-ref.js';
import { readPackageInfo } from './package-root.js';
import { EXAMPLE_KEY, renderExampleDefinition } from './render-example.js';
import { renderSettingsFile } from './render-settings.js';
import { renderWorkflows } from './render-workflows.js';
import { isWithin, toPosix } from '../util/index.js';

export interface InitOptions {
  /** where init runs; the project root is the git repository holding it, else cwd itself */
  cwd: string;
  /** environment for git (PATH, HOME); GIT_* variables are ignored */
  env: Record<string, string | undefined>;
  /** the definitions folder, relative to cwd (default: "dir" in an existing eppo-gitops.yaml, else experiments) */
  dir?: string;
  /** overwrite files that differ from what init would write */
  force?: boolean;
  /** OWNER/REPO@REF of the action the workflows use (default: from eppo-gitops's package.json) */
  action?: string;
  /** the example's assignments_start_date, YYYY-MM-DD (default: today, UTC) */
  today?: string;
  /** the running eppo-gitops package (tests point it elsewhere) */
  packageRoot?: string;
}

export type InitFileKind = 'example' | 'settings' | 'workflow';

/** What happened to one file. */
export type InitFileResult =
  | { path: string; kind: InitFileKind; action: 'written' | 'overwritten' | 'unchanged' }
  | { path: string; kind: InitFileKind; action: 'skipped'; reason: string };

export interface InitResult {
  /** the project root (absolute): the git repository's top level, or cwd outside git */
  root: string;
  gitRepository: boolean;
  /** the definitions folder, relative to root (POSIX separators) */
  dir: string;
  /** the branch the apply workflow runs on */
  branch: string;
  /** `owner/repo@ref` the workflows use */
  action: string;
  /** whether root/node_modules/eppo-gitops exists (the editor hints point there) */
  installed: boolean;
  /** every file init considered, in the order it wrote them; `path` is absolute */
  files: InitFileResult[];
}

const WORKFLOW_DIR = '.github/workflows';
/** Path segments a definitions folder may consist of: safe in a workflow's path filter and a YAML scalar. */
const SAFE_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const RESERVED = new Set(['.git', '.github', 'node_modules', '.eppo-local']);

/**
 * Sets up eppo-gitops in a team's repository: a commented example definition,
 * eppo-gitops.yaml with the defaults spelled out, and the plan, apply, drift
 * and outcomes workflows that run the published action. Never overwrites a
 * file unless `force`; a file identical to what it would write is left
 * untouched, so a second run changes nothing. The example is left out when the
 * definitions folder already holds definitions. Every file is checked
 * (definition and settings against the same schema and rules as `validate`)
 * before anything is written.
 */
export async function initProject(options: InitOptions): Promise<InitResult> {
  const cwd = await realpath(options.cwd).catch(() => {
    throw new ConfigError(`the folder ${options.cwd} does not exist; run init inside the repository to set up`);
  });
  const env = gitEnv(options.env);
  const top = await gitOutput(['rev-parse', '--show-toplevel'], cwd, env);
  const gitRepository = top !== undefined && top !== '';
  const root = gitRepository ? await realpath(top) : cwd;

  const settings = await loadConfig(root);
  const dir = await definitionsFolder(options.dir, settings.config.dir, { cwd, root, gitRepository });
  const branch = gitRepository ? await defaultBranch(root, env) : 'main';
  const packageRoot = options.packageRoot ?? PACKAGE_ROOT;
  const action = options.action === undefined ? buildActionRef(await readPackageInfo(packageRoot)) : parseActionRef(options.action);

  const examplePath = join(root, ...dir.split('/'), `${EXAMPLE_KEY}.yaml`);
  const settingsPath = join(root, CONFIG_FILE);
  const planned: Array<{ path: string; kind: InitFileKind; text: string }> = [
    {
      path: examplePath,
      kind: 'example',
      text: renderExampleDefinition({
        schemaPath: buildSchemaPath({ file: examplePath, root, packageRoot }),
        startDate: options.today ?? new Date().toISOString().slice(0, 10),
        formatDocs: `https://github.com/${action.owner}/${action.repo}/blob/${action.ref}/docs/format.md`,
      }),
    },
    {
      path: settingsPath,
      kind: 'settings',
      text: renderSettingsFile({ dir, schemaPath: buildSchemaPath({ file: settingsPath, root, packageRoot, schema: 'config' }) }),
    },
    ...renderWorkflows({ action, dir, branch }).map((w) => ({ path: join(root, ...WORKFLOW_DIR.split('/'), w.name), kind: 'workflow' as const, text: w.text })),
  ];
  checkOwnOutput(planned[0]!.text, `${dir}/${EXAMPLE_KEY}.yaml`, planned[1]!.text);

  const others = await otherDefinitions(join(root, ...dir.split('/')), examplePath);
  const files: InitFileResult[] = [];
  for (const file of planned) {
    if (file.kind === 'example' && others > 0) {
      files.push({ path: file.path, kind: file.kind, action: 'skipped', reason: `${dir}/ already holds ${others} definition file${others === 1 ? '' : 's'}` });
      continue;
    }
    files.push(await place(file, root, options.force === true));
  }
  const installed = await lstat(join(root, 'node_modules', 'eppo-gitops', 'package.json')).then(
    () => true,
    () => false,
  );
  return { root, gitRepository, dir, branch, action: renderActionRef(action), installed, files };
}

/** The definitions folder relative to root, checked: inside root, below it, and made of safe names. */
async function definitionsFolder(
  flag: string | undefined,
  fromSettings: string | undefined,
  where: { cwd: string; root: string; gitRepository: boolean },
): Promise<string> {
  const given = flag ?? fromSettings ?? DEFAULT_DEFINITIONS_DIR;
  const source = flag !== undefined ? `--dir ${flag}` : fromSettings !== undefined ? `"dir: ${fromSettings}" in ${CONFIG_FILE}` : 'experiments';
  const fail = (message: string) => (flag !== undefined ? new UsageError(message) : new ConfigError(message));
  if (given.trim() === '') throw fail(`${source} is empty; name the definitions folder, e.g. --dir experiments`);
  const absolute = resolve(flag !== undefined ? where.cwd : where.root, given);
  const real = await realpathOfNearest(absolute);
  const scope = where.gitRepository ? `the repository ${where.root}` : `${where.root} (not a git repository, so init stays inside the folder it runs in)`;
  if (!isWithin(real, where.root)) {
    throw fail(`${source} resolves to ${real}, outside ${scope}; init writes only inside it`);
  }
  const rel = toPosix(relative(where.root, real));
  if (rel === '') throw fail(`${source} is the project root itself; definitions need a folder of their own, e.g. --dir experiments`);
  const segments = rel.split('/');
  const bad = segments.find((s) => !SAFE_SEGMENT.test(s));
  if (bad !== undefined) {
    throw fail(`${source}: the folder name "${bad}" may hold only letters, digits, ".", "_" and "-" (and not start with "." or "-"), so it is safe in a workflow's path filter`);
  }
  if (RESERVED.has(segments[0]!)) throw fail(`${source} is inside ${segments[0]}/, which is not a place for definitions; pick another folder`);
  return rel;
}

/** realpath of the longest existing prefix of `path`, with the rest appended (symlinks on the way count). */
async function realpathOfNearest(path: string): Promise<string> {
  const rest: string[] = [];
  let current = path;
  for (;;) {
    try {
      return join(await realpath(current), ...rest.reverse());
    } catch {
      const parent = dirname(current);
      if (parent === current) return path;
      rest.push(basename(current));
      current = parent;
    }
  }
}

/** How many definition files the folder holds besides the example. */
async function otherDefinitions(folder: string, example: string): Promise<number> {
  try {
    const entries = await readdir(folder, { recursive: true, withFileTypes: true });
    return entries.filter((e) => e.isFile() && isDefinitionFile(e.name) && join(e.parentPath, e.name) !== example).length;
  } catch {
    return 0;
  }
}

/** Writes one file unless it exists: identical is `unchanged`, different is `skipped` (or `overwritten` with force). */
async function place(file: { path: string; kind: InitFileKind; text: string }, root: string, force: boolean): Promise<InitFileResult> {
  const { path, kind, text } = file;
  const shown = toPosix(relative(root, path));
  const info = await lstat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw new ConfigError(`cannot look at ${shown} (${error.code ?? String(error)}); check the folder's permissions`);
  });
  if (info !== undefined) {
    if (info.isSymbolicLink()) return { path, kind, action: 'skipped', reason: 'a symbolic link, not followed' };
    if (!info.isFile()) return { path, kind, action: 'skipped', reason: 'not a regular file' };
    const current = await readFile(path, 'utf8');
    if (current === text) return { path, kind, action: 'unchanged' };
    if (!force) return { path, kind, action: 'skipped', reason: 'exists and differs; --force overwrites it' };
  }
  try {
    await mkdir(dirname(path), { recursive: true });
    // A folder on the way may be a link; never write through one that leaves the project.
    if (!isWithin(await realpath(dirname(path)), root)) {
      return { path, kind, action: 'skipped', reason: 'its folder is a link that leads outside the project, not followed' };
    }
    await writeFile(path, text, { flag: info === undefined ? 'wx' : 'w' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    if (code === 'EEXIST') return { path, kind, action: 'skipped', reason: 'appeared while init ran; run init again' };
    throw new ConfigError(`cannot write ${shown} (${code}); check that the folder is writable`);
  }
  return { path, kind, action: info === undefined ? 'written' : 'overwritten' };
}

/** init's own files must pass validate; anything else is a bug in the templates. */
function checkOwnOutput(example: string, exampleFile: string, settings: string): void {
  const problems = [...parseDefinition(exampleFile, example).problems, ...parseConfig(settings).problems];
  if (problems.length > 0) {
    throw new InternalError(`init's own files do not validate: ${problems.map((p) => `${p.file}:${p.line}:${p.col} ${p.message} [${p.rule}]`).join('; ')}`);
  }
}

/** origin's default branch, else the branch checked out, else main. */
async function defaultBranch(root: string, env: Record<string, string>): Promise<string> {
  const remote = await gitOutput(['symbolic-ref', '--quiet', '--short', 'refs/remotes/origin/HEAD'], root, env);
  if (remote !== undefined && remote.startsWith('origin/') && remote.length > 'origin/'.length) return remote.slice('origin/'.length);
  const current = await gitOutput(['symbolic-ref', '--quiet', '--short', 'HEAD'], root, env);
  return current !== undefined && current !== '' ? current : 'main';
}

/** stdout of a git command, trimmed; undefined when it fails or git is not installed. */
function gitOutput(args: string[], cwd: string, env: Record<string, string>): Promise<string | undefined> {
  return new Promise((done) => {
    execFile('git', args, { cwd, env, encoding: 'utf8' }, (error, stdout) => done(error ? undefined : stdout.trim()));
  });
}

function gitEnv(env: Record<string, string | undefined>): Record<string, string> {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && !k.startsWith('GIT_')) clean[k] = v;
  clean.GIT_TERMINAL_PROMPT = '0';
  return clean;
}

