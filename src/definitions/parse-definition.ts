import { capProblems } from './cap-problems.js';
import { FILE_RULES } from './rules.js';
import type { RuleContext } from './rules.js';
import { buildDefinition, isoUtc } from './normalise.js';
import { checkSchema } from './schema.js';
import type { ExperimentSpec } from './spec.js';
import type { Definition, Problem } from './types.js';
import { parseYamlSource } from './yaml-source.js';

export interface ParseResult {
  /** present when the file has no errors (warnings allowed) */
  definition?: Definition;
  problems: Problem[];
}

/**
 * Parses and validates one definition file: YAML syntax, the JSON Schema, then
 * the single-file rules of FORMAT.md; returns the normalised Definition when
 * there is no error. Pure: `file` is only used for messages and the
 * `file-name` rule. Every problem carries the line:col of its YAML node.
 */
export function parseDefinition(file: string, source: Uint8Array | string): ParseResult {
  const parsed = parseYamlSource(file, source);
  if (!parsed.ok) return { problems: capProblems(parsed.problems) };
  const problems = [...parsed.problems];
  const yaml = parsed.source;
  if (yaml.data === undefined) {
    problems.push({
      file,
      line: 1,
      col: 1,
      severity: 'error',
      rule: 'schema',
      message: 'the file is empty; a definition is a mapping with experiment_key, name, entity, assignment_source, assignments_start_date and variations',
    });
    return { problems: capProblems(problems) };
  }
  const schemaProblems = checkSchema('experiment', file, yaml);
  if (schemaProblems.length > 0) return { problems: capProblems([...problems, ...schemaProblems]) };

  const spec = yaml.data as ExperimentSpec;
  const dateProblems = checkDateValues(file, spec, (p) => yaml.nodes.get(p)?.value ?? yaml.start);
  if (dateProblems.length > 0) return { problems: capProblems([...problems, ...dateProblems]) };

  const ctx: RuleContext = {
    file,
    at: (pointer) => yaml.nodes.get(pointer)?.value ?? yaml.start,
    keyAt: (pointer) => {
      const ref = yaml.nodes.get(pointer);
      return ref?.key ?? ref?.value ?? yaml.start;
    },
  };
  for (const rule of FILE_RULES) {
    for (const finding of rule.check(spec, ctx)) {
      problems.push({
        file,
        line: finding.pos.line,
        col: finding.pos.col,
        severity: finding.severity ?? 'error',
        rule: rule.id,
        message: finding.message,
      });
    }
  }
  const sorted = capProblems(problems);
  if (sorted.some((p) => p.severity === 'error')) return { problems: sorted };
  return { definition: buildDefinition(file, spec, yaml), problems: sorted };
}

/** Dates that pass the format check but JavaScript cannot represent (e.g. a leap second). */
function checkDateValues(file: string, spec: ExperimentSpec, at: (pointer: string) => { line: number; col: number }): Problem[] {
  const dates: Array<[string, string | undefined]> = [
    ['/assignments_start_date', spec.assignments_start_date],
    ['/assignments_end_date', spec.assignments_end_date],
    ['/outcome/recorded_at', spec.outcome?.recorded_at],
  ];
  const problems: Problem[] = [];
  for (const [pointer, value] of dates) {
    if (value === undefined) continue;
    try {
      isoUtc(value);
    } catch {
      const pos = at(pointer);
      problems.push({ file, line: pos.line, col: pos.col, severity: 'error', rule: 'schema', message: `${pointer.slice(1).replace('/', '.')} "${value}" is not a representable date` });
    }
  }
  return problems;
}
