import { basename } from 'node:path';
import type { InitResult } from './init-project.js';
import { displayPath } from '../util/index.js';

/**
 * What init did, file by file, and the next steps: the secrets to add and the
 * first plan. Paths are shown relative to `cwd`. Pure.
 */
export function renderInitReport(result: InitResult, cwd: string): string {
  const show = (path: string) => displayPath(cwd, path);
  const lines: string[] = [];
  lines.push(`eppo-gitops init in ${result.root}${result.gitRepository ? '' : ' (not a git repository)'}`);
  const marks = { written: '+', updated: '~', overwritten: '+', unchanged: '=', kept: '=', skipped: '-' } as const;
  for (const file of result.files) {
    const detail = file.action === 'updated' ? `: ${file.note}` : file.action === 'kept' || file.action === 'skipped' ? `: ${file.reason}` : '';
    lines.push(`  ${marks[file.action]} ${file.action.padEnd(11)} ${show(file.path)}${detail}`);
  }
  const count = (action: keyof typeof marks) => `${result.files.filter((f) => f.action === action).length} ${action}`;
  lines.push(`Init: ${(['written', 'updated', 'overwritten', 'unchanged', 'kept', 'skipped'] as const).map(count).join(', ')}.`);
  if (!result.gitRepository) {
    lines.push(
      '',
      `note: ${result.root} is not a git repository. The files are written all the same; the workflows run once the folder is a`,
      '      repository on GitHub (git init, commit, push), and --dir must stay inside this folder.',
    );
  }

  const example = result.files.find((f) => f.kind === 'example');
  const exampleWritten = example !== undefined && example.action !== 'skipped';
  // A workflow skipped (the team's own file of that name, a link) runs nothing of init's: say nothing it would do.
  const ours = (name: string) => result.files.some((f) => f.kind === 'workflow' && basename(f.path) === name && f.action !== 'skipped');
  const notOurs = (name: string, does: string) =>
    `${name} was skipped, so ${does} until a workflow of yours does it (docs/ci.md shows the steps; init --force replaces the file with init's)`;
  const steps: string[] = [];
  const rootShown = show(result.root);
  if (rootShown !== '.') steps.push(`Run the commands below in ${result.root}:\n       cd ${rootShown}`);
  if (!result.installed) {
    steps.push('Install eppo-gitops in the project, so everyone runs the same version and editors find the schemas:\n       npm i -D eppo-gitops');
  }
  steps.push(`Try it offline, on the embedded Eppo emulator:\n       npx eppo-gitops validate\n       npx eppo-gitops plan --local`);
  steps.push(
    'Add the repository secrets (Settings → Secrets and variables → Actions):\n' +
      '       EPPO_API_KEY          an Eppo API key with Experiments read/write\n' +
      '       EPPO_WEBHOOK_SECRET   optional: the secret of your Eppo webhook, so relayed webhooks are checked too\n' +
      '     and tick "Allow GitHub Actions to create and approve pull requests" (Settings → Actions → General)\n' +
      `     so ${ours('eppo-outcomes.yml') ? 'eppo-outcomes.yml' : 'a workflow'} can open outcome pull requests.`,
  );
  const first = exampleWritten
    ? `Change ${show(example.path)} to the entity, assignment source and metrics of your Eppo workspace (or replace it with your own experiment), commit, and open a pull request`
    : 'Commit these files and open a pull request';
  const plan = ours('eppo-plan.yml') ? `${first}: eppo-plan.yml posts the first plan as a comment.` : `${first}. ${notOurs('eppo-plan.yml', 'nothing validates it or posts a plan')}.`;
  const flags = result.flagFiles.length === 0 ? '' : `, the flag files (${result.flagFiles.join(', ')})`;
  const apply = ours('eppo-apply.yml')
    ? `Merging applies it: eppo-apply.yml runs on pushes to ${result.branch} that change ${result.dir}/${flags} or eppo-gitops.yaml.`
    : `${notOurs('eppo-apply.yml', 'merging applies nothing')}.`;
  steps.push(`${plan}\n     ${apply}`);
  lines.push('', 'Next steps:', ...steps.map((s, i) => `  ${i + 1}. ${s}`));
  const pinned = /^[0-9a-f]{40}$/.test(result.action.slice(result.action.indexOf('@') + 1));
  lines.push(
    pinned
      ? `The workflows use ${result.action}, a commit SHA; init --action OWNER/REPO@REF changes it (only their uses: lines).`
      : `The workflows use ${result.action}; to pin a release commit SHA instead, run init again with --action OWNER/REPO@SHA (it rewrites only their uses: lines).`,
  );
  return `${lines.join('\n')}\n`;
}
