import { initProject, renderInitReport } from '../../init/index.js';
import type { Command } from '../io.js';
import { parseFlags } from '../parse-flags.js';

export const command: Command = {
  name: 'init',
  summary: 'set up eppo-gitops in your repository: an example, settings, workflows',
  help: `Usage: eppo-gitops init [--dir DIR] [--force] [--action OWNER/REPO@REF]

Sets up eppo-gitops in the repository you run it in (after "npm i -D
eppo-gitops", or through "npx eppo-gitops init"). At the repository's top
level it writes:

  DIR/example-experiment.yaml   a commented example experiment (only when DIR
                                holds no definitions yet); its names exist in
                                the embedded emulator, so "plan --local" works
  eppo-gitops.yaml              the settings, every default spelled out
  .github/workflows/            eppo-plan.yml, eppo-apply.yml, eppo-drift.yml,
                                eppo-outcomes.yml: they run the eppo-gitops
                                action with least-privilege permissions

An existing file is never overwritten without --force: a file that already
says the same is left as it is, one that differs is skipped and listed. Run
again, init changes nothing. Outside a git repository it writes into the
current folder and says so. It ends with the next steps: the secrets to add
and the first plan.

Options:
  --dir DIR                 definitions folder, inside the repository (default:
                            "dir" in eppo-gitops.yaml, else experiments)
  --force                   overwrite files that differ from what init writes
  --action OWNER/REPO@REF   the action the workflows use (default: this
                            package's repository at its major version tag, e.g.
                            eppo-gitops/eppo-gitops@v1); a tag or a commit SHA
  --debug                   print stack traces on unexpected errors
  -h, --help                show this help

Examples:
  npx eppo-gitops init
  npx eppo-gitops init --dir analyses
  npx eppo-gitops init --action eppo-gitops/eppo-gitops@v1

Exit codes:
  0  done (files written, or everything was already there)
  1  bad usage (e.g. --dir outside the repository), a file could not be written
`,
  async run(args, io) {
    const { values } = parseFlags(args, {
      options: {
        dir: { type: 'string' },
        force: { type: 'boolean', default: false },
        action: { type: 'string' },
      },
    });
    const result = await initProject({
      cwd: io.cwd,
      env: io.env,
      force: values.force,
      ...(values.dir === undefined ? {} : { dir: values.dir }),
      ...(values.action === undefined ? {} : { action: values.action }),
    });
    io.stdout.write(renderInitReport(result, io.cwd));
    return 0;
  },
};
