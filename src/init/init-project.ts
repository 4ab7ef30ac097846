import { lstat, mkdir, readdir, readFile, realpath, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { ConfigError, InternalError, UsageError } from '../errors.js';
import { buildSchemaPath, CONFIG_FILE, DEFAULT_DEFINITIONS_DIR, isDefinitionFile, loadConfig, PACKAGE_ROOT, parseConfig, parseDefinition, resolveFolderInsideRoot } from '../definitions/index.js';
import { isGitMissing, runGit } from '../util/index.js';
import { buildActionRef, parseActionRef, renderActionRef, type ActionRef } from './action-ref.js';
import { readPackageInfo } from './package-root.js';
import { EXAMPLE_KEY, renderExampleDefinition } from './render-example.js';
import { DEFAULT_FLAG_FILES, renderSettingsFile } from './render-settings.js';
import { renderPathFilters, renderWorkflows, WORKFLOW_NAMES } from './render-workflows.js';
import { findActionUses, readActionUses, retargetActionUses } from './workflow-action.js';
import { isWithin, toPosix } from '../util/index.js';

export interface InitOptions {
  /** where init runs; the project root is the git repository holding it, else cwd itself */
  cwd: string;
  /** environment for git (PATH, HOME); GIT_* variables are ignored */
  env: Record<string, string | undefined>;
  /** the definitions folder, relative to cwd (default: "dir" in an existing eppo-gitops.yaml, else experiments) */
  dir?: string;
  /**
   * replace workflows that differ from what init writes (init owns them
   * wholly); eppo-gitops.yaml and definitions are never replaced
   */
  force?: boolean;
  /**
   * OWNER/REPO@REF of the action the workflows use; existing workflows get
   * only their `uses:` lines of the action changed. Default: the reference
   * the existing workflows already use, else eppo-gitops's package.json.
   */
  action?: string;
  /** the example's assignments_start_date, YYYY-MM-DD (default: today, UTC) */
  today?: string;
  /** the running eppo-gitops package (tests point it elsewhere) */
  packageRoot?: string;
}

export type InitFileKind = 'example' | 'settings' | 'workflow';

/**
 * What happened to one file: `written` (new), `updated` (an existing workflow
 * given a new action reference, `note` says what changed), `overwritten`
 * (a workflow replaced with --force), `unchanged` (already what init
 * writes), `kept` (the user's settings or definition, never replaced) or
 * `skipped` (not written, `reason` says why).
 */
export type InitFileResult =
  | { path: string; kind: InitFileKind; action: 'written' | 'overwritten' | 'unchanged' }
  | { path: string; kind: InitFileKind; action: 'updated'; note: string }
  | { path: string; kind: InitFileKind; action: 'kept' | 'skipped'; reason: string };

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
  /** the flag file globs the workflows' path filters watch (from eppo-gitops.yaml, else init's suggestion) */
  flagFiles: string[];
  /** whether root/node_modules/eppo-gitops exists (the editor hints point there) */
  installed: boolean;
  /** every file init considered, in the order it wrote them; `path` is absolute */
  files: InitFileResult[];
}

const WORKFLOW_DIR = '.github/workflows';

/**
 * Sets up eppo-gitops in a team's repository: a commented example definition,
 * eppo-gitops.yaml with the defaults spelled out, and the plan, apply, drift
 * and outcomes workflows that run the published action. What init owns
 * wholly, the workflows, `force` replaces; eppo-gitops.yaml and definitions
 * belong to the team once they exist and are never replaced (reported as
 * kept). `action` retargets the existing workflows' action steps and nothing
 * else. A file identical to what init would write is left untouched, so a
 * second run changes nothing. The example is left out when the definitions
 * folder already holds definitions. Refuses a `dir` that differs from the one
 * in an existing eppo-gitops.yaml, which init would not change. Every file is
 * checked (definition and settings against the same schema and rules as
 * `validate`) before anything is written.
 */
export async function initProject(options: InitOptions): Promise<InitResult> {
  const cwd = await realpath(options.cwd).catch(() => {
    throw new ConfigError(`the folder ${options.cwd} does not exist; run init inside the repository to set up`);
  });
  const env = options.env;
  const top = await gitOutput(['rev-parse', '--show-toplevel'], cwd, env);
  const gitRepository = top !== undefined && top !== '';
  const root = gitRepository ? await realpath(top) : cwd;
  const where = { cwd, root, gitRepository };

  const settingsPath = join(root, CONFIG_FILE);
  const settings = await loadConfig(root);
  const broken = settings.problems.find((p) => p.severity === 'error');
  if (broken !== undefined) {
    throw new ConfigError(`${CONFIG_FILE}:${broken.line}:${broken.col}: ${broken.message}; init reads its "dir" and "flags", so fix it first (eppo-gitops validate lists every problem)`);
  }
  const dir = await definitionsFolder(options.dir, settings.config.dir, where);
  if (options.dir !== undefined && (await inspect(settingsPath, root)).state !== 'absent') {
    const current = await definitionsFolder(undefined, settings.config.dir, where);
    if (current !== dir) {
      const says = settings.config.dir === undefined ? 'sets no "dir", so the definitions folder is experiments/' : `says "dir: ${settings.config.dir}"`;
      throw new UsageError(
        `--dir ${options.dir} is ${dir}/, but ${CONFIG_FILE} ${says}, and init never changes ${CONFIG_FILE}: ` +
          `to move the definitions, set "dir: ${dir}" there (and move the files), then run init again; or run init without --dir`,
      );
    }
  }
  const branch = gitRepository ? await defaultBranch(root, env) : 'main';
  const packageRoot = options.packageRoot ?? PACKAGE_ROOT;
  const workflowPath = (name: string) => join(root, ...WORKFLOW_DIR.split('/'), name);

  // The action: --action, else what init's workflows here already run (a pinned SHA stays pinned), else the package's.
  const given = options.action === undefined ? undefined : parseActionRef(options.action);
  const packaged = await readPackageInfo(packageRoot).then(buildActionRef, (error: unknown) => {
    if (given !== undefined) return undefined;
    throw error;
  });
  const repos = [...new Set([packaged?.repo, given?.repo].filter((r): r is string => r !== undefined))];
  const existing = new Map<string, string>();
  for (const name of WORKFLOW_NAMES) {
    const found = await inspect(workflowPath(name), root);
    if (found.state === 'file') existing.set(name, found.text);
  }
  const inUse = [...new Set([...existing.values()].flatMap((text) => findActionUses(text, repos)))];
  const action = given ?? (inUse.length === 1 ? readActionUses(inUse[0]!) : undefined) ?? packaged!;

  const flagFiles = settings.config.flags?.files ?? [...DEFAULT_FLAG_FILES];
  const workflows = (ref: ActionRef, globs: readonly string[] = flagFiles) => renderWorkflows({ action: ref, dir, branch, flagFiles: globs });
  const examplePath = join(root, ...dir.split('/'), `${EXAMPLE_KEY}.yaml`);
  const example = (startDate: string) =>
    renderExampleDefinition({
      schemaPath: buildSchemaPath({ file: examplePath, root, packageRoot }),
      startDate,
      formatDocs: `https://github.com/${action.owner}/${action.repo}/blob/${action.ref}/docs/format.md`,
    });
  const exampleText = example(options.today ?? new Date().toISOString().slice(0, 10));
  const settingsText = renderSettingsFile({ dir, schemaPath: buildSchemaPath({ file: settingsPath, root, packageRoot, schema: 'config' }) });
  checkOwnOutput(exampleText, `${dir}/${EXAMPLE_KEY}.yaml`, settingsText);

  const others = await otherDefinitions(join(root, ...dir.split('/')), examplePath);
  const files: InitFileResult[] = [];
  if (others > 0 && (await inspect(examplePath, root)).state === 'absent') {
    files.push({ path: examplePath, kind: 'example', action: 'skipped', reason: `${dir}/ already holds ${others} definition file${others === 1 ? '' : 's'}` });
  } else {
    files.push(
      await place({ path: examplePath, kind: 'example', text: exampleText }, root, (current) => {
        // An example left as init wrote it, on another day, is still init's example.
        const date = /^assignments_start_date: (\d{4}-\d{2}-\d{2}) /m.exec(current)?.[1];
        if (date !== undefined && current === example(date)) return { action: 'unchanged' };
        return { action: 'kept', reason: 'a definition, never replaced by init (edit it, or delete it and run init again)' };
      }),
    );
  }
  files.push(
    await place({ path: settingsPath, kind: 'settings', text: settingsText }, root, () => ({
      action: 'kept',
      // No schema line to point at in a file of the user's own: name the schema itself.
      reason: "your settings, never replaced by init (every setting is described in eppo-gitops's schemas/config.schema.json; eppo-gitops validate checks them)",
    })),
  );
  for (const { name, text } of workflows(action)) {
    files.push(await place({ path: workflowPath(name), kind: 'workflow', text }, root, (current) => decideWorkflow(current, name, text)));
  }
  const installed = await lstat(join(root, 'node_modules', 'eppo-gitops', 'package.json')).then(
    () => true,
    () => false,
  );
  return { root, gitRepository, dir, branch, action: renderActionRef(action), flagFiles: [...flagFiles], installed, files };

  /** What to do with a workflow that exists and differs from `text`. */
  function decideWorkflow(current: string, name: string, text: string): Decision {
    const uses = findActionUses(current, repos);
    const before = uses.length === 1 ? readActionUses(uses[0]!) : undefined;
    const initWrote = (ref: ActionRef, globs?: readonly string[]) => workflows(ref, globs).find((w) => w.name === name)?.text;
    const retarget = given !== undefined && before !== undefined && renderActionRef(before) !== renderActionRef(given) ? `the action ${uses[0]} → ${renderActionRef(given)}` : undefined;
    // Still exactly what init wrote for the old reference: the new one, header link included.
    if (retarget !== undefined && current === initWrote(before!)) return { action: 'updated', text, note: retarget };
    // Exactly what init wrote while eppo-gitops.yaml named no flag files: only the settings changed, so it is still init's.
    if (settings.config.flags !== undefined && current === initWrote(before ?? action, DEFAULT_FLAG_FILES)) {
      const filters = `its path filters, written for the flag files init suggests (${DEFAULT_FLAG_FILES.join(', ')}), now follow flags.files in ${CONFIG_FILE}`;
      return { action: 'updated', text, note: retarget === undefined ? filters : `${filters}; ${retarget}` };
    }
    if (options.force === true) return { action: 'overwritten', text };
    if (given !== undefined && uses.length > 0) {
      const retargeted = retargetActionUses(current, repos, given);
      if (retargeted !== current) {
        return { action: 'updated', text: retargeted, note: `only its uses: lines, ${uses.join(', ')} → ${renderActionRef(given)}; the rest stays as you changed it` };
      }
    }
    // Filters init wrote for earlier settings cannot be told from filters edited by hand: kept, with the reason.
    if (withPathFilters(current, renderPathFilters({ dir, flagFiles })) === initWrote(before ?? action)) {
      return {
        action: 'skipped',
        reason: `differs from what init writes only in its path filters, which follow dir and flags.files in ${CONFIG_FILE}: the settings changed since init wrote it, or the filters were edited; --force writes the filters of the current settings`,
      };
    }
    return { action: 'skipped', reason: 'exists and differs; --force replaces it' };
  }
}

/** `text` with the items of each `paths:` filter of its triggers replaced by `filters`, written as init writes them. */
function withPathFilters(text: string, filters: readonly string[]): string {
  const items = filters.map((f) => `      - '${f.replace(/'/g, "''")}'\n`).join('');
  return text.replace(/^( {4}paths:\r?\n)(?: {6}- .*\r?\n)+/gm, (_, head: string) => head + items);
}

/** The definitions folder relative to root, checked: inside root, below it, and made of safe names. */
async function definitionsFolder(
  flag: string | undefined,
  fromSettings: string | undefined,
  where: { cwd: string; root: string; gitRepository: boolean },
): Promise<string> {
  const source = flag !== undefined ? `--dir ${flag}` : fromSettings !== undefined ? `"dir: ${fromSettings}" in ${CONFIG_FILE}` : 'experiments';
  const folder = await resolveFolderInsideRoot({
    given: flag ?? fromSettings ?? DEFAULT_DEFINITIONS_DIR,
    base: flag !== undefined ? where.cwd : where.root,
    root: where.root,
    source,
    scope: where.gitRepository ? `the repository ${where.root}` : `${where.root} (not a git repository, so init stays inside the folder it runs in)`,
    writer: 'init',
  });
  if (folder.ok) return folder.dir;
  throw flag !== undefined ? new UsageError(folder.message) : new ConfigError(folder.message);
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

/** What to do with a file that exists and differs from what init would write. */
type Decision =
  | { action: 'overwritten'; text: string }
  | { action: 'updated'; text: string; note: string }
  | { action: 'unchanged' }
  | { action: 'kept' | 'skipped'; reason: string };

type Found = { state: 'absent' } | { state: 'file'; text: string } | { state: 'other'; reason: string };

/** What stands at `path`: nothing, a regular file (its text), or something init never touches. */
async function inspect(path: string, root: string): Promise<Found> {
  const info = await lstat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw new ConfigError(`cannot look at ${shownPath(root, path)} (${error.code ?? String(error)}); check the folder's permissions`);
  });
  if (info === undefined) return { state: 'absent' };
  if (info.isSymbolicLink()) return { state: 'other', reason: 'a symbolic link, not followed' };
  if (!info.isFile()) return { state: 'other', reason: 'not a regular file' };
  return { state: 'file', text: await readFile(path, 'utf8') };
}

/**
 * Writes one file. A missing file is `written`; one identical to `text` is
 * `unchanged`; for any other, `decide` says what happens (nothing is ever
 * written through a link, nor into a folder that is a link out of the project).
 */
async function place(
  file: { path: string; kind: InitFileKind; text: string },
  root: string,
  decide: (current: string) => Decision,
): Promise<InitFileResult> {
  const { path, kind } = file;
  const found = await inspect(path, root);
  if (found.state === 'other') return { path, kind, action: 'skipped', reason: found.reason };
  let text = file.text;
  let done: InitFileResult = { path, kind, action: 'written' };
  if (found.state === 'file') {
    if (found.text === text) return { path, kind, action: 'unchanged' };
    const decision = decide(found.text);
    if (decision.action === 'unchanged') return { path, kind, action: 'unchanged' };
    if ('reason' in decision) return { path, kind, action: decision.action, reason: decision.reason };
    text = decision.text;
    done = decision.action === 'updated' ? { path, kind, action: 'updated', note: decision.note } : { path, kind, action: 'overwritten' };
  }
  try {
    await mkdir(dirname(path), { recursive: true });
    // A folder on the way may be a link; never write through one that leaves the project.
    if (!isWithin(await realpath(dirname(path)), root)) {
      return { path, kind, action: 'skipped', reason: 'its folder is a link that leads outside the project, not followed' };
    }
    await writeFile(path, text, { flag: found.state === 'absent' ? 'wx' : 'w' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    if (code === 'EEXIST') return { path, kind, action: 'skipped', reason: 'appeared while init ran; run init again' };
    throw new ConfigError(`cannot write ${shownPath(root, path)} (${code}); check that the folder is writable`);
  }
  return done;
}

function shownPath(root: string, path: string): string {
  return toPosix(relative(root, path));
}

/** init's own files must pass validate; anything else is a bug in the templates. */
function checkOwnOutput(example: string, exampleFile: string, settings: string): void {
  const problems = [...parseDefinition(exampleFile, example).problems, ...parseConfig(settings).problems];
  if (problems.length > 0) {
    throw new InternalError(`init's own files do not validate: ${problems.map((p) => `${p.file}:${p.line}:${p.col} ${p.message} [${p.rule}]`).join('; ')}`);
  }
}

/** origin's default branch, else the branch checked out, else main. */
async function defaultBranch(root: string, env: Record<string, string | undefined>): Promise<string> {
  const remote = await gitOutput(['symbolic-ref', '--quiet', '--short', 'refs/remotes/origin/HEAD'], root, env);
  if (remote !== undefined && remote.startsWith('origin/') && remote.length > 'origin/'.length) return remote.slice('origin/'.length);
  const current = await gitOutput(['symbolic-ref', '--quiet', '--short', 'HEAD'], root, env);
  return current !== undefined && current !== '' ? current : 'main';
}

/**
 * stdout of a git command, trimmed; undefined when git answers no (outside a
 * repository, no origin/HEAD) or is not installed: init works without git.
 */
async function gitOutput(args: string[], cwd: string, env: Record<string, string | undefined>): Promise<string | undefined> {
  try {
    const run = await runGit(args, { cwd, env, allowFail: true });
    return run.code === 0 ? run.stdout.toString('utf8').trim() : undefined;
  } catch (error) {
    if (isGitMissing(error)) return undefined;
    throw error;
  }
}
