// Writes dist/definitions/compiled-schemas.js: the JSON Schemas compiled into
// standalone validators (src/definitions/schema-code.ts), so `validate` loads
// neither ajv nor compiles a schema at run time. Runs after tsc in `npm run build`.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const { buildSchemaCode } = await import('../dist/definitions/schema-code.js');
writeFileSync(resolve(root, 'dist/definitions/compiled-schemas.js'), buildSchemaCode());
