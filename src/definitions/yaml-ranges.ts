import type { Node } from 'yaml';
import { yamlLibrary } from './yaml-library.js';

/** How a value is written. */
export type YamlValueStyle = 'plain' | 'double-quoted' | 'single-quoted' | 'block-scalar' | 'block-map' | 'flow-map' | 'block-seq' | 'flow-seq' | 'alias';

/** One `key: value` pair of a mapping, as offsets into the text. */
export interface YamlPairLocation {
  key: string;
  /** offset of the key's first character */
  keyStart: number;
  /** offset just after the key */
  keyEnd: number;
  /** absent for `key:` with nothing after it */
  value?: {
    start: number;
    /** offset just after the value's last character (a block collection's end includes its final line break) */
    end: number;
    style: YamlValueStyle;
  };
}

/** A mapping, as offsets into the text. */
export interface YamlMappingLocation {
  start: number;
  end: number;
  /** written `{…}` */
  flow: boolean;
  pairs: YamlPairLocation[];
}

/**
 * Locates the mapping at `path` (mapping keys from the top) in a one-document
 * YAML text, for edits that splice the original text instead of re-serialising
 * it. Pure. Undefined when the text has YAML errors or no mapping stands there.
 */
export function locateYamlMapping(text: string, path: readonly string[]): YamlMappingLocation | undefined {
  const { isMap, isScalar, parseDocument } = yamlLibrary();
  let doc;
  try {
    doc = parseDocument(text, { uniqueKeys: false, version: '1.2', keepSourceTokens: false });
  } catch {
    return undefined;
  }
  if (doc.errors.length > 0) return undefined;
  let node: unknown = doc.contents;
  for (const segment of path) {
    if (!isMap(node)) return undefined;
    const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === segment);
    node = pair?.value;
  }
  if (!isMap(node) || node.range == null) return undefined;
  const pairs: YamlPairLocation[] = [];
  for (const pair of node.items) {
    const key = pair.key;
    if (!isScalar(key) || key.range == null) return undefined;
    const location: YamlPairLocation = { key: String(key.value), keyStart: key.range[0], keyEnd: key.range[1] };
    const value = pair.value as Node | null;
    if (value !== null && value.range != null && !(isScalar(value) && value.range[0] === value.range[1])) {
      location.value = { start: value.range[0], end: value.range[1], style: styleOf(value) };
    }
    pairs.push(location);
  }
  return { start: node.range[0], end: node.range[1], flow: node.flow === true, pairs };
}

function styleOf(node: Node): YamlValueStyle {
  const { isAlias, isMap, isScalar, isSeq } = yamlLibrary();
  if (isAlias(node)) return 'alias';
  if (isMap(node)) return node.flow === true ? 'flow-map' : 'block-map';
  if (isSeq(node)) return node.flow === true ? 'flow-seq' : 'block-seq';
  if (isScalar(node)) {
    if (node.type === 'QUOTE_DOUBLE') return 'double-quoted';
    if (node.type === 'QUOTE_SINGLE') return 'single-quoted';
    if (node.type === 'BLOCK_FOLDED' || node.type === 'BLOCK_LITERAL') return 'block-scalar';
  }
  return 'plain';
}
