/** The definitions module: the only place that reads YAML. */
export { parseDefinition } from './parse-definition.js';
export type { ParseResult } from './parse-definition.js';
export { loadDefinitions } from './load-definitions.js';
export type { LoadOptions } from './load-definitions.js';
export { renderProblems } from './render-problems.js';
export type { ProblemFormat, RenderOptions } from './render-problems.js';
export { loadConfig, parseConfig, CONFIG_FILE } from './config.js';
export type * from './types.js';
export { renderDefinitionYaml } from './render.js';
export { OutcomeEditError, readExperimentKey, writeOutcome, type OutcomeEdit } from './outcome-edit.js';
export type { RenderDefinitionOptions } from './render.js';
export type { ExperimentSpec, VariationSpec, MetricSpec, OutcomeSpec } from './spec.js';
export { MAX_FILE_BYTES, escapePointer, firstInvalidUtf8 } from './yaml-source.js';
export type { NodeRef, ParsedYaml, YamlSource } from './yaml-source.js';
export { parseYamlData } from './yaml-data.js';
export { locateYamlMapping } from './yaml-ranges.js';
export type { YamlMappingLocation, YamlPairLocation, YamlValueStyle } from './yaml-ranges.js';
