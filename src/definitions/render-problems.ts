import { escapeJsonText, escapeLines, escapeText, plural } from '../util/index.js';
import type { Problem } from './types.js';

export type ProblemFormat = 'text' | 'json' | 'github';

export interface RenderOptions {
  format: ProblemFormat;
  /** files checked, for the summary */
  files: number;
  /**
   * what the text summary says was checked; default "N files" (definition
   * files). A run that stopped at eppo-gitops.yaml names that file instead.
   */
  checked?: string;
}

/**
 * Renders validation problems: `text` (`file:line:col  severity  message  [rule]`
 * and a summary line), `json` (the CLI.md shape) or `github` (workflow
 * commands, so a pull request shows each problem on its line). File names and
 * messages (which quote YAML values) are escaped: one problem is one line,
 * and no file name or value passes for a workflow command. Pure.
 */
export function renderProblems(problems: Problem[], options: RenderOptions): string {
  const errors = problems.filter((p) => p.severity === 'error').length;
  const warnings = problems.length - errors;
  switch (options.format) {
    case 'json':
      return `${escapeJsonText(JSON.stringify(
        {
          problems: problems.map((p) => ({ file: p.file, line: p.line, col: p.col, severity: p.severity, rule: p.rule, message: p.message })),
          summary: { files: options.files, errors, warnings },
        },
        null,
        2,
      ))}\n`;
    case 'github': {
      const lines = problems.map(
        (p) =>
          `::${p.severity} file=${escapeProperty(escapeText(p.file))},line=${p.line},col=${p.col},title=${escapeProperty(`eppo-gitops ${p.rule}`)}::${escapeData(escapeLines(p.message))}`,
      );
      return [...lines, problemsSummary(options, errors, warnings)].join('\n') + '\n';
    }
    case 'text': {
      const lines = problems.map((p) => escapeText(`${p.file}:${p.line}:${p.col}  ${p.severity}  ${p.message}  [${p.rule}]`));
      return [...lines, problemsSummary(options, errors, warnings)].join('\n') + '\n';
    }
  }
}

function problemsSummary(options: RenderOptions, errors: number, warnings: number): string {
  const checked = `${options.checked ?? plural(options.files, 'file')} checked`;
  if (errors === 0 && warnings === 0) return `${checked}: no problems`;
  return `${checked}: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}`;
}

/** GitHub workflow-command escaping of the message part. */
export function escapeData(value: string): string {
  return value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** GitHub workflow-command escaping of a property value (also `:` and `,`). */
export function escapeProperty(value: string): string {
  return escapeData(value).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
