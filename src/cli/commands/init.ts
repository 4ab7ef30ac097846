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

Run again, init changes nothing: a file that already says the same is left
as it is. eppo-gitops.yaml and definitions are yours once they exist: init
never replaces them, not even with --force, and lists them as kept. The
workflows are init's: one you changed is skipped and listed, and --force
replaces it. The path filters of eppo-plan.yml and eppo-apply.yml follow
"dir" and flags.files in eppo-gitops.yaml: a workflow exactly as init wrote
it before flags.files was set is updated to watch the flag files; one whose
filters differ otherwise (earlier settings, or edited) is skipped with that
reason, and --force writes the current ones. --action changes only the uses: lines of the eppo-gitops action
in them (your other edits stay); without it, init keeps the reference the
workflows already use. A --dir other than "dir" in an existing eppo-gitops.yaml
is refused. Outside a git repository it writes into the current folder and
says so. It ends with the next steps: the secrets to add and the first plan.

Options:
  --dir DIR                 definitions folder, inside the repository (default:
                            "dir" in eppo-gitops.yaml, else experiments)
  --force                   replace workflows that differ from what init writes
                            (never eppo-gitops.yaml or a definition)
  --action OWNER/REPO@REF   the action the workflows use: a tag or a commit SHA
                            (default: the one they already use, else this
                            package's repository at its major version tag,
                            eppo-gitops/eppo-gitops@v0 for 0.x)
  --debug                   print stack traces on unexpected errors
  -h, --help                show this help

Examples:
  npx eppo-gitops init
  npx eppo-gitops init --dir analyses
  npx eppo-gitops init --action eppo-gitops/eppo-gitops@v0.1.0
  npx eppo-gitops init --action eppo-gitops/eppo-gitops@<40-hex SHA of a release tag>

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
