const DEFINITION_FILE = /\.ya?ml$/i;

/** Whether `path` names a definition file: it ends in `.yaml` or `.yml`, in any case. */
export function isDefinitionFile(path: string): boolean {
  return DEFINITION_FILE.test(path);
}

/**
 * The file names a definition of `key` may have: `<key>.yaml`, the one
 * eppo-gitops writes, then its `.yml` twin, which a new file must not sit next to.
 */
export function definitionFileNames(key: string): [yaml: string, yml: string] {
  return [`${key}.yaml`, `${key}.yml`];
}
