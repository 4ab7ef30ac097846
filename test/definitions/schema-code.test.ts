import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ValidateFunction } from 'ajv';
import { createAjv } from '../../src/definitions/ajv-instance.js';
import { buildSchemaCode } from '../../src/definitions/schema-code.js';
import { readSchema, readSchemaText, SCHEMA_NAMES } from '../../src/definitions/schema.js';
import { parseYamlSource } from '../../src/definitions/yaml-source.js';

type Compiled = Record<string, ValidateFunction> & { sources: Record<string, string> };

const fixtures = new URL('../fixtures/definitions/', import.meta.url);
const DATA = readdirSync(fixtures, { recursive: true, encoding: 'utf8' })
  .filter((f) => /\.ya?ml$/.test(f))
  .sort()
  .flatMap((f) => {
    const parsed = parseYamlSource(f, readFileSync(new URL(f, fixtures)));
    return parsed.ok && parsed.source.data !== undefined ? [parsed.source.data] : [];
  });

let dir: string;
let compiled: Compiled;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eppo-gitops-schema-code-'));
  const file = join(dir, 'compiled-schemas.mjs');
  // What `npm run build` writes to dist/, with ajv's runtime helpers resolved from this repository.
  await writeFile(file, buildSchemaCode({ requireFrom: new URL('../../package.json', import.meta.url).href }));
  compiled = (await import(pathToFileURL(file).href)) as Compiled;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('buildSchemaCode', () => {
  it('carries the text of each schema it was compiled from', () => {
    expect(Object.keys(compiled.sources)).toEqual([...SCHEMA_NAMES]);
    for (const name of SCHEMA_NAMES) expect(compiled.sources[name]).toBe(readSchemaText(name));
  });

  it('reports exactly what ajv compiling the schema at run time reports', () => {
    expect(DATA.length).toBeGreaterThan(20);
    const ajv = createAjv();
    for (const name of SCHEMA_NAMES) {
      const atRunTime = ajv.compile(readSchema(name));
      const same = (data: unknown): void => {
        const valid = compiled[name]!(data);
        expect(valid, JSON.stringify(data)).toBe(atRunTime(data));
        expect(compiled[name]!.errors ?? null, JSON.stringify(data)).toEqual(atRunTime.errors ?? null);
      };
      for (const data of DATA) same(data);
      // Values of any shape where the fixtures have theirs.
      const edited = fc.tuple(fc.nat({ max: DATA.length - 1 }), fc.constantFrom('experiment_key', 'name', 'variations', 'outcome', 'metrics', 'traffic_allocation', 'assignments_start_date', 'dir', 'flags', 'port'), fc.jsonValue());
      fc.assert(
        fc.property(edited, ([index, key, value]) => {
          same({ ...(DATA[index] as object), [key]: value });
        }),
        { numRuns: 300 },
      );
    }
  });
});
