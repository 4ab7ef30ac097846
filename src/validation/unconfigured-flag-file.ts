import { CONFIG_FILE, type Problem } from '../definitions/index.js';

const FLAGD_FILE = /\.flagd\.(json|ya?ml)$/i;
const JSON_FILE = /\.json$/i;

/**
 * What a path's name says it is, when not a definition: `flagd` for
 * `*.flagd.json|yaml|yml` (the names flagd's docs and init suggest, never a
 * definition), `json` for another JSON file named on the command line
 * (definitions are YAML). Pure.
 */
export function flagFileKind(path: string): 'flagd' | 'json' | undefined {
  return FLAGD_FILE.test(path) ? 'flagd' : JSON_FILE.test(path) ? 'json' : undefined;
}

/**
 * The warning for a flag file that flags.files does not name: it is not
 * checked, neither as a flag file nor as an experiment. A warning, not an
 * error: a pre-commit hook passes every `flags/*.flagd.*` file, and must not
 * block a commit on a flag file the project has not asked to check. When
 * eppo-gitops.yaml has errors (`settingsFailed`), its flags.files is not
 * read at all, and the warning says that instead. Pure.
 */
export function buildUnconfiguredFlagFileProblem(file: string, kind: 'flagd' | 'json', settingsFailed = false): Problem {
  const what = kind === 'flagd' ? 'a flagd flag file, not an experiment definition' : 'not an experiment definition (those are .yaml or .yml files)';
  const message = settingsFailed
    ? `${what}, and it is not checked while ${CONFIG_FILE} has errors (its flags.files is not read); fix ${CONFIG_FILE} (above), then run validate again`
    : kind === 'flagd'
      ? `${what}, and flags.files in ${CONFIG_FILE} does not name it, so it is not checked; add "${file}" (or a glob matching it) to flags.files to check it and the experiments it serves`
      : `${what}, and flags.files in ${CONFIG_FILE} does not name it, so it is not checked; if it is a flagd flag file, add "${file}" (or a glob matching it) to flags.files`;
  return { file, line: 1, col: 1, severity: 'warning', rule: 'flag-unconfigured', message };
}
