import type { FeatureFlag } from '@openfeature/flagd-core';
import { escapePointer, firstInvalidUtf8, MAX_FILE_BYTES, parseYamlData } from '../definitions/index.js';
import type { NodeRef, Problem, SourcePos } from '../definitions/index.js';
import { describeFlagdError, findMultiOperatorRule, labelOf, oneOperatorMessage } from './flagd-errors.js';
import { readWithFlagd } from './flagd.js';
import { MAX_DEPTH, readJsonSource } from './json-source.js';
import { bucketEntries, findFractionals, measureRules, resolveEvaluators } from './targeting.js';
import type { Flag, FlagdFlag, FlagFile } from './types.js';

/** The rule id of every problem of a flag file. */
export const FLAG_FILE_RULE = 'flag-file';

/**
 * JSONLogic operations per file, `$ref`s expanded. flagd-core's compiler
 * fails past a few thousand in one rule and slows down superlinearly
 * before that; a file over this is refused before flagd-core sees it.
 */
export const MAX_RULE_OPERATIONS = 10_000;

/** Values in a file's rules, `$ref`s expanded (long allow-lists are fine; a $ref used a thousand times is not). */
export const MAX_RULE_NODES = 200_000;

/**
 * One object shared by the flags readFlagFile read with the same content (and
 * file metadata), so what depends on a flag's content alone (a computed split)
 * is worked out once for all of them; undefined for a flag made elsewhere.
 */
export function contentOf(flag: Flag): object | undefined {
  return ReadFlag.contentOf(flag);
}

/**
 * The definition of each flag content (FlagdFlagRead.content), as the first
 * flag read with it has it: the flags of one content share one definition
 * (equal, and never changed), so ten thousand flags keep a handful of rule
 * trees alive instead of one each, which the garbage collector would copy
 * and compact again and again.
 */
const definitions = new WeakMap<object, FlagdFlag>();

/** Flag contents (FlagdFlagRead.content) whose fractionals name only the flag's variants: that depends on the content alone. */
const namesOnlyVariants = new WeakSet<object>();

/** The flagd-core flag read together with `flag`, if `flag` came from readFlagFile (so a file is parsed once). */
export function featureFlagOf(flag: Flag): FeatureFlag | undefined {
  return ReadFlag.featureOf(flag);
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads one flagd flag file given its path and bytes. Pure. YAML when the
 * name ends in `.yaml`/`.yml` (read with the definitions' YAML reader, then
 * handed to flagd-core as JSON), JSON otherwise. flagd-core validates it
 * strictly; its refusals are said in words at file:line:col. On top of
 * flagd: a key repeated in one object (flagd would keep the last), and a
 * `fractional` naming a variant the flag does not have. Bounded like
 * definition files (1 MiB, nesting, YAML aliases). Any error leaves `flags` empty.
 */
export function readFlagFile(file: string, input: Uint8Array | string): FlagFile {
  const format: FlagFile['format'] = /\.ya?ml$/i.test(file) ? 'yaml' : 'json';
  const problem = (pos: SourcePos, message: string): Problem => ({ file, line: pos.line, col: pos.col, severity: 'error', rule: FLAG_FILE_RULE, message });
  const refused = (text: string, problems: Problem[]): FlagFile => ({ file, format, text, flags: [], problems });

  const size = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.byteLength;
  if (size > MAX_FILE_BYTES) {
    return refused('', [problem({ line: 1, col: 1 }, `the file is ${(size / (1024 * 1024)).toFixed(1)} MiB, over the 1 MiB limit for one flag file; split it`)]);
  }
  let text: string;
  if (typeof input === 'string') text = input;
  else {
    try {
      text = decoder.decode(input);
    } catch {
      const at = firstInvalidUtf8(input);
      const line = countLines(input, at);
      return refused('', [problem({ line, col: 1 }, `invalid UTF-8 (byte 0x${(input[at] ?? 0).toString(16).padStart(2, '0')}); save the file as UTF-8`)]);
    }
  }
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;

  let data: unknown;
  let locate: (pointer: string) => NodeRef | undefined;
  if (format === 'yaml') {
    const parsed = parseYamlData(file, body);
    if (!parsed.ok) return refused(text, parsed.problems.map((p) => ({ ...p, rule: FLAG_FILE_RULE })));
    const errors = parsed.problems.filter((p) => p.severity === 'error');
    if (errors.length > 0) return refused(text, errors.map((p) => ({ ...p, rule: FLAG_FILE_RULE })));
    data = parsed.source.data;
    const nodes = parsed.source.nodes;
    locate = (pointer) => nodes.get(pointer);
    if (data === undefined) return refused(text, [problem({ line: 1, col: 1 }, 'the file is empty; a flagd file is a mapping with "flags"')]);
    const deep = deepestPointer(data);
    if (deep !== undefined) return refused(text, [problem(nodes.get(deep)?.value ?? { line: 1, col: 1 }, `the file nests more than ${MAX_DEPTH} levels deep; a flag file needs a few`)]);
  } else {
    const parsed = readJsonSource(body);
    if (parsed.errors.length > 0) return refused(text, parsed.errors.map((e) => problem(e.pos, e.message)));
    data = parsed.data;
    locate = parsed.locate;
  }
  const at = (pointer: string, key = false): SourcePos => {
    for (let p = pointer; ; p = p.slice(0, Math.max(0, p.lastIndexOf('/')))) {
      const ref = locate(p);
      if (ref !== undefined) return (key && p === pointer ? ref.key : undefined) ?? ref.value;
      if (p === '') return { line: 1, col: 1 };
    }
  };

  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return refused(text, [problem(at(''), `a flagd file is ${format === 'json' ? 'an object' : 'a mapping'} with "flags", not ${Array.isArray(data) ? 'a list' : data === null ? 'null' : `a single ${typeof data}`}`)]);
  }
  const rules = measureRules(data);
  if (rules.operations > MAX_RULE_OPERATIONS || rules.nodes > MAX_RULE_NODES) {
    const what = rules.operations > MAX_RULE_OPERATIONS ? `${rules.operations} operations (at most ${MAX_RULE_OPERATIONS})` : `${rules.nodes} values (at most ${MAX_RULE_NODES})`;
    return refused(text, [problem(at('/flags'), `the targeting rules of this file hold ${what} once each $ref is expanded; flagd compiles them all, so keep the rules smaller`)]);
  }
  const json = format === 'json' ? body : JSON.stringify(data);
  // Plain objects (YAML gives null-prototype ones), as flagd sees them.
  const plain = (format === 'yaml' ? JSON.parse(json) : data) as Record<string, unknown>;
  const flagd = readWithFlagd(json, plain);
  if (!flagd.ok) {
    const findings = describeFlagdError(flagd.error, data).map((f) => problem(at(f.pointer, f.atKey === true), f.message));
    return refused(text, findings.sort((a, b) => a.line - b.line || a.col - b.col));
  }

  const problems: Problem[] = [];
  for (const warning of flagd.warnings) problems.push(problem(at(''), `flagd-core: ${warning}`));
  const resolved = resolveEvaluators(plain) as { flags: Record<string, FlagdFlag> };
  const flags: Flag[] = [];
  const flagPosition = (key: string): SourcePos => at(`/flags/${escapePointer(key)}`, true);
  for (const [key, feature] of flagd.flags) {
    if (feature.compileFailed) {
      const targetingPointer = `/flags/${escapePointer(key)}/targeting`;
      const written = (data as { flags: Record<string, { targeting?: unknown }> }).flags[key]?.targeting;
      const several = findMultiOperatorRule(written, targetingPointer);
      problems.push(
        several === undefined
          ? problem(at(targetingPointer), `flag "${key}": flagd cannot compile its targeting, so every evaluation would fail`)
          : problem(at(`${several.pointer}/${escapePointer(several.operators[1]!)}`, true), oneOperatorMessage(labelOf(several.pointer), several.operators)),
      );
    }
    let definition = definitions.get(feature.content);
    if (definition === undefined) definitions.set(feature.content, (definition = resolved.flags[key]!));
    const variants = feature.variants;
    if (!namesOnlyVariants.has(feature.content)) {
      const before = problems.length;
      for (const use of findFractionals(data, key)) {
        for (const entry of bucketEntries(use.args)) {
          const name = entry.variant;
          if ((typeof name === 'string' || typeof name === 'number' || typeof name === 'boolean') && !variants.includes(String(name))) {
            problems.push(problem(at(`${use.pointer}/${entry.index}/0`), `flag "${key}": the fractional names "${String(name)}", which is not one of its variants (${variants.join(', ')})`));
          }
        }
      }
      if (problems.length === before) namesOnlyVariants.add(feature.content);
    }
    const targeting = definition.targeting;
    const flag = new ReadFlag(
      key,
      file,
      feature.state as Flag['state'],
      feature.defaultVariant,
      variants,
      targeting !== null && typeof targeting === 'object' && Object.keys(targeting).length > 0 ? targeting : undefined,
      feature.hash,
      definition,
      flagPosition,
      feature.content,
      feature.feature,
    );
    flags.push(flag);
  }
  problems.sort((a, b) => a.line - b.line || a.col - b.col);
  if (problems.length > 0) return refused(text, problems);
  return { file, format, text, flags, problems };
}

/**
 * A flag as readFlagFile returns it. `position` is asked for only when a
 * problem names the flag: a JSON file's position tree is then built once, not
 * for every read. It is a getter of the class, not of each object: an object
 * literal with a getter is slow to make and leaves V8 a slow (dictionary)
 * object, and a repository may hold ten thousand flags.
 */
class ReadFlag implements Flag {
  readonly #locate: (key: string) => SourcePos;
  readonly #content: object;
  readonly #feature: FeatureFlag | undefined;
  #position: SourcePos | undefined;

  constructor(
    public key: string,
    public file: string,
    public state: Flag['state'],
    public defaultVariant: string | undefined,
    public variants: string[],
    public targeting: unknown,
    public hash: string,
    public definition: FlagdFlag,
    locate: (key: string) => SourcePos,
    content: object,
    feature: FeatureFlag | undefined,
  ) {
    this.#locate = locate;
    this.#content = content;
    this.#feature = feature;
  }

  /** See contentOf. */
  static contentOf(flag: Flag): object | undefined {
    return #content in flag ? (flag as ReadFlag).#content : undefined;
  }

  /** See featureFlagOf. */
  static featureOf(flag: Flag): FeatureFlag | undefined {
    return #feature in flag ? (flag as ReadFlag).#feature : undefined;
  }

  get position(): SourcePos {
    return (this.#position ??= this.#locate(this.key));
  }
}

/** The first pointer deeper than MAX_DEPTH, if any (YAML aliases can nest data the text does not show). */
function deepestPointer(data: unknown): string | undefined {
  const stack: Array<{ node: unknown; pointer: string; depth: number }> = [{ node: data, pointer: '', depth: 0 }];
  while (stack.length > 0) {
    const { node, pointer, depth } = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth >= MAX_DEPTH) return pointer;
    for (const [k, v] of Object.entries(node)) stack.push({ node: v, pointer: `${pointer}/${escapePointer(k)}`, depth: depth + 1 });
  }
  return undefined;
}

function countLines(bytes: Uint8Array, end: number): number {
  let line = 1;
  for (let i = 0; i < end; i++) if (bytes[i] === 0x0a) line++;
  return line;
}
