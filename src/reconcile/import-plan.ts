import { relative, resolve } from 'node:path';
import { buildSchemaPath, definitionFileNames, parseDefinition, renderDefinitionYaml } from '../definitions/index.js';
import { describeTwins, groupExperimentsByKey, type Workspace } from '../eppo/index.js';
import { didYouMean, toPosix } from '../util/index.js';
import { compareText } from './canonical.js';
import { buildImportSpec } from './import-spec.js';

export interface ImportPlanInput {
  /** the keys asked for (`--key`, duplicates ignored), or every live key no file manages (`--all`) */
  wanted: readonly string[] | 'all';
  /** experiment_key → the definition file that manages it */
  managed: ReadonlyMap<string, string>;
  workspace: Workspace;
  /** the repository root, absolute */
  cwd: string;
  /** the definitions folder, relative to `cwd` */
  dir: string;
}

/** Why a key is not imported. */
export type ImportRefusal = 'managed' | 'unknown' | 'twins' | 'invalid' | 'would-not-validate';

export type ImportDecision =
  | {
      action: 'write';
      key: string;
      eppoId: number;
      /** where the file goes, absolute */
      target: string;
      /** `target` relative to the repository root, with `/` */
      file: string;
      text: string;
      /** what was left out or adjusted, one line each */
      notes: string[];
    }
  | { action: 'refuse'; key: string; reason: ImportRefusal; message: string };

export interface ImportPlan {
  /** one per wanted key, in order; empty when there is nothing to import */
  decisions: ImportDecision[];
}

/**
 * Decides, for each wanted key, whether `import` writes a file and with what
 * text: a key some file already manages, a key no live experiment has (with a
 * did-you-mean), a key several live experiments share, an experiment that
 * cannot be written as a definition, and a file that would not validate are
 * refused with a message. Pure: the files are written by `writeImportFile`.
 */
export function buildImportPlan(input: ImportPlanInput): ImportPlan {
  const { managed, workspace, cwd, dir } = input;
  const byKey = groupExperimentsByKey(workspace.experiments);
  const wanted = input.wanted === 'all' ? [...byKey.keys()].filter((k) => !managed.has(k)).sort(compareText) : [...new Set(input.wanted)];
  const decisions = wanted.map((key): ImportDecision => {
    const refuse = (reason: ImportRefusal, message: string): ImportDecision => ({ action: 'refuse', key, reason, message });
    const live = byKey.get(key) ?? [];
    const file = managed.get(key);
    if (file !== undefined) return refuse('managed', `${key} is already managed by ${file}; not imported`);
    if (live.length === 0) {
      const guess = didYouMean(key, [...byKey.keys()].filter((k) => typeof k === 'string'));
      return refuse('unknown', `no live experiment has the key "${key}"${guess === undefined ? '' : ` (did you mean "${guess}"?)`}`);
    }
    if (live.length > 1) {
      return refuse('twins', describeTwins(key, live.map((e) => e.id), 'import'));
    }
    const experiment = live[0]!;
    const built = buildImportSpec(experiment, workspace);
    if (!built.ok) return refuse('invalid', built.message);
    const target = resolve(cwd, dir, definitionFileNames(key)[0]);
    const shown = toPosix(relative(cwd, target));
    // The editor hint resolves for an installed package too (node_modules/eppo-gitops/schemas/).
    const schemaPath = buildSchemaPath({ file: target, root: cwd });
    const text = renderDefinitionYaml(built.spec, { schemaPath, comments: [`imported from Eppo experiment #${experiment.id}`] });
    const errors = parseDefinition(shown, text).problems.filter((p) => p.severity === 'error');
    if (errors.length > 0) {
      return refuse(
        'would-not-validate',
        `${key} (#${experiment.id}) would not make a valid file, not written: ${errors.map((p) => `${p.message} [${p.rule}]`).join('; ')}`,
      );
    }
    return { action: 'write', key, eppoId: experiment.id, target, file: shown, text, notes: built.notes };
  });
  return { decisions };
}
