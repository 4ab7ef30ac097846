import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';
import { readSchema } from '../../src/definitions/schema.js';
import type { SchemaName } from '../../src/definitions/schema.js';

const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;
type Schema = Record<string, unknown>;

/** Every object subschema with its JSON pointer. */
function objects(schema: Schema, path = '#'): Array<[string, Schema]> {
  const out: Array<[string, Schema]> = [];
  if (schema['type'] === 'object') out.push([path, schema]);
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'examples') continue;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      out.push(...objects(value as Schema, `${path}/${key}`));
    }
  }
  return out;
}

describe.each<SchemaName>(['experiment', 'config'])('schemas/%s.schema.json', (name) => {
  const schema = readSchema(name);

  it('is a draft 2020-12 schema with $id and title that compiles in strict mode', () => {
    expect(schema['$schema']).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(typeof schema['$id']).toBe('string');
    expect(typeof schema['title']).toBe('string');
    const ajv = new Ajv2020({ strict: true, strictTypes: false });
    addFormats(ajv);
    expect(() => ajv.compile(schema)).not.toThrow();
  });

  it('closes every object (additionalProperties: false) and documents every property', () => {
    const found = objects(schema);
    expect(found.length).toBeGreaterThan(0);
    for (const [path, object] of found) {
      expect(object['additionalProperties'], path).toBe(false);
      for (const [prop, sub] of Object.entries((object['properties'] ?? {}) as Record<string, Schema>)) {
        expect(typeof sub['description'], `${path}/properties/${prop} description`).toBe('string');
        expect(Array.isArray(sub['examples']) && sub['examples'].length > 0, `${path}/properties/${prop} examples`).toBe(true);
      }
    }
  });

  it('accepts its own examples', () => {
    const ajv = new Ajv2020({ strict: true, strictTypes: false });
    addFormats(ajv);
    ajv.addSchema(schema);
    for (const [path, object] of objects(schema)) {
      for (const [prop, sub] of Object.entries((object['properties'] ?? {}) as Record<string, Schema>)) {
        const pointer = `${schema['$id'] as string}#${path.slice(1)}/properties/${prop}`;
        const validate = ajv.getSchema(pointer);
        expect(validate, pointer).toBeDefined();
        for (const example of sub['examples'] as unknown[]) expect(validate!(example), `${pointer}: ${JSON.stringify(example)}`).toBe(true);
      }
    }
  });
});

describe('experiments/', () => {
  const root = new URL('../../experiments/', import.meta.url);
  const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => /\.ya?ml$/.test(f));

  it('holds at least three examples, each with the editor $schema hint pointing at the schema file', () => {
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const file of files) {
      const text = readFileSync(new URL(file, root), 'utf8');
      const hint = /^# yaml-language-server: \$schema=(\S+)\n/.exec(text);
      expect(hint, file).not.toBeNull();
      const target = new URL(hint![1]!, new URL(file, root));
      expect(JSON.parse(readFileSync(target, 'utf8')).$id, file).toBe(readSchema('experiment')['$id']);
    }
  });

  it('covers metrics, three uneven variations, and an ongoing experiment', () => {
    const specs = files.map((f) => parse(readFileSync(new URL(f, root), 'utf8')) as Record<string, unknown>);
    expect(specs.some((s) => Array.isArray(s['metrics']) && s['metrics'].length > 0)).toBe(true);
    expect(
      specs.some((s) => {
        const v = s['variations'] as Array<{ weight: number }>;
        return v.length === 3 && new Set(v.map((x) => x.weight)).size === 3;
      }),
    ).toBe(true);
    expect(specs.some((s) => s['assignments_end_date'] === undefined)).toBe(true);
  });
});

describe('trust item 6: one rule keeps the settings file inside its folder', () => {
  it('trust item 6: dir and the flag file globs share the same "inside the folder" pattern', () => {
    const defs = readSchema('config')['$defs'] as Record<string, Schema>;
    expect(defs['inside-path']!['pattern']).toBe(defs['inside-glob']!['pattern']);
    const properties = readSchema('config')['properties'] as Record<string, Schema>;
    expect(properties['dir']!['$ref']).toBe('#/$defs/inside-path');
    const inside = new RegExp(String(defs['inside-path']!['pattern']));
    for (const ok of ['experiments', 'a/b', './x', 'a..b', '.hidden']) expect(inside.test(ok), ok).toBe(true);
    for (const bad of ['..', '../x', 'a/../../x', 'a/..', '/etc', '\\\\server\\share', 'C:\\x', 'c:x', 'a\\..\\b']) expect(inside.test(bad), bad).toBe(false);
  });
});
