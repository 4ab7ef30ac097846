import { runDemo } from '../../demo/index.js';
import type { Command } from '../io.js';
import { parseFlags } from '../parse-flags.js';

export const command: Command = {
  name: 'demo',
  summary: 'the whole loop on the embedded emulator in a temp copy',
  help: `Usage: eppo-gitops demo [--dir DIR] [--keep]

Runs the whole eppo-gitops loop on the embedded Eppo emulator, in a temporary
git repository holding a copy of your definitions (default: ./experiments, or
the examples that ship with eppo-gitops):

  1. validate   2. plan   3. apply   4. plan again (no changes)
  5. a decision is made in the emulator; its signed webhook reaches an
     in-process "serve", which re-reads the experiment and writes the outcome
  6. the outcome commit on eppo-gitops/outcome/<experiment_key> is printed

No network, no account, no files outside the temporary folder, nothing left
running. This is what "npm start" runs.

Options:
  --dir DIR   the definitions to copy (default: ./experiments when there is
              one, else the examples that ship with eppo-gitops; when your
              definitions fail, the error names the examples' folder for --dir)
  --keep      keep the temporary repository and print where it is
  -h, --help  show this help

Environment: nothing is needed. Eppo and GitHub settings (EPPO_API_KEY,
EPPO_BASE_URL, GITHUB_TOKEN, ...) are not used: the demo talks only to its own
emulator and its own temporary repository.

Examples:
  npm start
  eppo-gitops demo --keep
  eppo-gitops demo --dir path/to/my-experiments

Exit codes: 0 the loop completed; 1 a step failed (the message says which).
`,
  async run(args, io, { main }) {
    const { values } = parseFlags(args, { options: { dir: { type: 'string' }, keep: { type: 'boolean', default: false } }, allowPositionals: false });
    const result = await runDemo({ ...(values.dir === undefined ? {} : { dir: values.dir }), keep: values.keep, cli: main }, io);
    return result.ok ? 0 : 1;
  },
};
