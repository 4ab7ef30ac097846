import { renderProblems, type ProblemFormat } from '../../definitions/index.js';
import { validateRepository } from '../../validation/index.js';
import type { Command } from '../io.js';
import { parseFlags, parseFormat } from '../parse-flags.js';

const FORMATS: readonly ProblemFormat[] = ['text', 'json', 'github'];

export const command: Command = {
  name: 'validate',
  summary: 'check definition files against the schema and rules (offline)',
  help: `Usage: eppo-gitops validate [paths..] [--dir DIR] [--format text|json|github]

Checks experiment definition files against schemas/experiment.schema.json and
the format rules (one control, weights sum to 1, unique keys, …). Offline: it
never calls Eppo. Every problem points at its file, line and column. All files
are checked in one run.

When eppo-gitops.yaml configures flags (flags.files), it also reads the flagd
flag files and checks each experiment against the flag with its key:
flag-file, flag-variants and flag-split are errors (the split the flag serves
differs from the weights or traffic_allocation), flag-missing, flag-disabled
and flag-rollout warnings. A path that flags.files matches is checked as a flag
file, with the experiments it serves; so are the ones in a folder given.

A flag file is never read as a definition: a *.flagd.json, .yaml or .yml file
(or a JSON file given) that flags.files does not name, or with no flags:
configured, is a flag-unconfigured warning saying to add it to flags.files
(a warning, so a pre-commit hook does not block the commit).

Arguments:
  paths            files or folders to check (default: the definitions folder);
                   a flag file checks the experiments it serves too

Options:
  --dir DIR        definitions folder, searched recursively for *.yaml and *.yml
                   (default: "dir" in eppo-gitops.yaml, else experiments)
  --format FMT     text (default): file:line:col  severity  message  [rule]
                   json: {"problems": [...], "summary": {...}}
                   github: workflow commands that annotate a pull request
  --debug          print stack traces on unexpected errors
  -h, --help       show this help

Examples:
  eppo-gitops validate
  eppo-gitops validate experiments/checkout-button-color.yaml
  eppo-gitops validate flags/web.flagd.json
  eppo-gitops validate --format github     # in a GitHub Actions step

Exit codes:
  0  no errors (warnings allowed)
  1  at least one error, or bad usage
`,
  async run(args, io) {
    const parsed = parseFlags(args, {
      allowPositionals: true,
      options: { dir: { type: 'string' }, format: { type: 'string', default: 'text' } },
    });
    const format = parseFormat(parsed.values.format, FORMATS);
    // A report for a program holds every problem, a missing folder too; a person reads it as an error line.
    const validation = await validateRepository({ cwd: io.cwd, dir: parsed.values.dir, paths: parsed.positionals, missingFolder: format === 'text' ? 'throw' : 'problem' });
    io.stdout.write(renderProblems(validation.problems, { format, files: validation.files }));
    return validation.failed === undefined ? 0 : 1;
  },
};
