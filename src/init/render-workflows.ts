import { expandBraces } from '../flags/index.js';
import { CONFIG_FILE } from '../definitions/index.js';
import { renderActionRef, type ActionRef } from './action-ref.js';

export interface WorkflowOptions {
  /** the eppo-gitops composite action */
  action: ActionRef;
  /** the definitions folder, relative to the repository root (POSIX separators) */
  dir: string;
  /** the branch merges land on (apply runs there) */
  branch: string;
  /**
   * globs of the flag files (`flags.files` of eppo-gitops.yaml, relative to the
   * repository root): a change to a flag file is validated like a definition
   */
  flagFiles: readonly string[];
}

export interface WorkflowFile {
  /** file name in .github/workflows/ */
  name: string;
  text: string;
}

/**
 * Third-party actions, pinned to a full commit SHA with the version in a
 * comment. The same pins as this repository's own workflows (a test keeps
 * them in step).
 */
export const PINNED_ACTIONS = {
  checkout: 'actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2',
  uploadArtifact: 'actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02 # v4.6.2',
} as const;

/**
 * The four workflows of a team's repository: plan on pull requests, apply on
 * merge, a daily drift check and outcome pull requests. Each runs the
 * published composite action (no npm install of its own), starts from
 * `permissions: {}` and grants each job only the scopes it needs. Pure.
 */
export function renderWorkflows(options: WorkflowOptions): WorkflowFile[] {
  const uses = renderActionRef(options.action);
  const docs = `https://github.com/${options.action.owner}/${options.action.repo}/blob/${options.action.ref}/docs/ci.md`;
  const paths = renderPathFilters(options).map((p) => `      - ${quote(p)}`).join('\n');
  const checkout = `      - uses: ${PINNED_ACTIONS.checkout}
        with:
          persist-credentials: false`;
  const header = (what: string) => `# ${what}
# Written by "eppo-gitops init"; runs the eppo-gitops action, which sets up
# Node.js and eppo-gitops itself. How it works and how to pin a version:
# ${docs}`;

  const plan = `${header(`On every pull request that changes the definitions, the flag files or the
# settings: validate them (problems show on the changed lines), then post the
# plan as one comment that is edited in place on every push, write it to the
# job summary and keep the saved plan.`)}
name: eppo plan

on:
  pull_request:
    paths:
${paths}

permissions: {}

concurrency:
  group: eppo-plan-\${{ github.event.pull_request.number }}
  cancel-in-progress: true

jobs:
  validate:
    name: validate definitions
    runs-on: ubuntu-latest
    timeout-minutes: 10
    permissions:
      contents: read
    steps:
${checkout}
      - name: Validate
        uses: ${uses}
        with:
          command: validate
          args: --format github

  plan:
    name: plan against Eppo
    needs: validate
    # Pull requests from forks get neither secrets nor a writable token; they are validated only.
    if: github.event.pull_request.head.repo.full_name == github.repository
    runs-on: ubuntu-latest
    timeout-minutes: 15
    permissions:
      contents: read
      pull-requests: write
    steps:
${checkout}
      - name: Plan
        uses: ${uses}
        env:
          EPPO_API_KEY: \${{ secrets.EPPO_API_KEY }}
          GITHUB_TOKEN: \${{ secrets.GITHUB_TOKEN }}
        with:
          command: plan
          args: --out plan.json --github-comment --github-summary
      - name: Keep the saved plan
        uses: ${PINNED_ACTIONS.uploadArtifact}
        with:
          name: eppo-plan-pr-\${{ github.event.pull_request.number }}
          path: plan.json
          if-no-files-found: error
          retention-days: 30
`;

  const apply = `${header(`On every push to the default branch that changes the definitions, the flag
# files or the settings: plan and apply. The concurrency group queues applies instead of overlapping them; a
# newer push may replace a queued one, which is safe because every apply plans
# from the commit it runs on.`)}
name: eppo apply

on:
  push:
    branches: [${quote(options.branch)}]
    paths:
${paths}
  workflow_dispatch:

permissions: {}

concurrency:
  group: eppo-apply
  cancel-in-progress: false

jobs:
  apply:
    name: apply to Eppo
    # A manual run from another branch must not apply that branch's definitions.
    if: github.ref == format('refs/heads/{0}', github.event.repository.default_branch)
    runs-on: ubuntu-latest
    timeout-minutes: 30
    permissions:
      contents: read
    steps:
${checkout}
      - name: Apply
        uses: ${uses}
        env:
          EPPO_API_KEY: \${{ secrets.EPPO_API_KEY }}
        with:
          command: apply
          args: --yes --github-summary
`;

  const drift = `${header(`Daily: compare git with Eppo. Drift (someone changed an experiment in the
# Eppo UI) opens or updates one issue labelled eppo-drift; when git and Eppo
# agree again that issue is closed. The job fails only on errors.`)}
name: eppo drift

on:
  schedule:
    - cron: '23 6 * * *'
  workflow_dispatch:

permissions: {}

concurrency:
  group: eppo-drift
  cancel-in-progress: false

jobs:
  drift:
    name: detect drift
    if: github.ref == format('refs/heads/{0}', github.event.repository.default_branch)
    runs-on: ubuntu-latest
    timeout-minutes: 15
    permissions:
      contents: read
      issues: write
    steps:
${checkout}
      - name: Plan (exit code 2 means drift)
        id: plan
        uses: ${uses}
        env:
          EPPO_API_KEY: \${{ secrets.EPPO_API_KEY }}
          GITHUB_TOKEN: \${{ secrets.GITHUB_TOKEN }}
        with:
          command: plan
          args: --detailed-exitcode --github-drift-issue --github-summary
          ok-exit-codes: '0 2'
      - name: Warn about drift
        if: steps.plan.outputs.exit-code == '2'
        run: echo "::warning title=Eppo drift::Eppo differs from git; see the open eppo-drift issue"
`;

  const outcomes = `${header(`Record experiment outcomes back in git as pull requests, one branch and one
# pull request per experiment:
# - repository_dispatch "eppo-webhook", sent by a relay when Eppo reports a
#   concluded experiment (only the experiment id is taken from the payload);
# - a schedule running "outcomes sync", which catches anything a webhook missed.
# Needs "Allow GitHub Actions to create and approve pull requests" (Settings,
# Actions, General).`)}
name: eppo outcomes

on:
  repository_dispatch:
    types: [eppo-webhook]
  schedule:
    - cron: '47 */6 * * *'
  workflow_dispatch:

permissions: {}

jobs:
  outcome:
    name: record one outcome
    if: github.event_name == 'repository_dispatch'
    runs-on: ubuntu-latest
    timeout-minutes: 10
    permissions:
      contents: write
      pull-requests: write
    steps:
${checkout}
      - name: Record the outcome
        uses: ${uses}
        env:
          EPPO_API_KEY: \${{ secrets.EPPO_API_KEY }}
          # When set, the relayed Eppo body must carry a valid signature.
          EPPO_WEBHOOK_SECRET: \${{ secrets.EPPO_WEBHOOK_SECRET }}
          GITHUB_TOKEN: \${{ secrets.GITHUB_TOKEN }}
        with:
          command: outcome
          args: --event-file \${{ github.event_path }}

  sync:
    name: sync concluded outcomes
    if: github.event_name != 'repository_dispatch'
    runs-on: ubuntu-latest
    timeout-minutes: 20
    permissions:
      contents: write
      pull-requests: write
    steps:
${checkout}
      - name: Sync outcomes
        uses: ${uses}
        env:
          EPPO_API_KEY: \${{ secrets.EPPO_API_KEY }}
          GITHUB_TOKEN: \${{ secrets.GITHUB_TOKEN }}
        with:
          command: sync
`;

  const texts = [plan, apply, drift, outcomes];
  return WORKFLOW_NAMES.map((name, i) => ({ name, text: texts[i]! }));
}

/** The names (in .github/workflows/) of the workflows init writes, in the order it writes them. */
export const WORKFLOW_NAMES = ['eppo-plan.yml', 'eppo-apply.yml', 'eppo-drift.yml', 'eppo-outcomes.yml'] as const;

/**
 * The `paths:` filters of the plan and apply workflows: the definitions
 * folder, every flag file glob and the settings. GitHub's filter syntax has
 * `*`, `**` and `?` as ours do, but no `{a,b}` (expanded here into one entry
 * each) and reads `[`, `]`, `+` and a leading `!` as patterns (escaped here,
 * since our globs mean them literally). Pure.
 */
export function renderPathFilters(options: Pick<WorkflowOptions, 'dir' | 'flagFiles'>): string[] {
  const flags = options.flagFiles.flatMap(alternatives).map((glob) => glob.replace(/^\.\//, '').replace(/[[\]+]|^!/g, '\\$&'));
  return [...new Set([`${options.dir}/**`, ...flags, CONFIG_FILE])];
}

/** A glob's `{a,b}` alternatives; one too big to expand stays as it is (validate reports it). */
function alternatives(glob: string): string[] {
  try {
    return expandBraces(glob);
  } catch {
    return [glob];
  }
}

function quote(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
