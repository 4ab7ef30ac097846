import { createRequire } from 'node:module';
import type { Ajv2020 } from 'ajv/dist/2020.js';

type AjvModule = typeof import('ajv/dist/2020.js');
type FormatsPlugin = typeof import('ajv-formats').default;

const require = createRequire(import.meta.url);

/**
 * The ajv instance the schemas compile with: at run time, or with `source`
 * at build time into standalone code (schema-code.ts). ajv is loaded here on
 * first use only, since `validate` from dist/ runs the code compiled at build
 * time and never needs it.
 */
export function createAjv(options: { source?: boolean } = {}): Ajv2020 {
  const ajv = require('ajv/dist/2020.js') as AjvModule;
  // ajv-formats is CommonJS: `require` returns the plugin itself.
  const addFormats = require('ajv-formats') as FormatsPlugin;
  const code = options.source === true ? { source: true, esm: true, formats: ajv._`require("ajv-formats/dist/formats").fullFormats` } : undefined;
  // The schemas are checked against the meta-schema by the tests; compiling
  // the meta-schema on every run would cost more than validating 1,000 files.
  const instance = new ajv.Ajv2020({ allErrors: true, strict: true, strictTypes: false, validateSchema: false, meta: false, ...(code === undefined ? {} : { code }) });
  addFormats(instance, ['date', 'date-time', 'uri']);
  return instance;
}
