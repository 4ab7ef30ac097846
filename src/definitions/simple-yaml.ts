import type { SourcePos } from './types.js';
import type { NodeRef, YamlSource } from './yaml-source.js';

/**
 * A fast reader for the plain YAML that definition files almost always are:
 * block mappings with word keys, block sequences, single-line plain or quoted
 * scalars, `>`/`|` block scalars, comments, CRLF. It returns exactly what the
 * full `yaml` parser + converter would (data and positions), or undefined as
 * soon as it meets anything else (flow collections, anchors, tags, escapes,
 * multi-line plain scalars, empty values, duplicate keys, tabs, …), and the
 * caller then uses the full parser, which also produces every error message.
 * It exists because the full parser costs most of the time of `validate` on
 * large repositories; test/definitions/simple-yaml.test.ts checks that both
 * agree.
 */
export function parseSimpleYaml(text: string): YamlSource | undefined {
  // A CR at the very end (no LF after it) is content to the full parser, not a line end.
  if (text.includes('\t') || UNUSUAL.test(text) || text.endsWith('\r')) return undefined;
  const raw = text.split('\n');
  const lines: Line[] = [];
  for (let i = 0; i < raw.length; i++) {
    let content = raw[i]!;
    if (content.endsWith('\r')) content = content.slice(0, -1);
    if (content.includes('\r')) return undefined;
    const indent = indentOf(content);
    const rest = content.slice(indent);
    lines.push({ no: i + 1, raw: content, indent, text: rest, skip: rest === '' || rest.charCodeAt(0) === 35 /* # */, viewed: false });
  }
  const reader = new Reader(lines);
  try {
    const first = reader.peek();
    if (first === undefined) return undefined;
    if (first.indent !== 0) return undefined;
    const nodes = new Map<string, NodeRef>();
    const start = { line: first.no, col: 1 };
    nodes.set('', { value: start });
    const data = reader.block(0, '', nodes);
    if (reader.peek() !== undefined) return undefined;
    return { data, nodes, start };
  } catch (error) {
    if (error === BAIL) return undefined;
    throw error;
  }
}

interface Line {
  no: number;
  raw: string;
  indent: number;
  /** the line after its indentation */
  text: string;
  /** blank or comment-only */
  skip: boolean;
  /** true once a `- key: value` line is re-read as the first line of a mapping (indent and text then describe `key: value`) */
  viewed: boolean;
}

/** Control characters and BOMs: left to the full parser, which knows which ones YAML allows. */
const UNUSUAL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufeff\ufffe\uffff]/;

const BAIL = Symbol('bail');
const bail = (): never => {
  throw BAIL;
};

const MAX_IMPLICIT_KEY = 1000;

/** `>`, `>-`, `|`, `|-`, then at most a comment after spaces (YAML white space; `\s` would also take U+00A0). */
const BLOCK_HEADER = /^[>|]-?(?: +#.*)?$/;

/**
 * A mapping as the full path builds it: no prototype, so `constructor` or
 * `toString` are only keys. Made from a literal, which keeps V8's fast
 * properties (`Object.create(null)` starts as a hash table).
 */
function nullObject(): Record<string, unknown> {
  return Object.setPrototypeOf({}, null) as Record<string, unknown>;
}

/**
 * End of a word key (`[A-Za-z_][A-Za-z0-9_.-]*`) followed by `:` and a space
 * or the end of the line, or -1.
 */
function scanKey(text: string): number {
  const first = text.charCodeAt(0);
  if (!(isLetter(first) || first === 95)) return -1;
  let i = 1;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isLetter(c) || (c >= 48 && c <= 57) || c === 95 || c === 46 || c === 45) continue;
    break;
  }
  // YAML limits an implicit key to 1024 characters; longer ones are the full parser's to refuse.
  if (text.charCodeAt(i) !== 58 /* : */ || i > MAX_IMPLICIT_KEY) return -1;
  const after = text.charCodeAt(i + 1);
  return Number.isNaN(after) || after === 32 ? i : -1;
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}
const RESERVED_KEY = /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE)$/;
const INT = /^[-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)(?:[eE][-+]?[0-9]+)?$/;
const EXP = /^[-+]?[0-9]+[eE][-+]?[0-9]+$/;
const SPECIAL = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN|0o[0-7]+|0x[0-9a-fA-F]+)$/;
const CORE_WORDS: Record<string, unknown> = { '~': null, null: null, Null: null, NULL: null, true: true, True: true, TRUE: true, false: false, False: false, FALSE: false };

function indentOf(line: string): number {
  let i = 0;
  while (line.charCodeAt(i) === 32) i++;
  return i;
}

class Reader {
  private index = 0;

  constructor(private readonly lines: Line[]) {}

  /** The next significant line (skips blanks and comment-only lines). */
  peek(): Line | undefined {
    while (this.index < this.lines.length) {
      const line = this.lines[this.index]!;
      if (!line.viewed) {
        if (line.skip) {
          this.index++;
          continue;
        }
        if (line.indent === 0 && (line.text.startsWith('---') || line.text.startsWith('...') || line.text.startsWith('%'))) bail();
      }
      return line;
    }
    return undefined;
  }


  /** A block node (mapping or sequence) whose lines start at `indent`. */
  block(indent: number, pointer: string, nodes: Map<string, NodeRef>): unknown {
    const line = this.peek();
    if (line === undefined) return bail();
    const { text } = line;
    if (text === '-' || text.startsWith('- ')) return this.sequence(indent, pointer, nodes);
    return this.mapping(indent, pointer, nodes);
  }

  private mapping(indent: number, pointer: string, nodes: Map<string, NodeRef>): Record<string, unknown> {
    const out = nullObject();
    for (;;) {
      const line = this.peek();
      if (line === undefined) break;
      const view = line;
      if (view.indent < indent) break;
      if (view.indent > indent) bail();
      if (view.text.startsWith('- ') || view.text === '-') break; // a sequence at the parent's indent ends this mapping
      const keyEnd = scanKey(view.text);
      if (keyEnd === -1) bail();
      const key = view.text.slice(0, keyEnd);
      if (key === '__proto__' || (key.length <= 5 && RESERVED_KEY.test(key)) || Object.hasOwn(out, key)) bail();
      const keyPos = { line: line.no, col: view.indent + 1 };
      let valueStart = keyEnd + 1;
      while (view.text.charCodeAt(valueStart) === 32) valueStart++;
      const valueCol = view.indent + valueStart;
      const rest = view.text.slice(valueStart);
      const child = `${pointer}/${key}`; // scanKey allows no "~" or "/", so nothing to escape
      this.index++;
      if (rest === '' || rest.startsWith('#')) {
        const next = this.peek();
        if (next === undefined) bail();
        const nextView = next!;
        const nested = nextView.indent > indent || (nextView.indent === indent && (nextView.text.startsWith('- ') || nextView.text === '-'));
        if (!nested) bail(); // an empty value: the full parser decides where it stands
        const valuePos = this.firstPos(next!);
        nodes.set(child, { key: keyPos, value: valuePos });
        out[key] = this.block(nextView.indent, child, nodes);
      } else if ((rest[0] === '>' || rest[0] === '|') && BLOCK_HEADER.test(rest)) {
        nodes.set(child, { key: keyPos, value: { line: line.no, col: valueCol + 1 } });
        out[key] = this.blockScalar(rest, indent);
      } else {
        nodes.set(child, { key: keyPos, value: { line: line.no, col: valueCol + 1 } });
        out[key] = scalar(rest);
      }
    }
    return out;
  }

  private sequence(indent: number, pointer: string, nodes: Map<string, NodeRef>): unknown[] {
    const out: unknown[] = [];
    for (;;) {
      const line = this.peek();
      if (line === undefined) break;
      const view = line;
      if (view.indent < indent) break;
      if (view.indent > indent) bail();
      if (!view.text.startsWith('- ')) break;
      const after = view.text.slice(2);
      const pad = indentOf(after);
      const itemText = after.slice(pad);
      if (itemText === '' || itemText.startsWith('#') || itemText.startsWith('-')) bail();
      const itemIndent = view.indent + 2 + pad;
      const child = `${pointer}/${out.length}`;
      const pos = { line: line.no, col: itemIndent + 1 };
      nodes.set(child, { value: pos });
      if (scanKey(itemText) !== -1) {
        line.viewed = true;
        line.indent = itemIndent;
        line.text = itemText;
        out.push(this.mapping(itemIndent, child, nodes));
      } else {
        if (/^[>|]/.test(itemText)) bail();
        this.index++;
        out.push(scalar(itemText));
      }
    }
    return out;
  }

  /** `>` / `>-` / `|` / `|-` with one level of content indentation and no blank lines inside. */
  private blockScalar(header: string, parentIndent: number): string {
    const folded = header.startsWith('>');
    const strip = header[1] === '-';
    const content: string[] = [];
    let contentIndent = -1;
    let trailingBlank = false;
    while (this.index < this.lines.length) {
      const line = this.lines[this.index]!;
      if (trimSpaces(line.raw) === '') {
        // Spaces on a blank line can be content (beyond the indentation) or not: the full parser knows.
        if (line.raw !== '') bail();
        trailingBlank = true;
        this.index++;
        continue;
      }
      if (line.indent <= parentIndent) break;
      // A blank line before the first content line is part of the value (leading newlines): leave it to the full parser.
      if (trailingBlank) bail();
      if (contentIndent === -1) contentIndent = line.indent;
      if (line.indent !== contentIndent) bail();
      content.push(line.raw.slice(contentIndent));
      this.index++;
    }
    if (content.length === 0) bail();
    // Blank lines at the end belong to the scalar only with `+` (not handled); rewind so comments after stay comments.
    const body = content.join(folded ? ' ' : '\n');
    return strip ? body : `${body}\n`;
  }

  private firstPos(line: Line): SourcePos {
    return { line: line.no, col: line.indent + 1 };
  }
}

/** A single-line scalar after `key: ` or `- `, resolved like the YAML 1.2 core schema. */
function scalar(text: string): unknown {
  const first = text[0]!;
  if (first === '"') {
    const end = text.indexOf('"', 1);
    if (end === -1) bail();
    const inner = text.slice(1, end);
    if (inner.includes('\\')) bail();
    afterQuoted(text.slice(end + 1));
    return inner;
  }
  if (first === "'") {
    let i = 1;
    let value = '';
    for (;;) {
      const q = text.indexOf("'", i);
      if (q === -1) bail();
      value += text.slice(i, q);
      if (text[q + 1] === "'") {
        value += "'";
        i = q + 2;
        continue;
      }
      afterQuoted(text.slice(q + 1));
      return value;
    }
  }
  if (text === '[]') return [];
  if ('[]{}&*!|>%@`,?:-#'.includes(first) && !(first === '-' && /^-[0-9.]/.test(text))) bail();
  const hash = text.indexOf(' #');
  const plain = trimSpaces(hash === -1 ? text : text.slice(0, hash));
  if (plain === '' || plain.includes(': ') || plain.endsWith(':')) bail();
  const c = plain.charCodeAt(0);
  const maybeSpecial = (c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46 || c === 126 || 'nNtTfF'.includes(plain[0]!);
  if (!maybeSpecial) return plain;
  if (INT.test(plain)) {
    const n = Number(plain);
    if (!Number.isSafeInteger(n)) bail();
    return n;
  }
  if (FLOAT.test(plain) || EXP.test(plain)) return Number(plain);
  if (SPECIAL.test(plain)) bail();
  if (Object.hasOwn(CORE_WORDS, plain)) return CORE_WORDS[plain];
  return plain;
}

/** YAML white space is the space and the tab only (tabs never get here); `trimEnd()` would also eat U+00A0 and friends. */
function trimSpaces(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 32) end--;
  return end === text.length ? text : text.slice(0, end);
}

function afterQuoted(rest: string): void {
  if (rest === '') return;
  if (/^ +#/.test(rest) || /^ +$/.test(rest)) return;
  bail();
}
