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
  for (const file of result.files) {
    if (file.action === 'skipped') lines.push(`  - skipped     ${show(file.path)}: ${file.reason}`);
    else lines.push(`  ${file.action === 'unchanged' ? '=' : '+'} ${file.action.padEnd(11)} ${show(file.path)}`);
  }
  const count = (action: string) => result.files.filter((f) => f.action === action).length;
  lines.push(`Init: ${count('written')} written, ${count('overwritten')} overwritten, ${count('unchanged')} unchanged, ${count('skipped')} skipped.`);
  if (!result.gitRepository) {
    lines.push(
      '',
      `note: ${result.root} is not a git repository. The files are written all the same; the workflows run once the folder is a`,
      '      repository on GitHub (git init, commit, push), and --dir must stay inside this folder.',
    );
  }

  const example = result.files.find((f) => f.kind === 'example');
  const exampleWritten = example !== undefined && example.action !== 'skipped';
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
      '     so eppo-outcomes.yml can open outcome pull requests.',
  );
  const first = exampleWritten
    ? `Change ${show(example.path)} to the entity, assignment source and metrics of your Eppo workspace (or replace it with your own experiment), commit, and open a pull request`
    : 'Commit these files and open a pull request';
  steps.push(
    `${first}: eppo-plan.yml posts the first plan as a comment.\n` +
      `     Merging applies it: eppo-apply.yml runs on pushes to ${result.branch} that change ${result.dir}/.`,
  );
  lines.push('', 'Next steps:', ...steps.map((s, i) => `  ${i + 1}. ${s}`));
  lines.push(`The workflows use ${result.action}; to pin a release commit SHA instead, run init again with --force --action OWNER/REPO@SHA.`);
  return `${lines.join('\n')}\n`;
}
