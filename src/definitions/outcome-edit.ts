import { Document, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, parseDocument, Scalar, visit } from 'yaml';
import type { Pair, YAMLMap } from 'yaml';
import type { Outcome } from './types.js';

/** The file cannot take an outcome block without rewriting more than that block. */
export class OutcomeEditError extends Error {
  override readonly name = 'OutcomeEditError';
}

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
 * Throws `OutcomeEditError` when the file is not a single block mapping
 * (syntax errors, several documents, a flow mapping `{…}`).
 */
export function writeOutcome(text: string, outcome: Outcome): OutcomeEdit {
  const bom = text.startsWith('\uFEFF') ? '\uFEFF' : '';
  const body = text.slice(bom.length);
  const eol = body.includes('\r\n') ? '\r\n' : '\n';
  const map = topLevelMap(body);

  const pair = map.items.find((p) => isScalar(p.key) && p.key.value === 'outcome');
  if (pair !== undefined && sameOutcome(pair, outcome)) return { text, changed: false };

  const firstKey = map.items[0]?.key;
  const baseCol = firstKey !== undefined && isScalar(firstKey) && firstKey.range ? column(body, firstKey.range[0]) : 0;
  const indent = detectIndent(body, map);

  if (pair === undefined) {
    const at = insertionPoint(body, map.range?.[1] ?? body.length);
    const block = renderBlock(outcome, indent, baseCol, eol);
    const atEof = at === body.length;
    const needsLeadingEol = at > 0 && body[at - 1] !== '\n';
    const insert = needsLeadingEol ? `${eol}${block.replace(/(\r?\n)$/, '')}` : block;
    const insertion = needsLeadingEol && !atEof ? `${insert}${eol}` : insert;
    return { text: bom + body.slice(0, at) + insertion + body.slice(at), changed: true };
  }

  const key = pair.key as Scalar;
  const value = pair.value;
  const keyStart = lineStart(body, key.range![0]);
  let start = keyStart;
  let replacement: string;
  if (isMap(value) && !value.flow && value.range && lineOf(body, value.range[0]) > lineOf(body, key.range![0])) {
    // Keep the `outcome:` line as written (a comment on it stays), replace the lines below.
    start = lineStart(body, value.range[0]);
    const innerCol = column(body, value.range[0]);
    replacement = renderInner(outcome, innerCol, eol);
  } else {
    replacement = renderBlock(outcome, indent, baseCol, eol);
  }
  const valueRange = (value as { range?: [number, number, number] } | null)?.range;
  const valueEnd = valueRange ? valueRange[1] : key.range![2];
  const end = insertionPoint(body, valueEnd);
  if (end === body.length && body[end - 1] !== '\n') replacement = replacement.replace(/(\r?\n)$/, '');
  return { text: bom + body.slice(0, start) + replacement + body.slice(end), changed: true };
}

/**
 * The top-level `experiment_key` of a definition file, or undefined when the
 * text is not a mapping with a string `experiment_key`. Never throws.
 */
export function readExperimentKey(text: string): string | undefined {
  try {
    const doc = parseDocument(text.startsWith('\uFEFF') ? text.slice(1) : text, { uniqueKeys: false });
    const value: unknown = doc.get('experiment_key');
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

function topLevelMap(body: string): YAMLMap {
  if (parseAllDocuments(body).length > 1) {
    throw new OutcomeEditError('the file holds more than one YAML document; keep one experiment per file');
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(body, { lineCounter, prettyErrors: true });
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
  return contents;
}

function sameOutcome(pair: Pair, outcome: Outcome): boolean {
  const value = pair.value;
  if (!isMap(value)) return false;
  const existing = value.toJSON() as Record<string, unknown>;
  const wanted = pickFields(outcome);
  const keys = new Set([...Object.keys(existing), ...Object.keys(wanted)]);
  for (const k of keys) {
    const a = existing[k];
    const b = wanted[k];
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

/** `outcome:` and its fields, at column `baseCol`, fields indented by `indent`. */
function renderBlock(outcome: Outcome, indent: number, baseCol: number, eol: string): string {
  const doc = new Document({ outcome: pickFields(outcome) });
  quoteAmbiguous(doc);
  const rendered = doc.toString({ indent, lineWidth: 0 });
  return withLayout(rendered, baseCol, eol);
}

/** Only the field lines of the block, each at column `col`. */
function renderInner(outcome: Outcome, col: number, eol: string): string {
  const doc = new Document(pickFields(outcome));
  quoteAmbiguous(doc);
  return withLayout(doc.toString({ indent: 2, lineWidth: 0 }), col, eol);
}

function quoteAmbiguous(doc: Document): void {
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
function detectIndent(body: string, map: YAMLMap): number {
  for (const p of map.items) {
    const keyStart = isScalar(p.key) && p.key.range ? column(body, p.key.range[0]) : 0;
    const v = p.value;
    if (isMap(v) && !v.flow && v.range) {
      const step = column(body, v.range[0]) - keyStart;
      if (step > 0) return step;
    }
    if (isSeq(v) && !v.flow) {
      for (const item of v.items) {
        if (isMap(item) && !item.flow && item.range) {
          const step = column(body, item.range[0]) - keyStart;
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

function column(body: string, offset: number): number {
  return offset - lineStart(body, offset);
}

function lineOf(body: string, offset: number): number {
  let n = 0;
  for (let i = body.indexOf('\n'); i !== -1 && i < offset; i = body.indexOf('\n', i + 1)) n++;
  return n;
}
