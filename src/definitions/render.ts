import type { ExperimentSpec } from './spec.js';
import { yamlLibrary } from './yaml-library.js';

export interface RenderDefinitionOptions {
  /** path of the JSON Schema relative to the file, for the editor hint */
  schemaPath: string;
  /** comment lines written under the editor hint (without `#`) */
  comments?: string[];
}

const KEY_ORDER: Array<keyof ExperimentSpec> = [
  'experiment_key',
  'name',
  'hypothesis',
  'entity',
  'assignment_source',
  'assignments_start_date',
  'assignments_end_date',
  'traffic_allocation',
  'variations',
  'metrics',
  'outcome',
];

/**
 * Renders a new definition file (for `import`): the `$schema` editor hint, then
 * the fields in FORMAT.md order. Only for new files: editing an existing file
 * goes through the outcome splice, which keeps every other byte.
 */
export function renderDefinitionYaml(spec: ExperimentSpec, options: RenderDefinitionOptions): string {
  const ordered: Record<string, unknown> = {};
  for (const key of KEY_ORDER) {
    if (spec[key] !== undefined) ordered[key] = spec[key];
  }
  const header = [`# yaml-language-server: $schema=${options.schemaPath}`, ...(options.comments ?? []).map((c) => `# ${c}`)];
  const body = yamlLibrary().stringify(ordered, { lineWidth: 0, indentSeq: true, defaultStringType: 'PLAIN', defaultKeyType: 'PLAIN' });
  return `${header.join('\n')}\n${body}`;
}
