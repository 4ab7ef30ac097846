import type { NodeRef, SourcePos, YamlSource } from './types.js';

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
 * agree. It reads the text in place, line by line, without splitting it.
 */
export function parseSimpleYaml(text: string): YamlSource | undefined {
  // Tabs, control characters, and a CR that does not end a line (a CR at the very end is content to the full parser).
  if (UNUSUAL.test(text) || strayCarriageReturn(text)) return undefined;
  const reader = new Reader(text);
  try {
    if (!reader.peek()) return undefined;
    if (reader.indent !== 0) return undefined;
    const start = at(reader.no, 1);
    const nodes = new NodeList();
    nodes.add('', { value: start });
    const data = reader.block(0, '', nodes);
    if (reader.peek()) return undefined;
    return new FastSource(data, start, nodes);
  } catch (error) {
    if (error === BAIL) return undefined;
    throw error;
  }
}

/** Where each node stands, in document order, as the reader finds them. */
export class NodeList {
  readonly pointers: string[] = [];
  readonly refs: NodeRef[] = [];

  add(pointer: string, ref: NodeRef): void {
    this.pointers.push(pointer);
    this.refs.push(ref);
  }
}

/**
 * What the fast reader returns: `nodes` becomes a Map only when asked for (a
 * problem to place, a rule finding); a valid definition's positions are
 * copied from the list (`nodeList`), which costs a tenth.
 */
class FastSource implements YamlSource {
  private map: Map<string, NodeRef> | undefined;

  constructor(
    readonly data: unknown,
    readonly start: SourcePos,
    readonly nodeList: NodeList,
  ) {}

  get nodes(): Map<string, NodeRef> {
    if (this.map === undefined) {
      const { pointers, refs } = this.nodeList;
      this.map = new Map();
      for (let i = 0; i < pointers.length; i++) this.map.set(pointers[i]!, refs[i]!);
    }
    return this.map;
  }
}

function strayCarriageReturn(text: string): boolean {
  for (let i = text.indexOf('\r'); i !== -1; i = text.indexOf('\r', i + 1)) {
    if (text.charCodeAt(i + 1) !== 10) return true;
  }
  return false;
}

// Positions are shared: thousands of files put the same keys on the same lines
// and columns, and a definition keeps its ~35 positions as long as it lives.
// Frozen, since one object stands for many places.
const SHARED_LINES = 256;
const SHARED_COLS = 64;
const positions: Array<SourcePos | undefined> = new Array<SourcePos | undefined>(SHARED_LINES * SHARED_COLS);

/** The position at `line`:`col` (1-based). */
function at(line: number, col: number): SourcePos {
  if (line >= SHARED_LINES || col >= SHARED_COLS) return { line, col };
  const index = line * SHARED_COLS + col;
  return (positions[index] ??= Object.freeze({ line, col }));
}

/** Tabs, control characters and BOMs: left to the full parser, which knows which ones YAML allows where. */
const UNUSUAL = /[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\ufeff\ufffe\uffff]/;

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
 * Offset of the `:` after a word key (`[A-Za-z_][A-Za-z0-9_.-]*`) that starts
 * at `from` and is followed by `:` and a space or the end of the line (`end`),
 * or -1.
 */
function scanKey(text: string, from: number, end: number): number {
  const first = text.charCodeAt(from);
  if (!(isLetter(first) || first === 95)) return -1;
  let i = from + 1;
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    if (isLetter(c) || (c >= 48 && c <= 57) || c === 95 || c === 46 || c === 45) continue;
    break;
  }
  // YAML limits an implicit key to 1024 characters; longer ones are the full parser's to refuse.
  if (i >= end || text.charCodeAt(i) !== 58 /* : */ || i - from > MAX_IMPLICIT_KEY) return -1;
  return i + 1 === end || text.charCodeAt(i + 1) === 32 ? i : -1;
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

/**
 * A cursor over the lines of the text. The current line is described by its
 * fields; a `- key: value` line is re-read as the first line of a mapping by
 * moving `indent` and `start` to the key (`viewed`).
 */
class Reader {
  /** offset of the current line */
  pos = 0;
  /** its line number */
  no = 1;
  /** its indentation, or the column of the key of a viewed `- key: value` line */
  indent = 0;
  /** offset of its content (after the indentation) */
  start = 0;
  /** offset of its end (before CR LF or LF) */
  end = 0;
  /** offset of the next line; past the end of the text after the last line */
  private next = 0;
  private viewed = false;

  constructor(private readonly text: string) {
    this.load(0);
  }

  private load(pos: number): void {
    const { text } = this;
    this.pos = pos;
    this.viewed = false;
    if (pos > text.length) return;
    const lf = text.indexOf('\n', pos);
    let end = lf === -1 ? text.length : lf;
    this.next = end + 1;
    if (end > pos && text.charCodeAt(end - 1) === 13) end--;
    this.end = end;
    let i = pos;
    while (i < end && text.charCodeAt(i) === 32) i++;
    this.start = i;
    this.indent = i - pos;
  }

  /** Moves to the next line, blank or not. */
  private advance(): void {
    this.no++;
    this.load(this.next);
  }

  private get done(): boolean {
    return this.pos > this.text.length;
  }

  /** Moves to the next significant line (skips blanks and comment-only lines); false at the end. */
  peek(): boolean {
    const { text } = this;
    while (!this.done) {
      if (!this.viewed) {
        if (this.start === this.end || text.charCodeAt(this.start) === 35 /* # */) {
          this.advance();
          continue;
        }
        if (this.indent === 0) {
          const c = text.charCodeAt(this.start);
          if (c === 37 /* % */ || ((c === 45 || c === 46) && text.startsWith(c === 45 ? '---' : '...', this.start))) bail();
        }
      }
      return true;
    }
    return false;
  }

  /** True when the current line is a sequence item (`- …` or a bare `-`). */
  private isItem(): boolean {
    const { text, start, end } = this;
    return text.charCodeAt(start) === 45 && (start + 1 === end || text.charCodeAt(start + 1) === 32);
  }

  /** A block node (mapping or sequence) whose lines start at `indent`. */
  block(indent: number, pointer: string, nodes: NodeList): unknown {
    if (!this.peek()) return bail();
    return this.isItem() ? this.sequence(indent, pointer, nodes) : this.mapping(indent, pointer, nodes);
  }

  private mapping(indent: number, pointer: string, nodes: NodeList): Record<string, unknown> {
    const { text } = this;
    const out = nullObject();
    while (this.peek()) {
      if (this.indent < indent) break;
      if (this.indent > indent) bail();
      if (this.isItem()) break; // a sequence at the parent's indent ends this mapping
      const { start, end, pos } = this;
      const colon = scanKey(text, start, end);
      if (colon === -1) bail();
      const key = text.slice(start, colon);
      if (key === '__proto__' || (key.length <= 5 && RESERVED_KEY.test(key)) || Object.hasOwn(out, key)) bail();
      const keyPos = at(this.no, start - pos + 1);
      let valueStart = colon + 1;
      while (valueStart < end && text.charCodeAt(valueStart) === 32) valueStart++;
      const child = `${pointer}/${key}`; // scanKey allows no "~" or "/", so nothing to escape
      const first = text.charCodeAt(valueStart);
      if (valueStart === end || first === 35 /* # */) {
        this.advance();
        if (!this.peek()) bail();
        const nested = this.indent > indent || (this.indent === indent && this.isItem());
        if (!nested) bail(); // an empty value: the full parser decides where it stands
        nodes.add(child, { key: keyPos, value: at(this.no, this.indent + 1) });
        out[key] = this.block(this.indent, child, nodes);
      } else if ((first === 62 /* > */ || first === 124) /* | */ && BLOCK_HEADER.test(text.slice(valueStart, end))) {
        nodes.add(child, { key: keyPos, value: at(this.no, valueStart - pos + 1) });
        const folded = first === 62;
        const strip = text.charCodeAt(valueStart + 1) === 45;
        this.advance();
        out[key] = this.blockScalar(folded, strip, indent);
      } else {
        nodes.add(child, { key: keyPos, value: at(this.no, valueStart - pos + 1) });
        out[key] = scalar(text.slice(valueStart, end));
        this.advance();
      }
    }
    return out;
  }

  private sequence(indent: number, pointer: string, nodes: NodeList): unknown[] {
    const { text } = this;
    const out: unknown[] = [];
    while (this.peek()) {
      if (this.indent < indent) break;
      if (this.indent > indent) bail();
      if (!this.isItem()) break;
      const { start, end, pos } = this;
      if (start + 1 === end) bail(); // a bare `-`: an empty item
      let itemStart = start + 2;
      while (itemStart < end && text.charCodeAt(itemStart) === 32) itemStart++;
      const c = text.charCodeAt(itemStart);
      if (itemStart === end || c === 35 /* # */ || c === 45 /* - */) bail();
      const itemIndent = itemStart - pos;
      const child = `${pointer}/${out.length}`;
      nodes.add(child, { value: at(this.no, itemIndent + 1) });
      if (scanKey(text, itemStart, end) !== -1) {
        this.viewed = true;
        this.indent = itemIndent;
        this.start = itemStart;
        out.push(this.mapping(itemIndent, child, nodes));
      } else {
        if (c === 62 /* > */ || c === 124 /* | */) bail();
        out.push(scalar(text.slice(itemStart, end)));
        this.advance();
      }
    }
    return out;
  }

  /** `>` / `>-` / `|` / `|-` with one level of content indentation and no blank lines inside. */
  private blockScalar(folded: boolean, strip: boolean, parentIndent: number): string {
    const { text } = this;
    const content: string[] = [];
    let contentIndent = -1;
    let trailingBlank = false;
    while (!this.done) {
      if (this.start === this.end) {
        // Spaces on a blank line can be content (beyond the indentation) or not: the full parser knows.
        if (this.end !== this.pos) bail();
        trailingBlank = true;
        this.advance();
        continue;
      }
      if (this.indent <= parentIndent) break;
      // A blank line before the first content line is part of the value (leading newlines): leave it to the full parser.
      if (trailingBlank) bail();
      if (contentIndent === -1) contentIndent = this.indent;
      if (this.indent !== contentIndent) bail();
      content.push(text.slice(this.pos + contentIndent, this.end));
      this.advance();
    }
    if (content.length === 0) bail();
    // Blank lines at the end belong to the scalar only with `+` (not handled).
    const body = content.length === 1 ? content[0]! : content.join(folded ? ' ' : '\n');
    return strip ? body : `${body}\n`;
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
