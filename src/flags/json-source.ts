import type { Node, ParseError } from 'jsonc-parser';
import type { NodeRef, SourcePos } from '../definitions/index.js';
import { jsoncParser } from './jsonc-library.js';

/** A JSON flag file: its data, where each node stands, and the problems of its syntax. */
export interface JsonSource {
  data: unknown;
  /** JSON pointer → position of the key (for object members) and of the value */
  locate: (pointer: string) => NodeRef | undefined;
  /** syntax errors and keys repeated in one object, in file order */
  errors: Array<{ pos: SourcePos; message: string }>;
}

/** Nesting deeper than this is refused before any recursive reader sees it. */
export const MAX_DEPTH = 100;

/**
 * Parses JSON as flagd does (strict: no comments, no trailing commas) with
 * jsonc-parser's tree for positions. Pure. The data comes from `JSON.parse`, so
 * a key such as `__proto__` stays an ordinary key.
 */
export function parseJsonSource(text: string): JsonSource {
  const lines = lineStarts(text);
  const posAt = (offset: number): SourcePos => positionOf(lines, offset);
  const errors: Array<{ pos: SourcePos; message: string }> = [];
  const depth = maxDepth(text);
  if (depth.over !== undefined) {
    errors.push({ pos: posAt(depth.over), message: `the file nests more than ${MAX_DEPTH} levels deep; a flag file needs a few` });
    return { data: undefined, locate: () => undefined, errors };
  }
  if (text.trim() === '') return { data: undefined, locate: () => undefined, errors: [{ pos: { line: 1, col: 1 }, message: 'the file is empty; a flagd file is a JSON object with "flags"' }] };
  const { parseTree, printParseErrorCode } = jsoncParser();
  const syntax: ParseError[] = [];
  const tree = parseTree(text, syntax, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  // Past the first syntax error the parser's guesses only cascade.
  for (const error of syntax.slice(0, 1)) errors.push({ pos: posAt(error.offset), message: syntaxMessage(printParseErrorCode(error.error)) });
  if (errors.length > 0 || tree === undefined) {
    if (errors.length === 0) errors.push({ pos: { line: 1, col: 1 }, message: 'the file is empty; a flagd file is a JSON object with "flags"' });
    return { data: undefined, locate: () => undefined, errors };
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const at = /position (\d+)/.exec(String((error as Error).message));
    errors.push({ pos: posAt(at ? Number(at[1]) : 0), message: `not valid JSON: ${(error as Error).message}` });
    return { data: undefined, locate: () => undefined, errors };
  }
  findDuplicateKeys(tree, posAt, errors);
  // Members by name, built once per object looked into: a file of 10,000 flags stays linear.
  const members = new Map<Node, Map<string, Node>>();
  const memberOf = (object: Node, name: string): Node | undefined => {
    let byName = members.get(object);
    if (byName === undefined) {
      byName = new Map();
      for (const p of object.children ?? []) {
        const k = p.children?.[0]?.value;
        if (typeof k === 'string' && !byName.has(k)) byName.set(k, p);
      }
      members.set(object, byName);
    }
    return byName.get(name);
  };
  const locate = (pointer: string): NodeRef | undefined => {
    let node: Node | undefined = tree;
    let key: Node | undefined;
    for (const segment of pointerSegments(pointer)) {
      if (node === undefined) return undefined;
      if (node.type === 'object') {
        const property = memberOf(node, segment);
        key = property?.children?.[0];
        node = property?.children?.[1];
      } else if (node.type === 'array' && /^\d+$/.test(segment)) {
        key = undefined;
        node = node.children?.[Number(segment)];
      } else return undefined;
    }
    if (node === undefined) return undefined;
    return key === undefined ? { value: posAt(node.offset) } : { key: posAt(key.offset), value: posAt(node.offset) };
  };
  return { data, locate, errors };
}

function findDuplicateKeys(root: Node, posAt: (offset: number) => SourcePos, errors: Array<{ pos: SourcePos; message: string }>): void {
  const stack: Array<{ node: Node; path: string[] }> = [{ node: root, path: [] }];
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    if (node.type === 'object') {
      const seen = new Map<string, Node>();
      for (const property of node.children ?? []) {
        const keyNode = property.children?.[0];
        const valueNode = property.children?.[1];
        if (keyNode === undefined) continue;
        const name = String(keyNode.value);
        const first = seen.get(name);
        if (first !== undefined) {
          const line = posAt(first.offset).line;
          const isFlag = path.length === 1 && path[0] === 'flags';
          errors.push({
            pos: posAt(keyNode.offset),
            message: isFlag
              ? `flag "${name}" is defined twice in this file (first at line ${line}); flagd would keep only the last one, so keep one`
              : `duplicate key "${name}" (first at line ${line}); each key may appear once in an object`,
          });
        } else seen.set(name, keyNode);
        if (valueNode !== undefined) stack.push({ node: valueNode, path: [...path, name] });
      }
    } else if (node.type === 'array') {
      (node.children ?? []).forEach((child, index) => stack.push({ node: child, path: [...path, String(index)] }));
    }
  }
  errors.sort((a, b) => a.pos.line - b.pos.line || a.pos.col - b.pos.col);
}

/** The deepest bracket nesting, and where it first goes past MAX_DEPTH (strings skipped). */
function maxDepth(text: string): { over?: number } {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      depth++;
      if (depth > MAX_DEPTH) return { over: i };
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return {};
}

const SYNTAX_WORDS: Record<string, string> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'malformed number',
  PropertyNameExpected: 'a key in double quotes expected',
  ValueExpected: 'a value expected',
  ColonExpected: '":" expected after the key',
  CommaExpected: '"," expected between entries',
  CloseBraceExpected: '"}" expected',
  CloseBracketExpected: '"]" expected',
  EndOfFileExpected: 'text after the end of the JSON value',
  InvalidCommentToken: 'comments are not allowed in a flagd JSON file',
  UnexpectedEndOfComment: 'comments are not allowed in a flagd JSON file',
  UnexpectedEndOfString: 'a string is not closed',
  UnexpectedEndOfNumber: 'a number is cut short',
  InvalidUnicode: 'malformed \\u escape',
  InvalidEscapeCharacter: 'unknown escape in a string',
  InvalidCharacter: 'control character in a string; escape it',
};

function syntaxMessage(code: string): string {
  return `not valid JSON: ${SYNTAX_WORDS[code] ?? code}`;
}

/**
 * parseJsonSource, fast for the common case: a file that `JSON.parse` reads,
 * with no key repeated and no nesting past MAX_DEPTH, needs nothing more, and
 * the position tree of parseJsonSource is built only when something asks
 * where a node stands (a problem, a flag's position). Anything else goes to
 * parseJsonSource, for its messages. Same results. Pure.
 */
export function readJsonSource(text: string): JsonSource {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return parseJsonSource(text);
  }
  if (!hasUniqueKeys(text, data)) return parseJsonSource(text);
  let full: JsonSource | undefined;
  return { data, locate: (pointer) => (full ??= parseJsonSource(text)).locate(pointer), errors: [] };
}

/**
 * True when no object of `data` (what JSON.parse made of `text`) lost a
 * repeated key and nothing nests past MAX_DEPTH: the members written in the
 * text are as many as the members parsed.
 */
function hasUniqueKeys(text: string, data: unknown): boolean {
  const members = countMembers(data, 0);
  return members !== -1 && members === countKeyColons(text);
}

/** Members of every object in `value`, or -1 when an object or list nests MAX_DEPTH deep (which also bounds the recursion). */
function countMembers(value: unknown, depth: number): number {
  if (value === null || typeof value !== 'object') return 0;
  if (depth >= MAX_DEPTH) return -1;
  let count = 0;
  if (Array.isArray(value)) {
    for (const item of value) {
      const inner = countMembers(item, depth + 1);
      if (inner === -1) return -1;
      count += inner;
    }
    return count;
  }
  for (const key in value) {
    const inner = countMembers((value as Record<string, unknown>)[key], depth + 1);
    if (inner === -1) return -1;
    count += inner + 1;
  }
  return count;
}

/**
 * The `:`s of a text JSON.parse accepted that follow a quote which is not
 * escaped, whitespace aside. Every member's `:` does (it follows its key), so
 * this is never below the members written; a `:` inside a string can only add
 * to it (`" :"`), and then the caller takes the full parse. Equal to the
 * members parsed therefore means no key was repeated. The colons are found
 * with indexOf: reading the text character by character costs several times more.
 */
function countKeyColons(text: string): number {
  let count = 0;
  for (let at = text.indexOf(':'); at !== -1; at = text.indexOf(':', at + 1)) {
    let before = at - 1;
    let c = text.charCodeAt(before);
    while (c === 32 || c === 10 || c === 13 || c === 9) c = text.charCodeAt(--before);
    if (c !== 34 /* " */) continue;
    let backslashes = 0;
    while (text.charCodeAt(before - 1 - backslashes) === 92 /* \ */) backslashes++;
    if (backslashes % 2 === 0) count++;
  }
  return count;
}

/** `/flags/a~1b` → `['flags', 'a/b']` */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function positionOf(starts: number[], offset: number): SourcePos {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, col: offset - starts[lo]! + 1 };
}
