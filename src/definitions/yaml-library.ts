import { createRequire } from 'node:module';

type YamlLibrary = typeof import('yaml');

let loaded: YamlLibrary | undefined;

/**
 * The `yaml` package, loaded on first use: files the fast reader takes
 * (simple-yaml.ts) never need it, and loading it costs a `validate` run some
 * 70 ms. Node resolves `yaml` to the same CommonJS build for `require` as for
 * `import`, so this is the one instance either way.
 */
export function yamlLibrary(): YamlLibrary {
  return (loaded ??= createRequire(import.meta.url)('yaml') as YamlLibrary);
}
