import { isDeepStrictEqual } from 'node:util';
import type { Document, Node, Pair, Scalar, YAMLMap } from 'yaml';
import { OutcomeEditError } from '../errors.js';
import type { Outcome } from './types.js';
import { yamlLibrary } from './yaml-library.js';

export interface OutcomeEdit {
  text: string;
  changed: boolean;
}

const FIELDS = ['status', 'outcome', 'winning_variant_key', 'eppo_experiment_id', 'recorded_at'] as const;

/** Plain scalars that YAML 1.1 readers take for booleans or null: always quoted. */
const AMBIGUOUS = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|~|null|Null|NULL)$/;

/**
 * Writes `outcome` as the top-level `outcome` block of a definition file and
 * keeps every byte outside that block: the document is parsed only to locate
 * the existing block (or the end of the top-level mapping), the new block is
 * rendered alone in the file's indentation and line ending, and spliced into
 * the original text. An equal outcome already in the file → `changed: false`
 * and the text untouched.
 *
 * The result is parsed again before it is returned: every other value must
 * read as before and the outcome as written.
 *
 * Throws `OutcomeEditError` when the file is not a single block mapping
 * (syntax errors, several documents, a flow mapping `{…}`), when an alias
 * elsewhere refers to an anchor inside the old outcome, or when the result
 * does not read back as it should.
 */
export function writeOutcome(text: string, outcome: Outcome): OutcomeEdit {
  try {
    return edit(text, outcome);
  } catch (error) {
    // yaml recurses as collections nest; a few thousand levels exhaust the stack.
    if (error instanceof RangeError) throw new OutcomeEditError('the file nests too deeply to edit; a definition is only a few levels deep');
    throw error;
  }
}

function edit(text: string, outcome: Outcome): OutcomeEdit {
  const { isScalar } = yamlLibrary();
  const bom = text.startsWith('\uFEFF') ? '\uFEFF' : '';
  const body = text.slice(bom.length);
  const eol = body.includes('\r\n') ? '\r\n' : '\n';
  const { doc, map } = topLevelMap(body);

  const pair = map.items.find((p) => isScalar(p.key) && p.key.value === 'outcome');
  if (pair !== undefined && sameOutcome(pair, outcome)) return { text, changed: false };

  // The line of the first key, not the key itself: an anchor, a tag or `? ` may stand before it.
  const firstKey = map.items[0]?.key as Node | null | undefined;
  const baseCol = firstKey?.range ? lineIndent(body, firstKey.range[0]) : 0;
  const indent = detectIndent(body, map, baseCol);

  let edited: string;
  if (pair === undefined) {
    const at = insertionPoint(body, map.range?.[1] ?? body.length);
    const block = renderBlock(outcome, indent, baseCol, eol);
    const atEof = at === body.length;
    const needsLeadingEol = at > 0 && body[at - 1] !== '\n';
    const insert = needsLeadingEol ? `${eol}${block.replace(/(\r?\n)$/, '')}` : block;
    const insertion = needsLeadingEol && !atEof ? `${insert}${eol}` : insert;
    edited = body.slice(0, at) + insertion + body.slice(at);
  } else {
    const key = pair.key as Scalar;
    const value = pair.value as Node | null;
    let start = lineStart(body, key.range![0]);
    let replacement: string;
    if (keepsKeyLine(body, key, value, baseCol)) {
      // Keep the `outcome:` line as written (a comment on it stays), replace the lines below.
      start = lineStart(body, value!.range![0]);
      replacement = renderFields(outcome, lineIndent(body, value!.range![0]), eol);
    } else {
      replacement = renderBlock(outcome, indent, baseCol, eol);
    }
    const valueEnd = value?.range ? value.range[1] : key.range![2];
    const end = insertionPoint(body, valueEnd);
    if (end === body.length && body[end - 1] !== '\n') replacement = replacement.replace(/(\r?\n)$/, '');
    edited = body.slice(0, start) + replacement + body.slice(end);
  }
  if (edited === body) return { text, changed: false };
  try {
    verify(doc, edited, outcome);
  } catch (error) {
    if (pair !== undefined) refuseAliasedAnchors(doc, pair);
    throw error;
  }
  return { text: bom + edited, changed: true };
}

/**
 * The top-level `experiment_key` of a definition file, or undefined when the
 * text is not a mapping with a string `experiment_key`. Never throws.
 */
export function readExperimentKey(text: string): string | undefined {
  try {
    const doc = yamlLibrary().parseDocument(text.startsWith('\uFEFF') ? text.slice(1) : text, { uniqueKeys: false });
    const value: unknown = doc.get('experiment_key');
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

const READ_OPTIONS = { version: '1.2', uniqueKeys: true } as const;

function topLevelMap(body: string): { doc: Document.Parsed; map: YAMLMap } {
  const { LineCounter, isMap, parseAllDocuments, parseDocument } = yamlLibrary();
  if (parseAllDocuments(body).length > 1) {
    throw new OutcomeEditError('the file holds more than one YAML document; keep one experiment per file');
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(body, { ...READ_OPTIONS, lineCounter, prettyErrors: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const pos = first.linePos?.[0];
    const where = pos ? ` at line ${pos.line}, column ${pos.col}` : '';
    throw new OutcomeEditError(`the file is not valid YAML${where}: ${first.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}; fix it before recording an outcome`);
  }
  const contents = doc.contents;
  if (!isMap(contents)) throw new OutcomeEditError('the file is not a YAML mapping of experiment fields');
  if (contents.flow) {
    throw new OutcomeEditError('the top-level mapping is written in flow style ({…}); rewrite it as a block mapping (one key per line) so the outcome can be added without reformatting the file');
  }
  return { doc, map: contents };
}

/** Says so when an anchor set inside the old outcome is used outside it: it would lose its value with the block. */
function refuseAliasedAnchors(doc: Document.Parsed, pair: Pair): void {
  const { isAlias, visit } = yamlLibrary();
  const inside = new Set<string>();
  visit(pair.value as Node, {
    Node(_key, node) {
      if (!isAlias(node) && node.anchor) inside.add(node.anchor);
    },
  });
  if (inside.size === 0) return;
  let used: string | undefined;
  visit(doc, {
    Pair(_key, p) {
      if (p === pair) return visit.SKIP;
      return undefined;
    },
    Alias(_key, node) {
      if (inside.has(node.source)) {
        used = node.source;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  if (used !== undefined) {
    throw new OutcomeEditError(`the outcome block sets the anchor &${used}, and *${used} elsewhere in the file refers to it; write that value out in place of *${used}, then record the outcome again`);
  }
}

/** True for `outcome:` at the start of its line with a block mapping on the lines below, nothing between. */
function keepsKeyLine(body: string, key: Scalar, value: Node | null, baseCol: number): boolean {
  if (!yamlLibrary().isMap(value) || value.flow || !value.range || key.type !== 'PLAIN') return false;
  if (column(body, key.range![0]) !== baseCol || lineOf(body, value.range[0]) <= lineOf(body, key.range![0])) return false;
  // Only a comment may follow `outcome:` on its line: an anchor or a tag there belongs to the old value.
  const rest = body.slice(key.range![1], body.indexOf('\n', key.range![1]) === -1 ? body.length : body.indexOf('\n', key.range![1]));
  return /^[ \t]*:[ \t]*(?:#.*)?\r?$/.test(rest);
}

/**
 * Parses the edited text as the loader would and checks that every other
 * top-level value reads as before, in the same order, and the outcome as
 * written. A splice that YAML reads differently is never returned.
 */
function verify(before: Document.Parsed, edited: string, outcome: Outcome): void {
  const { parseAllDocuments, parseDocument } = yamlLibrary();
  const fail = (what: string): never => {
    throw new OutcomeEditError(`writing the outcome block would ${what}; add the outcome by hand, or write the file's top level in plain block style (key: value, one per line)`);
  };
  if (parseAllDocuments(edited).length !== 1) fail('split the file into several YAML documents');
  const after = parseDocument(edited, READ_OPTIONS);
  if (after.errors.length > 0) fail(`make the file invalid YAML (${after.errors[0]!.message.split('\n')[0]!})`);
  let old: Record<string, unknown>;
  try {
    old = toPlain(before);
  } catch (error) {
    throw new OutcomeEditError(`the file cannot be read as data (${(error as Error).message}); fix it before recording an outcome`);
  }
  let now: Record<string, unknown>;
  try {
    now = toPlain(after);
  } catch {
    return fail('leave an alias without its anchor');
  }
  const keys = (o: Record<string, unknown>): string[] => Object.keys(o).filter((k) => k !== 'outcome');
  if (!isDeepStrictEqual(keys(old), keys(now))) fail('change the keys of the file');
  for (const key of keys(old)) {
    if (!isDeepStrictEqual(old[key], now[key])) fail(`change the value of "${key}"`);
  }
  if (!isDeepStrictEqual(now['outcome'], pickFields(outcome))) fail('not read back as the outcome it writes');
}

function toPlain(doc: Document.Parsed): Record<string, unknown> {
  const data: unknown = doc.toJS({ maxAliasCount: 100 });
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new Error('not a mapping');
  return data as Record<string, unknown>;
}

function sameOutcome(pair: Pair, outcome: Outcome): boolean {
  const value = pair.value;
  if (!yamlLibrary().isMap(value)) return false;
  const existing = value.toJSON() as Record<string, unknown>;
  const wanted = pickFields(outcome);
  const keys = new Set([...Object.keys(existing), ...Object.keys(wanted)]);
  for (const k of keys) {
    const a = existing[k];
    const b = wanted[k];
    if (a === b) continue;
    if (k === 'recorded_at' && a !== undefined && b !== undefined) {
      const ta = a instanceof Date ? a.getTime() : Date.parse(String(a));
      const tb = Date.parse(String(b));
      if (Number.isNaN(ta) || ta !== tb) return false;
      continue;
    }
    if (a !== b) return false;
  }
  return true;
}

function pickFields(outcome: Outcome): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const f of FIELDS) {
    const v = outcome[f];
    if (v !== undefined) out[f] = v;
  }
  return out;
}

/** `outcome:` at column `baseCol`, its fields `indent` further in. */
function renderBlock(outcome: Outcome, indent: number, baseCol: number, eol: string): string {
  return `${' '.repeat(baseCol)}outcome:${eol}${renderFields(outcome, baseCol + indent, eol)}`;
}

/**
 * The field lines of the block, each at column `col`. Rendered as a
 * top-level mapping with yaml's default indentation and only then moved to
 * `col`: a block scalar's indentation indicator (`|2-`, for a text that
 * starts with a space) counts from its own field, so moving every line by
 * the same amount keeps it right, where yaml's own deeper indentation does
 * not.
 */
function renderFields(outcome: Outcome, col: number, eol: string): string {
  const doc = new (yamlLibrary().Document)(pickFields(outcome));
  quoteAmbiguous(doc);
  return withLayout(doc.toString({ indent: 2, lineWidth: 0 }), col, eol);
}

function quoteAmbiguous(doc: Document): void {
  const { Scalar, visit } = yamlLibrary();
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === 'string' && AMBIGUOUS.test(node.value)) node.type = Scalar.QUOTE_DOUBLE;
    },
  });
}

function withLayout(rendered: string, col: number, eol: string): string {
  const pad = ' '.repeat(col);
  return rendered
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => pad + line + eol)
    .join('');
}

/** The indentation step of the file: from its first nested block mapping, else 2. */
function detectIndent(body: string, map: YAMLMap, baseCol: number): number {
  const { isMap, isSeq } = yamlLibrary();
  for (const p of map.items) {
    const v = p.value;
    if (isMap(v) && !v.flow && v.range && lineOf(body, v.range[0]) > lineOf(body, (p.key as Node | null)?.range?.[0] ?? 0)) {
      const step = lineIndent(body, v.range[0]) - baseCol;
      if (step > 0) return step;
    }
    if (isSeq(v) && !v.flow) {
      for (const item of v.items) {
        if (isMap(item) && !item.flow && item.range) {
          const step = column(body, item.range[0]) - baseCol;
          if (step > 2) return step - 2;
        }
      }
    }
  }
  return 2;
}

/** Just past the line holding `offset - 1` (a range end), or `offset` when it already starts a line. */
function insertionPoint(body: string, offset: number): number {
  if (offset <= 0) return 0;
  if (body[offset - 1] === '\n') return offset;
  const nl = body.indexOf('\n', offset);
  return nl === -1 ? body.length : nl + 1;
}

function lineStart(body: string, offset: number): number {
  return body.lastIndexOf('\n', offset - 1) + 1;
}

/** Spaces before the first character of the line holding `offset`. */
function lineIndent(body: string, offset: number): number {
  const start = lineStart(body, offset);
  let i = start;
  while (body.charCodeAt(i) === 32) i++;
  return i - start;
}

function column(body: string, offset: number): number {
  return offset - lineStart(body, offset);
}

function lineOf(body: string, offset: number): number {
  let n = 0;
  for (let i = body.indexOf('\n'); i !== -1 && i < offset; i = body.indexOf('\n', i + 1)) n++;
  return n;
}
