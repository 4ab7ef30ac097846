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
  const yaml = yamlLibrary();
  const doc = new yaml.Document(ordered);
  // YAML 1.2 reads `off` or `y` as text, but YAML 1.1 readers (many editors and tools) read a boolean: quote them.
  yaml.visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === 'string' && YAML_11_WORDS.test(node.value)) node.type = 'QUOTE_DOUBLE';
    },
  });
  const body = doc.toString({ lineWidth: 0, indentSeq: true, defaultStringType: 'PLAIN', defaultKeyType: 'PLAIN' });
  return `${header.join('\n')}\n${body}`;
}

/** Plain words a YAML 1.1 reader takes for a boolean or null (the rollout edit quotes the same words). */
const YAML_11_WORDS = /^(?:y|n|yes|no|on|off|true|false|null|~)$/i;
