// Runs on `npm ci` / `npm install` in this repository (the postprepare
// lifecycle) and before `npm pack`: builds dist/ unless the checkout already
// holds a built one that belongs to it.
//
// A release commit (release.yml) has dist/ committed. Installing it from git,
// as pre-commit does (`npm install -g --install-links git+https://…@vX.Y.Z`),
// runs this in a temporary clone where the compiler is not reachable (a
// global install puts the dev dependencies elsewhere): building there fails,
// and is not needed. A development checkout has dist/ untracked (git-ignored),
// possibly stale, so it is always rebuilt, as `npm ci` always did.
//
// The lifecycle is postprepare, not prepare: npm (11) lists `prepare` of a
// package installed from git or a tarball as an install script to approve,
// and runs it; postprepare it runs only for the project itself.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const built = resolve(root, 'dist', 'cli', 'bin.js');

/** true when dist/cli/bin.js is committed in the git repository whose top is this package; undefined without one. */
function committed() {
  try {
    const top = execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (realpathSync(top) !== realpathSync(root)) return undefined;
    return execFileSync('git', ['ls-files', '--', 'dist/cli/bin.js'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== '';
  } catch {
    return undefined;
  }
}

if (existsSync(built) && committed() !== false) {
  console.log('eppo-gitops: dist/ is already built (a release commit); not building it again');
} else {
  const npm = process.env.npm_execpath;
  const run = npm !== undefined && npm.endsWith('.js') ? [process.execPath, [npm, 'run', 'build']] : ['npm', ['run', 'build']];
  const result = spawnSync(run[0], run[1], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' && run[0] === 'npm' });
  process.exitCode = result.status ?? 1;
}
