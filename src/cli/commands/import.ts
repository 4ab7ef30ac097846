import { UsageError } from '../../errors.js';
import { escapeText, plural } from '../../util/index.js';
import { planImport, writeImportFile } from '../../reconcile/index.js';
import type { Command } from '../io.js';
import { parseFlags } from '../parse-flags.js';
import { describeFailedStage, reportProblems } from '../report.js';
import { EPPO_ENV_HELP } from '../shared-flags.js';

export const command: Command = {
  name: 'import',
  summary: 'write YAML files for live experiments not yet in git',
  help: `Usage: eppo-gitops import (--key KEY.. | --all) [--dir DIR] [--local] [--base-url URL]

Writes one definition file, DIR/<experiment_key>.yaml, per live Eppo experiment
that no file manages yet. Ids become names (entity, assignment source,
metrics); every field Eppo holds is written, so "plan" reports the imported
experiment as unchanged. Guardrail metrics Eppo attaches by itself are left
out. An existing file is never overwritten, and a key that is not safe as a
file name is refused. A folder named by --dir (or "dir" in eppo-gitops.yaml)
must exist; the default folder is created when missing.

Options:
  --key KEY              import the experiment with this key (repeatable)
  --all                  import every live experiment not yet in git
  --dir DIR              definitions folder (default: "dir" in eppo-gitops.yaml,
                         else experiments)
  --local                use the embedded Eppo emulator (state in .eppo-local/)
  --base-url URL         Eppo API base URL (beats EPPO_BASE_URL and the config file)
  --debug                print stack traces on unexpected errors
  -h, --help             show this help

Environment:
${EPPO_ENV_HELP}

Examples:
  eppo-gitops import --all
  eppo-gitops import --key checkout-button-color --key onboarding-flow

Exit codes:
  0  every requested experiment was written (or nothing was left to import)
  1  any experiment was refused (file exists, unsafe key, unknown key, …), bad usage
`,
  async run(args, io) {
    const parsed = parseFlags(args, {
      options: {
        key: { type: 'string', multiple: true },
        all: { type: 'boolean', default: false },
        dir: { type: 'string' },
        local: { type: 'boolean', default: false },
        'base-url': { type: 'string' },
      },
    });
    const keys = parsed.values.key ?? [];
    if (keys.length === 0 && !parsed.values.all) throw new UsageError('say what to import: --key KEY (repeatable) or --all');
    if (keys.length > 0 && parsed.values.all) throw new UsageError('use either --key or --all, not both');

    const result = await planImport({
      cwd: io.cwd,
      env: io.env,
      wanted: parsed.values.all ? 'all' : keys,
      dir: parsed.values.dir,
      local: parsed.values.local,
      baseUrl: parsed.values['base-url'],
    });
    if (!result.ok) {
      reportProblems(result.problems, result.files, 'text', io, result.failed);
      io.stderr.write(`error: ${describeFailedStage(result.failed)} (above); fix them, then run import again\n`);
      return 1;
    }
    if (result.broken.length > 0) {
      io.stderr.write(`warning: ${plural(result.broken.length, 'definition file')} with errors ${result.broken.length === 1 ? 'is' : 'are'} not counted as managed; run "eppo-gitops validate"\n`);
    }
    const { decisions } = result.plan;
    let failures = 0;
    let written = 0;
    const fail = (message: string): void => {
      failures++;
      io.stderr.write(`error: ${escapeText(message)}\n`);
    };
    for (const decision of decisions) {
      if (decision.action === 'refuse') {
        fail(decision.message);
        continue;
      }
      const wrote = await writeImportFile(decision, io.cwd);
      if (!wrote.ok) {
        fail(wrote.message);
        continue;
      }
      written++;
      for (const note of decision.notes) io.stderr.write(`note: ${escapeText(`${decision.key}: ${note}`)}\n`);
      io.stdout.write(`+ wrote ${escapeText(decision.file)} (#${decision.eppoId})\n`);
    }
    io.stdout.write(
      decisions.length === 0 ? 'Nothing to import: every live experiment is in git.\n' : `Import: ${written} written, ${failures} refused.\n`,
    );
    return failures > 0 ? 1 : 0;
  },
};
