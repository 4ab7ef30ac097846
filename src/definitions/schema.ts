import { existsSync, readFileSync } from 'node:fs';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Ajv2020 } from 'ajv/dist/2020.js';
import { didYouMean, plural } from '../util/index.js';
import { createAjv } from './ajv-instance.js';
import { capProblems, MAX_PROBLEMS_PER_FILE } from './cap-problems.js';
import type { Problem, SourcePos } from './types.js';
import { escapePointer } from './yaml-source.js';
import type { YamlSource } from './types.js';

/** The JSON Schemas eppo-gitops ships in schemas/. */
export type SchemaName = 'experiment' | 'config';

export const SCHEMA_NAMES: readonly SchemaName[] = ['experiment', 'config'];

type JsonSchema = Record<string, unknown>;

const SCHEMA_FILES: Record<SchemaName, string> = {
  experiment: 'experiment.schema.json',
  config: 'config.schema.json',
};

/** The text of a schema file; they ship next to dist/ and src/ (package.json "files"). */
export function readSchemaText(name: SchemaName): string {
  return readFileSync(new URL(`../../schemas/${SCHEMA_FILES[name]}`, import.meta.url), 'utf8');
}

/** A schema file, parsed. */
export function readSchema(name: SchemaName): JsonSchema {
  return JSON.parse(readSchemaText(name)) as JsonSchema;
}

interface Compiled {
  schema: JsonSchema;
  validate: ValidateFunction;
}

type Precompiled = Record<SchemaName, ValidateFunction> & { sources: Record<SchemaName, string> };

/**
 * The validators `npm run build` compiled into dist/ (schema-code.ts); absent
 * when running from src/, where the schemas are compiled on first use.
 */
const precompiled = await (async (): Promise<Precompiled | undefined> => {
  const url = new URL('./compiled-schemas.js', import.meta.url);
  return existsSync(url) ? ((await import(url.href)) as Precompiled) : undefined;
})();

let ajv: Ajv2020 | undefined;
const compiled = new Map<SchemaName, Compiled>();

/** One validator per schema for the whole process: compiled at build time when the schema file is the one it was compiled from. */
function validator(name: SchemaName): Compiled {
  let entry = compiled.get(name);
  if (entry === undefined) {
    const text = readSchemaText(name);
    const schema = JSON.parse(text) as JsonSchema;
    const built = precompiled?.sources[name] === text ? precompiled[name] : undefined;
    entry = { schema, validate: built ?? (ajv ??= createAjv()).compile(schema) };
    compiled.set(name, entry);
  }
  return entry;
}

export interface SchemaCheckOptions {
  /** an extra sentence for an unknown key (e.g. "secrets belong in the environment") */
  unknownKeyHint?: (key: string) => string | undefined;
  /** what the top-level mapping is called in messages */
  topLabel?: string;
}

/**
 * Validates parsed data against a schema and maps every ajv error to the
 * line:col of the node it is about: the key itself for an unknown key, the
 * parent mapping for a missing one, the value otherwise.
 */
export function checkSchema(
  name: SchemaName,
  file: string,
  source: YamlSource,
  options: SchemaCheckOptions = {},
): Problem[] {
  const { schema, validate } = validator(name);
  if (validate(source.data)) return [];
  const errors = collapse(validate.errors ?? []);
  // Thousands of unknown keys give thousands of errors: only the ones listed get a message.
  const placed = errors.map((error) => ({ error, pos: schemaErrorPos(error, source) }));
  placed.sort((a, b) => a.pos.line - b.pos.line || a.pos.col - b.pos.col);
  const problems = placed.map(({ error, pos }, i): Problem => {
    const message = i < MAX_PROBLEMS_PER_FILE ? explainSchemaError(error, schema, source, options) : '';
    return { file, line: pos.line, col: pos.col, severity: 'error', rule: 'schema', message };
  });
  return capProblems(problems);
}

/** Where an ajv error points in the YAML: the key itself for an unknown key, the parent mapping for a missing one, the value otherwise. */
function schemaErrorPos(error: ErrorObject, source: YamlSource): SourcePos {
  const at = source.nodes.get(error.instancePath);
  const valuePos = at?.value ?? source.start;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String((error.params as Record<string, unknown>)['additionalProperty']);
      return source.nodes.get(`${error.instancePath}/${escapePointer(key)}`)?.key ?? valuePos;
    }
    case 'required':
    case 'minItems':
    case 'maxItems':
      return at?.key ?? valuePos;
    default:
      return valuePos;
  }
}

/**
 * Drops the per-branch errors of an `anyOf` (the anyOf error says it better),
 * and a `pattern` error on a value that already fails its `format`.
 */
function collapse(errors: ErrorObject[]): ErrorObject[] {
  const anyOf = errors.filter((e) => e.keyword === 'anyOf');
  const formats = new Set(errors.filter((e) => e.keyword === 'format').map((e) => e.instancePath));
  return errors.filter(
    (e) =>
      !anyOf.some((a) => a !== e && a.instancePath === e.instancePath && e.schemaPath.startsWith(`${a.schemaPath}/`)) &&
      !(e.keyword === 'pattern' && formats.has(e.instancePath)),
  );
}

/** True when the last key of `pointer` is in its parent's `required` list. */
function isRequired(schema: JsonSchema, pointer: string): boolean {
  const cut = pointer.lastIndexOf('/');
  if (cut < 0) return false;
  const key = pointer.slice(cut + 1).replace(/~1/g, '/').replace(/~0/g, '~');
  const required = schemaFor(schema, pointer.slice(0, cut)).schema['required'];
  return Array.isArray(required) && required.includes(key);
}

/** What to tell the author about an ajv error (schemaErrorPos says where). */
function explainSchemaError(
  error: ErrorObject,
  schema: JsonSchema,
  source: YamlSource,
  options: SchemaCheckOptions,
): string {
  const label = labelOf(error.instancePath) || (options.topLabel ?? 'the definition');
  const value = valueAt(source.data, error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params['additionalProperty']);
      const known = Object.keys((schemaFor(schema, error.instancePath).schema['properties'] as object | undefined) ?? {});
      const suggestion = didYouMean(key, known);
      const where = error.instancePath === '' ? '' : ` in ${label}`;
      const hint = options.unknownKeyHint?.(key);
      const tail =
        hint ?? (suggestion !== undefined ? `did you mean "${suggestion}"?` : `known fields: ${known.join(', ')}`);
      return `unknown field "${key}"${where}; ${tail}`;
    }
    case 'required': {
      const missing = String(params['missingProperty']);
      return `${label} is missing the required field "${missing}"`;
    }
    case 'type': {
      if (error.instancePath === '' && options.topLabel === undefined) {
        return `a definition must be a mapping of fields (experiment_key: …, name: …), not ${kindOf(value)}`;
      }
      const wanted = String(params['type']);
      const hint =
        value === null
          ? isRequired(schema, error.instancePath)
            ? ' (the field is required: give it a value)'
            : ' (leave the field out instead of leaving it empty)'
          : '';
      return `${label} must be ${article(wanted)}, not ${kindOf(value)}${hint}`;
    }
    case 'anyOf':
      if (schemaFor(schema, error.instancePath).def === 'date') {
        return `${label} must be a date (2026-01-05) or a date-time with a time zone (2026-01-05T09:00:00Z), not "${String(value)}"`;
      }
      return `${label} ${error.message ?? 'is invalid'}`;
    case 'format':
      if (params['format'] === 'date-time') {
        return `${label} must be a date-time with a time zone (2026-02-10T12:00:00Z), not "${String(value)}"`;
      }
      return `${label} must be ${article(String(params['format']))}, not "${String(value)}"`;
    case 'pattern':
      if (schemaFor(schema, error.instancePath).def === 'key') {
        return `${label} "${String(value)}" is not a valid key: start with a letter or digit, then use only letters, digits, ".", "_" and "-" (at most 128 characters)`;
      }
      if (schemaFor(schema, error.instancePath).def === 'inside-path') {
        return `${label} "${String(value)}" leads outside the folder holding eppo-gitops.yaml, and this file comes with the pull request; write a folder relative to it, without ".." and not absolute (--dir may name any folder)`;
      }
      if (schemaFor(schema, error.instancePath).def === 'inside-glob') {
        return `${label} "${String(value)}" leads outside the folder holding eppo-gitops.yaml; write a glob relative to it, without ".." and not absolute`;
      }
      if (params['pattern'] === '^https?://') {
        return `${label} must start with https:// (http:// only for a loopback address), not "${String(value)}"`;
      }
      {
        const example = (schemaFor(schema, error.instancePath).schema['examples'] as unknown[] | undefined)?.[0];
        const hint = example === undefined ? ` (pattern ${String(params['pattern'])})` : `, for example "${String(example)}"`;
        return `${label} "${String(value)}" is not in the expected form${hint}`;
      }
    case 'enum':
      return `${label} must be ${(params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(' or ')}, not ${kindOf(value)}`;
    case 'minLength':
      return params['limit'] === 1 ? `${label} must not be empty` : `${label} needs at least ${plural(Number(params['limit']), 'character')}`;
    case 'maxLength':
      return `${label} is longer than ${plural(Number(params['limit']), 'character')}`;
    case 'minItems':
      return `${label} needs at least ${plural(Number(params['limit']), 'item')}, has ${lengthOf(value)}`;
    case 'maxItems':
      return `${label} allows at most ${plural(Number(params['limit']), 'item')}, has ${lengthOf(value)}`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `${label} must be ${String(params['comparison'])} ${String(params['limit'])}, not ${String(value)}`;
    default:
      return `${label} ${error.message ?? 'is invalid'}`;
  }
}

/** `/variations/1/weight` → `variations[1].weight` */
export function labelOf(pointer: string): string {
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(segment) ? `[${segment}]` : out === '' ? segment : `.${segment}`;
  }
  return out;
}

function valueAt(data: unknown, pointer: string): unknown {
  let current = data;
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (current === null || typeof current !== 'object') return undefined;
    current = Object.hasOwn(current, segment) ? (current as Record<string, unknown>)[segment] : undefined;
  }
  return current;
}

/**
 * The subschema that applies at an instance pointer, following local `$ref`s,
 * and the name of the `$defs` entry it came from (`key`, `date`, …). ajv's own
 * `schemaPath` is relative to a referenced schema unless it was inlined, so it
 * cannot tell where an error came from.
 */
export function schemaFor(root: JsonSchema, pointer: string): { schema: JsonSchema; def?: string } {
  let current: JsonSchema = root;
  let def: string | undefined;
  const follow = (): void => {
    for (let i = 0; i < 8 && typeof current['$ref'] === 'string'; i++) {
      const match = /^#\/\$defs\/([^/]+)$/.exec(current['$ref']);
      const target = match ? (root['$defs'] as Record<string, JsonSchema> | undefined)?.[match[1]!] : undefined;
      if (target === undefined) return;
      def = match![1];
      current = target;
    }
  };
  follow();
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const properties = current['properties'] as Record<string, JsonSchema> | undefined;
    const next = /^\d+$/.test(segment) && current['items'] !== undefined ? (current['items'] as JsonSchema) : properties?.[segment];
    if (next === undefined) return { schema: {} };
    current = next;
    def = undefined;
    follow();
  }
  return def === undefined ? { schema: current } : { schema: current, def };
}

function kindOf(value: unknown): string {
  if (value === null || value === undefined) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the text "${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'boolean') return `${value}`;
  return typeof value;
}

function article(type: string): string {
  const names: Record<string, string> = {
    string: 'text',
    number: 'a number',
    integer: 'a whole number',
    boolean: 'true or false',
    array: 'a list',
    object: 'a mapping',
    date: 'a date (2026-01-05)',
    uri: 'a URL',
  };
  return names[type] ?? type;
}

function lengthOf(value: unknown): number {
  return Array.isArray(value) ? value.length : 0;
}
