import type { Alias, CST, Document, LineCounter, Node, Parser, Scalar, YAMLError } from 'yaml';
import { capProblems } from './cap-problems.js';
import { parseSimpleYaml } from './simple-yaml.js';
import { yamlLibrary } from './yaml-library.js';
import type { NodeRef, Problem, Severity, SourcePos, YamlSource } from './types.js';

/** Definition files are small; anything larger is a mistake or an attack. */
export const MAX_FILE_BYTES = 1024 * 1024;

/** Alias expansions allowed in one file (a billion-laughs file needs millions). */
export const MAX_ALIAS_EXPANSIONS = 100;

export type ParsedYaml = { ok: true; source: YamlSource; problems: Problem[] } | { ok: false; problems: Problem[] };

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes, size-checks and parses one YAML file into plain data with positions.
 * Pure. YAML 1.2 core schema (dates stay strings), duplicate keys, several
 * documents, tabs as indentation, invalid UTF-8, oversized input, too many
 * tokens (`maxTokens`) and alias bombs all become `yaml` problems with a line
 * and column: at most 50 and one that counts the rest, and nothing after the
 * first syntax error.
 */
export function parseYamlSource(file: string, input: Uint8Array | string, options: { simple?: boolean; maxTokens?: number } = {}): ParsedYaml {
  const problem = (pos: SourcePos, message: string, severity: Severity = 'error'): Problem => ({
    file,
    line: pos.line,
    col: pos.col,
    severity,
    rule: 'yaml',
    message,
  });
  const size = byteLength(input);
  if (size > MAX_FILE_BYTES) return { ok: false, problems: [oversizeProblem(file, size)] };
  let text: string;
  if (typeof input === 'string') {
    text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  } else {
    try {
      text = decoder.decode(input);
    } catch {
      const at = firstInvalidUtf8(input);
      const byte = input[at] ?? 0;
      return {
        ok: false,
        problems: [problem(bytePosition(input, at), `invalid UTF-8 (byte 0x${byte.toString(16).padStart(2, '0')}); save the file as UTF-8`)],
      };
    }
  }

  const simple = options.simple === false ? undefined : parseSimpleYaml(text);
  if (simple !== undefined) return { ok: true, source: simple, problems: [] };

  const lineCounter = new (yamlLibrary().LineCounter)();
  const maxTokens = options.maxTokens ?? MAX_YAML_TOKENS;
  let doc: Document.Parsed;
  try {
    doc = composeDocument(text, lineCounter, maxTokens);
  } catch (error) {
    if (error instanceof TokenBudgetError) {
      const where = lineCounter.linePos(error.offset);
      return { ok: false, problems: [problem(where, `the file holds over ${maxTokens.toLocaleString('en-US')} YAML tokens, more than one file may hold; a definition is a few dozen lines`)] };
    }
    // The parser recurses as blocks nest; some 40 KB of broken nesting exhausts the stack.
    if (error instanceof RangeError) {
      return { ok: false, problems: [problem({ line: 1, col: 1 }, 'the file nests too deeply to read; a definition is only a few levels deep')] };
    }
    throw error;
  }
  const posAt = (offset: number): SourcePos => lineCounter.linePos(offset);
  const { errors, warnings } = reportedDiagnostics(doc, posAt);
  const problems: Problem[] = [];
  for (const error of errors) {
    const tab = error.code === 'DUPLICATE_KEY' ? -1 : tabInIndentation(text, error.pos[0], error.code);
    if (tab !== -1) problems.push(problem(posAt(tab), TAB_MESSAGE));
    else problems.push(problem(posAt(error.pos[0]), yamlMessage(error.code, error.message)));
  }
  for (const warning of warnings) problems.push(problem(posAt(warning.pos[0]), warning.message, 'warning'));
  if (errors.length > 0) return { ok: false, problems: capProblems(problems) };

  const capped = capProblems(problems);
  const contents = doc.contents;
  const start = contents?.range ? posAt(contents.range[0]) : { line: 1, col: 1 };
  const nodes = new Map<string, NodeRef>();
  if (contents === null) return { ok: true, source: { data: undefined, nodes, start }, problems: capped };
  const converter = new Converter(doc, posAt, nodes);
  try {
    const data = converter.convert(contents, '', undefined);
    return { ok: true, source: { data, nodes, start }, problems: capped };
  } catch (error) {
    if (error instanceof ConvertError) {
      return { ok: false, problems: capProblems([...capped, problem(error.pos, error.message)]) };
    }
    throw error;
  }
}

class ConvertError extends Error {
  constructor(
    message: string,
    readonly pos: SourcePos,
  ) {
    super(message);
  }
}

/**
 * Builds plain data from the YAML node tree. Own walk rather than `toJS()` so
 * that mappings get a null prototype (`__proto__`/`constructor` are just keys),
 * every node's position is recorded, and alias expansion has a hard budget.
 */
class Converter {
  private expansions = 0;
  /** the outermost alias being expanded: where an alias bomb is reported */
  private outer: SourcePos = { line: 1, col: 1 };

  constructor(
    private readonly doc: Document,
    private readonly posAt: (offset: number) => SourcePos,
    private readonly nodes: Map<string, NodeRef>,
  ) {}

  convert(node: unknown, pointer: string, key: SourcePos | undefined): unknown {
    const pos = this.pos(node);
    this.nodes.set(pointer, key === undefined ? { value: pos } : { key, value: pos });
    return this.value(node, pointer, pos, 0);
  }

  private value(node: unknown, pointer: string, pos: SourcePos, depth: number): unknown {
    const { isAlias, isMap, isScalar, isSeq } = yamlLibrary();
    if (depth > 64) throw new ConvertError('aliases nest too deeply', pos);
    if (isAlias(node)) return this.alias(node, pointer, pos, depth);
    if (isScalar(node)) return node.value;
    if (isMap(node)) {
      const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
      for (const pair of node.items) {
        const keyNode = pair.key;
        if (keyNode !== null && !isScalar(keyNode)) {
          throw new ConvertError('mapping keys must be plain words, not lists, mappings or aliases', this.pos(keyNode, pos));
        }
        const name = String(keyNode?.value ?? '');
        const keyPos = this.pos(keyNode, pos);
        const valuePos = pair.value === null ? keyPos : this.pos(pair.value, keyPos);
        const child = `${pointer}/${escapePointer(name)}`;
        this.nodes.set(child, { key: keyPos, value: valuePos });
        out[name] = pair.value === null ? null : this.value(pair.value, child, valuePos, depth);
      }
      return out;
    }
    if (isSeq(node)) {
      return node.items.map((item, index) => {
        const child = `${pointer}/${index}`;
        const itemPos = this.pos(item, pos);
        this.nodes.set(child, { value: itemPos });
        return this.value(item, child, itemPos, depth);
      });
    }
    return null;
  }

  private alias(node: Alias, pointer: string, pos: SourcePos, depth: number): unknown {
    if (depth === 0) this.outer = pos;
    this.expansions++;
    if (this.expansions > MAX_ALIAS_EXPANSIONS) {
      throw new ConvertError(`more than ${MAX_ALIAS_EXPANSIONS} alias expansions (*name); the file looks like an alias bomb`, this.outer);
    }
    const target = node.resolve(this.doc);
    if (target === undefined) throw new ConvertError(`unknown alias *${node.source}: set the anchor &${node.source} before using it`, pos);
    return this.value(target, pointer, pos, depth + 1);
  }

  private pos(node: unknown, fallback: SourcePos = { line: 1, col: 1 }): SourcePos {
    const range = (node as Node | null)?.range;
    return range ? this.posAt(range[0]) : fallback;
  }
}

/**
 * yaml's lexemes read from one file before giving up: what the full parser
 * costs grows with them, not with bytes, and a file of `:` lines packs a
 * million into 1 MiB where ordinary YAML holds 200,000 to 500,000 (a
 * definition a few hundred). At this budget the worst file costs about as
 * much as an ordinary 1 MB file (bench/bounds.bench.mjs).
 */
export const MAX_YAML_TOKENS = 200_000;

const COMPOSE_OPTIONS = {
  // Duplicate keys are found below in one pass: yaml's own check compares each key with every earlier one.
  uniqueKeys: false,
  version: '1.2',
  schema: 'core',
  strict: true,
  keepSourceTokens: false,
} as const;

class TokenBudgetError extends Error {
  constructor(readonly offset: number) {
    super('over the YAML token budget');
  }
}

/**
 * `parseDocument` with a token budget, and without the stack trace that every
 * one of yaml's error objects captures (a broken file has one per line, and
 * the traces cost more than the parse).
 */
function composeDocument(text: string, lineCounter: LineCounter, maxTokens: number): Document.Parsed {
  const { Composer, Parser, YAMLParseError, parseDocument } = yamlLibrary();
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    const parser = new Parser(lineCounter.addNewLine);
    lineCounter.addNewLine(0);
    let doc: Document.Parsed | undefined;
    for (const next of new Composer(COMPOSE_OPTIONS).compose(budgeted(text, parser, maxTokens), true, text.length)) {
      if (doc === undefined) {
        doc = next;
        continue;
      }
      doc.errors.push(new YAMLParseError([next.range[0], next.range[1]], 'MULTIPLE_DOCS', 'the file holds several YAML documents'));
      break;
    }
    return doc!;
  } catch (error) {
    if (error instanceof TokenBudgetError || error instanceof RangeError) throw error;
    // Not a problem of the input: parse again with stack traces, for --debug.
    Error.stackTraceLimit = limit;
    parseDocument(text, COMPOSE_OPTIONS);
    throw error;
  } finally {
    Error.stackTraceLimit = limit;
  }
}

function* budgeted(text: string, parser: Parser, maxTokens: number): Generator<CST.Token, void> {
  let count = 0;
  for (const lexeme of new (yamlLibrary().Lexer)().lex(text)) {
    if (++count > maxTokens) throw new TokenBudgetError(parser.offset);
    yield* parser.next(lexeme);
  }
  yield* parser.end();
}

/** An error or warning of yaml's, or one found here. */
type Diagnostic = Pick<YAMLError, 'pos' | 'code' | 'message'>;

/**
 * The errors worth reading: everything up to and including the first syntax
 * error (the rest of the file is read through that mistake, so what follows
 * is mostly its echo), duplicate keys included; and the warnings before it.
 */
function reportedDiagnostics(doc: Document.Parsed, posAt: (offset: number) => SourcePos): { errors: Diagnostic[]; warnings: Diagnostic[] } {
  const all = [...doc.errors, ...duplicateKeys(doc.contents, posAt)].sort((a, b) => a.pos[0] - b.pos[0]);
  const syntax = all.findIndex((e) => e.code !== 'DUPLICATE_KEY');
  if (syntax === -1) return { errors: all, warnings: doc.warnings };
  const end = all[syntax]!.pos[0];
  return { errors: all.slice(0, syntax + 1), warnings: doc.warnings.filter((w) => w.pos[0] < end) };
}

/**
 * Keys equal to an earlier key of the same mapping, as yaml's `uniqueKeys`
 * defines equal, in linear time; the message names the key and the line of
 * its first use, as the flag files' JSON reader does.
 */
function duplicateKeys(root: unknown, posAt: (offset: number) => SourcePos): Diagnostic[] {
  const { isMap, isPair, isScalar, isSeq } = yamlLibrary();
  const found: Diagnostic[] = [];
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) {
      const seen = new Map<unknown, Scalar>();
      for (const pair of node.items) {
        const key = pair.key;
        if (isScalar(key)) {
          // A Map takes NaN for equal to NaN; yaml compares with ===.
          const first = Number.isNaN(key.value) ? undefined : seen.get(key.value);
          if (first !== undefined && key.range) {
            const line = first.range ? ` (first at line ${posAt(first.range[0]).line})` : '';
            found.push({ pos: [key.range[0], key.range[0] + 1], code: 'DUPLICATE_KEY', message: `duplicate key ${JSON.stringify(String(key.value))}${line}; each key may appear once in a mapping` });
          } else if (first === undefined) seen.set(key.value, key);
        }
        stack.push(pair.key, pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push(item);
    } else if (isPair(node)) {
      stack.push(node.key, node.value);
    }
  }
  return found;
}

const TAB_MESSAGE = 'tab used for indentation; YAML allows only spaces there';

/** yaml's codes for a line indented wrongly; the cause may be a tab among the spaces. */
const INDENT_ERRORS = new Set(['TAB_AS_INDENT', 'BAD_INDENT', 'MISSING_CHAR', 'BLOCK_AS_IMPLICIT_KEY', 'MULTILINE_IMPLICIT_KEY']);

/** ...and those yaml reports on the line of a value when the next line, indented by a tab, seems to continue it. */
const CONTINUED_ERRORS = new Set(['BLOCK_AS_IMPLICIT_KEY', 'MULTILINE_IMPLICIT_KEY']);

/**
 * Offset of the first tab in the indentation of the line holding `offset`
 * (for a value that seems continued, else of the next line that is not
 * blank), or -1.
 */
function tabInIndentation(text: string, offset: number, code: string): number {
  if (!INDENT_ERRORS.has(code)) return -1;
  const tab = indentationTab(text, text.lastIndexOf('\n', offset - 1) + 1);
  if (tab !== -1 || !CONTINUED_ERRORS.has(code)) return tab;
  for (let start = text.indexOf('\n', offset) + 1; start > 0; start = text.indexOf('\n', start) + 1) {
    if (!isBlankLine(text, start)) return indentationTab(text, start);
  }
  return -1;
}

/** Offset of the first tab among the spaces that start the line at `lineStart`, or -1. */
function indentationTab(text: string, lineStart: number): number {
  for (let i = lineStart; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 9) return i;
    if (c !== 32) return -1;
  }
  return -1;
}

function isBlankLine(text: string, lineStart: number): boolean {
  for (let i = lineStart; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) return true;
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

/** JSON pointer escaping, as ajv writes `instancePath`. */
export function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

function yamlMessage(code: string, message: string): string {
  switch (code) {
    case 'MULTIPLE_DOCS':
      return 'the file holds several YAML documents (---); keep one experiment per file';
    case 'TAB_AS_INDENT':
      return TAB_MESSAGE;
    default:
      return message;
  }
}

function byteLength(input: Uint8Array | string): number {
  if (typeof input !== 'string') return input.byteLength;
  // UTF-8 needs at least one byte and at most three per UTF-16 unit.
  if (input.length > MAX_FILE_BYTES || input.length * 3 <= MAX_FILE_BYTES) return input.length;
  return new TextEncoder().encode(input).byteLength;
}

/** The problem for a file over MAX_FILE_BYTES, so a reader can skip reading it. */
export function oversizeProblem(file: string, bytes: number): Problem {
  const size = `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  return {
    file,
    line: 1,
    col: 1,
    severity: 'error',
    rule: 'yaml',
    message: `the file is ${size}, over the 1 MiB limit for one file; a definition is a few dozen lines`,
  };
}

/** Offset of the first byte that breaks UTF-8 (RFC 3629: no overlongs, no surrogates, <= U+10FFFF). */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min = 0x80;
    let max = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) min = 0xa0;
      if (b === 0xed) max = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) min = 0x90;
      if (b === 0xf4) max = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined) return i;
      const lo = k === 1 ? min : 0x80;
      const hi = k === 1 ? max : 0xbf;
      if (c < lo || c > hi) return i;
    }
    i += need + 1;
  }
  return bytes.length;
}

/** Line and column (UTF-16 units, like LineCounter) of a byte offset in valid-up-to-there UTF-8. */
function bytePosition(bytes: Uint8Array, offset: number): SourcePos {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  const hasBom = lineStart === 0 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const prefix = new TextDecoder('utf-8').decode(bytes.subarray(lineStart + (hasBom ? 3 : 0), offset));
  return { line, col: prefix.length + 1 };
}
