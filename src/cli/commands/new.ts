import { CONFIG_FILE } from '../../definitions/index.js';
import { UsageError } from '../../errors.js';
import { readNewExperimentSettings, writeExperimentFromFlag } from '../../flags/index.js';
import { escapeText } from '../../util/index.js';
import type { Command } from '../io.js';
import { parseFlags } from '../parse-flags.js';

export const command: Command = {
  name: 'new',
  summary: 'start an experiment file from a flag in the flag files',
  help: `Usage: eppo-gitops new <flag-key> [--entity NAME] [--assignment-source NAME] [--dir DIR]
                         [--control VARIANT] [--holdout VARIANT]...

Writes DIR/<flag-key>.yaml, an experiment definition made from the flag with
that key in the flag files that eppo-gitops.yaml names (flags.files): one
variation (an arm) per variant its fractional serves, each weighted by its
share among the arms, today as the start date, a name made from the key.

The control is --control, else the variant named "control", else the flag's
defaultVariant, else its first variant (with a comment saying so). A flag's
defaultVariant is often a holdout instead: the variant served to everyone
outside the experiment, e.g. "off". Name it with --holdout: a holdout is not
an arm, and its share lowers traffic_allocation (a targeting that lets only
some subjects in lowers it too). The file passes validate, flag checks
included. An existing file is never overwritten (nor a .yml twin, nor a file
in DIR or the definitions folder that already has the key), and DIR must stay
inside the folder holding eppo-gitops.yaml, as for init.

Arguments:
  flag-key                   the key of the flag (it becomes the experiment_key)

Options:
  --entity NAME              the Eppo entity of the experiment (default:
                             defaults.entity in eppo-gitops.yaml)
  --assignment-source NAME   the Eppo assignment source (default:
                             defaults.assignment_source in eppo-gitops.yaml)
  --dir DIR                  definitions folder (default: "dir" in
                             eppo-gitops.yaml, else experiments)
  --control VARIANT          the control arm (default: the variant named
                             control, else the flag's defaultVariant)
  --holdout VARIANT          a variant served outside the experiment, not an
                             arm (repeatable)
  --debug                    print stack traces on unexpected errors
  -h, --help                 show this help

Examples:
  eppo-gitops new checkout-button-color --entity user --assignment-source "User assignments"
  eppo-gitops new search-ranking        # names from defaults: in eppo-gitops.yaml
  eppo-gitops new onboarding-checklist --holdout off

Exit codes:
  0  the file was written
  1  refused (no such flag, the file exists, it would not pass validate, no
     flags configured, a folder outside the project), or bad usage
`,
  async run(args, io) {
    const parsed = parseFlags(args, {
      allowPositionals: true,
      options: {
        entity: { type: 'string' },
        'assignment-source': { type: 'string' },
        dir: { type: 'string' },
        control: { type: 'string' },
        holdout: { type: 'string', multiple: true },
      },
    });
    const [flagKey, ...extra] = parsed.positionals;
    if (flagKey === undefined || flagKey === '') throw new UsageError('say which flag to start from: eppo-gitops new <flag-key>');
    if (extra.length > 0) throw new UsageError(`one flag at a time: unexpected argument "${extra[0]}"`);

    const settings = await readNewExperimentSettings({ root: io.cwd, entity: parsed.values.entity, assignmentSource: parsed.values['assignment-source'], dir: parsed.values.dir });
    if (!settings.ok) {
      const flags = settings.missing.map((key) => (key === 'entity' ? '--entity NAME' : '--assignment-source NAME'));
      const one = settings.missing.length === 1;
      throw new UsageError(
        `${flags.join(' and ')} ${one ? 'is' : 'are'} required: give ${one ? 'it' : 'them'}, or set ${settings.missing.map((key) => `defaults.${key}`).join(' and ')} in ${CONFIG_FILE}`,
      );
    }
    const result = await writeExperimentFromFlag({
      root: io.cwd,
      flags: settings.flags,
      dir: settings.dir,
      definitionsDir: settings.definitionsDir,
      ...(parsed.values.dir === undefined ? {} : { dirSource: `--dir ${parsed.values.dir}` }),
      entity: settings.entity,
      assignmentSource: settings.assignmentSource,
      ...(parsed.values.control === undefined ? {} : { control: parsed.values.control }),
      ...(parsed.values.holdout === undefined ? {} : { holdouts: parsed.values.holdout }),
      flagKey,
      now: new Date(),
    });
    if (result.action === 'refused') {
      io.stderr.write(`error: ${escapeText(result.message)}\n`);
      return 1;
    }
    io.stdout.write(`+ wrote ${escapeText(result.file)} from flag ${escapeText(result.flag.key)} (${escapeText(result.flag.file)})\n`);
    for (const note of result.notes) io.stderr.write(`note: ${escapeText(note)}\n`);
    io.stdout.write('Next: check it with "eppo-gitops validate", then see what it creates in Eppo with "eppo-gitops plan".\n');
    return 0;
  },
};
