import type { Edit, Node } from 'jsonc-parser';
import { locateYamlMapping } from '../definitions/index.js';
import type { YamlPairLocation } from '../definitions/index.js';
import { jsoncParser } from './jsonc-library.js';

export type RolloutEdit = { ok: true; text: string } | { ok: false; reason: string };

/**
 * Rewrites one flag of a flag file so that every subject gets `winner`:
 * `defaultVariant` becomes the winner and `targeting` is removed. Nothing
 * else changes, byte for byte: other flags, key order, indentation, YAML
 * comments, the line ending (CRLF stays CRLF), the final newline and a
 * byte-order mark. JSON goes through jsonc-parser's `modify` without
 * formatting options (they would reformat the enclosing object); YAML by
 * splicing the `defaultVariant` scalar's range and deleting the lines of the
 * `targeting` pair. Pure; the result still has to be proven (proveRollout).
 */
export function buildRolloutEdit(text: string, format: 'json' | 'yaml', key: string, winner: string): RolloutEdit {
  const bom = text.charCodeAt(0) === 0xfeff ? '\uFEFF' : '';
  const body = text.slice(bom.length);
  const eol = body.includes('\r\n') ? '\r\n' : '\n';
  const edited = format === 'json' ? editJson(body, key, winner, eol) : editYaml(body, key, winner, eol);
  return edited.ok ? { ok: true, text: bom + edited.text } : edited;
}

function editJson(body: string, key: string, winner: string, eol: string): RolloutEdit {
  const { applyEdits, findNodeAtLocation, modify, parseTree } = jsoncParser();
  const flagNode = (root: Node | undefined): Node | undefined => (root === undefined ? undefined : findNodeAtLocation(root, ['flags', key]));
  let current = body;
  const flag = flagNode(parseTree(current));
  if (flag?.type !== 'object' || flag.children === undefined || flag.children.length === 0) return { ok: false, reason: `flag "${key}" is not an object in the file` };

  const path = ['flags', key, 'defaultVariant'];
  if (findNodeAtLocation(flag, ['defaultVariant']) !== undefined) {
    current = applyEdits(current, modify(current, path, winner, {}));
  } else {
    const last = flag.children[flag.children.length - 1]!;
    const previous = flag.children[flag.children.length - 2];
    // The new member goes after the last one, spaced like it is from the one before.
    let separator = ' ';
    if (previous !== undefined) {
      const between = current.slice(previous.offset + previous.length, last.offset);
      separator = between.slice(between.indexOf(',') + 1);
    } else if (/\r?\n/.test(current.slice(flag.offset, last.offset))) {
      separator = current.slice(flag.offset + 1, last.offset);
    }
    separator = separator.replace(/\r?\n/g, eol);
    const at = last.offset + last.length;
    current = `${current.slice(0, at)},${separator}${JSON.stringify('defaultVariant')}: ${JSON.stringify(winner)}${current.slice(at)}`;
  }

  const edited = flagNode(parseTree(current))!;
  const targeting = edited.children?.find((p) => p.children?.[0]?.value === 'targeting');
  if (targeting !== undefined) {
    const index = edited.children!.indexOf(targeting);
    const next = edited.children![index + 1];
    let edits: Edit[];
    if (index === 0 && next !== undefined) {
      // modify would join the next member to the `{` line; removing up to it keeps that line as written.
      edits = [{ offset: targeting.offset, length: next.offset - targeting.offset, content: '' }];
    } else {
      edits = modify(current, ['flags', key, 'targeting'], undefined, {});
    }
    current = applyEdits(current, edits);
  }
  return { ok: true, text: current };
}

function editYaml(body: string, key: string, winner: string, eol: string): RolloutEdit {
  const flag = locateYamlMapping(body, ['flags', key]);
  if (flag === undefined) return { ok: false, reason: `flag "${key}" is not a mapping under "flags" in the file` };
  const defaultPair = flag.pairs.find((p) => p.key === 'defaultVariant');
  const targetingPair = flag.pairs.find((p) => p.key === 'targeting');
  const edits: Array<{ start: number; end: number; content: string }> = [];

  if (flag.flow) {
    const pairs = flag.pairs;
    if (defaultPair?.value !== undefined) edits.push({ start: defaultPair.value.start, end: defaultPair.value.end, content: yamlScalar(winner, defaultPair.value.style) });
    else if (defaultPair !== undefined) edits.push({ start: defaultPair.keyStart, end: defaultPair.keyEnd, content: `defaultVariant: ${yamlScalar(winner, 'plain')}` });
    else {
      const last = pairs[pairs.length - 1]!;
      const at = last.value?.end ?? last.keyEnd;
      edits.push({ start: at, end: at, content: `, defaultVariant: ${yamlScalar(winner, 'plain')}` });
    }
    if (targetingPair !== undefined) {
      const index = pairs.indexOf(targetingPair);
      const end = targetingPair.value?.end ?? targetingPair.keyEnd;
      const previous = pairs[index - 1];
      const next = pairs[index + 1];
      if (previous !== undefined) edits.push({ start: previous.value?.end ?? previous.keyEnd, end, content: '' });
      else if (next !== undefined) edits.push({ start: targetingPair.keyStart, end: next.keyStart, content: '' });
      else return { ok: false, reason: `flag "${key}" holds only its targeting` };
    }
    return { ok: true, text: splice(body, edits) };
  }

  const column = (offset: number): number => offset - lineStart(body, offset);
  for (const pair of flag.pairs) {
    if (body.slice(lineStart(body, pair.keyStart), pair.keyStart).trim() !== '') {
      return { ok: false, reason: `the key "${pair.key}" of flag "${key}" does not start its own line, so its lines cannot be edited alone` };
    }
  }
  const indent = ' '.repeat(column(flag.pairs[0]!.keyStart));
  const newLine = `${indent}defaultVariant: ${yamlScalar(winner, 'plain')}${eol}`;

  let targetingLines: { start: number; end: number } | undefined;
  if (targetingPair !== undefined) targetingLines = pairLines(body, targetingPair, column(targetingPair.keyStart));

  // A block value (a map, a list, or a `|`/`>` scalar, whose range takes its line break along) is replaced with whole lines.
  const blockValue = new Set(['block-map', 'block-seq', 'block-scalar']);
  if (defaultPair?.value !== undefined && !blockValue.has(defaultPair.value.style)) {
    edits.push({ start: defaultPair.value.start, end: defaultPair.value.end, content: yamlScalar(winner, defaultPair.value.style) });
  } else if (defaultPair !== undefined) {
    const lines = pairLines(body, defaultPair, column(defaultPair.keyStart));
    edits.push({ start: lines.start, end: lines.end, content: newLine });
  } else if (targetingLines !== undefined) {
    edits.push({ start: targetingLines.start, end: targetingLines.end, content: newLine });
    targetingLines = undefined;
  } else {
    const last = flag.pairs[flag.pairs.length - 1]!;
    const end = pairLines(body, last, column(last.keyStart)).end;
    edits.push({ start: end, end, content: end === body.length && !body.endsWith('\n') ? `${eol}${newLine.slice(0, -eol.length)}` : newLine });
  }
  if (targetingLines !== undefined) edits.push({ start: targetingLines.start, end: targetingLines.end, content: '' });
  let text = splice(body, edits);
  // Replacing or deleting the last lines of a file without a final newline would leave one.
  if (!body.endsWith('\n') && text.endsWith(eol)) text = text.slice(0, -eol.length);
  return { ok: true, text };
}

/**
 * The lines a block pair stands on: from the start of its key's line through
 * the line break after its value, plus comment lines right below indented
 * deeper than its key (they belong to the value).
 */
function pairLines(body: string, pair: YamlPairLocation, keyColumn: number): { start: number; end: number } {
  const start = lineStart(body, pair.keyStart);
  let end = pair.value?.end ?? pair.keyEnd;
  // A block value may end after the indentation of the next key's line: that line is not the pair's.
  if (body.slice(lineStart(body, end), end).trim() === '' && end > start) end = lineStart(body, end);
  else end = lineEnd(body, end);
  for (;;) {
    if (end >= body.length) break;
    const next = lineEnd(body, end);
    const line = body.slice(end, next);
    const trimmed = line.trimStart();
    if (!trimmed.startsWith('#') || line.length - trimmed.length <= keyColumn) break;
    end = next;
  }
  return { start, end };
}

function lineStart(body: string, offset: number): number {
  return body.lastIndexOf('\n', offset - 1) + 1;
}

/** Offset just after the line break ending the line of `offset` (or the end of the text). */
function lineEnd(body: string, offset: number): number {
  const at = body.indexOf('\n', offset);
  return at === -1 ? body.length : at + 1;
}

function splice(body: string, edits: Array<{ start: number; end: number; content: string }>): string {
  let text = body;
  for (const edit of [...edits].sort((a, b) => b.start - a.start)) text = text.slice(0, edit.start) + edit.content + text.slice(edit.end);
  return text;
}

/** YAML 1.1 readers take these plain words for booleans or null; YAML 1.2 numbers look like numbers. */
const NOT_PLAIN = /^(?:y|n|yes|no|on|off|true|false|null|~|[-+]?(?:\.inf|\.nan))$/i;

/** The winner as a YAML scalar, in the style of the scalar it replaces where that style can hold it. */
function yamlScalar(value: string, style: string): string {
  const printable = /^[^\x00-\x1f\x7f"\\]*$/.test(value);
  if (style === 'single-quoted' && printable) return `'${value.replace(/'/g, "''")}'`;
  if (style === 'plain' && /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(value) && !NOT_PLAIN.test(value)) return value;
  return JSON.stringify(value);
}
