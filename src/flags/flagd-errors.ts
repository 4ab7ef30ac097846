import { escapePointer } from '../definitions/index.js';
import { pointerSegments } from './json-source.js';

/** A refusal of flagd-core said in words, at a JSON pointer into the file as written. */
export interface FlagdFinding {
  pointer: string;
  message: string;
  /** report at the key of the member `pointer` names (an unknown field), not at its value */
  atKey?: boolean;
}

interface AjvError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/** Findings listed per file; the rest are counted. */
const MAX_FINDINGS = 20;

/**
 * Translates what flagd-core's strict `setConfigurations` threw into findings
 * at the nodes of the file as written. flagd-core throws a ParseError whose
 * message is `invalid flagd flag configuration` followed by ajv's error list
 * (one copy per branch of its schema's `anyOf`s, paths into the file after
 * `$ref`s were replaced, no positions), or carries the real error as `cause`:
 * its own structure check (`Default variant b missing from variants {}`), a
 * JSON syntax error, or a stack overflow. Pure.
 */
export function describeFlagdError(error: unknown, data: unknown): FlagdFinding[] {
  const message = error instanceof Error ? error.message : String(error);
  const list = ajvErrors(message);
  if (list !== undefined) return describeAjvErrors(list, data);
  const cause = error instanceof Error ? (error.cause as Error | undefined) : undefined;
  const causeMessage = cause instanceof Error ? cause.message : cause === undefined ? '' : String(cause);
  if (/^Default variant .* missing from variants/.test(causeMessage)) {
    const found = missingDefaultVariants(data);
    if (found.length > 0) return found;
  }
  if (cause instanceof RangeError) return [{ pointer: '', message: 'the file nests too deeply for flagd to read' }];
  const detail = causeMessage !== '' ? causeMessage : message;
  return [{ pointer: '', message: `flagd-core refuses the file: ${detail}` }];
}

function ajvErrors(message: string): AjvError[] | undefined {
  const at = message.indexOf(': [');
  if (at === -1) return undefined;
  try {
    const parsed: unknown = JSON.parse(message.slice(at + 2));
    return Array.isArray(parsed) ? (parsed as AjvError[]) : undefined;
  } catch {
    return undefined;
  }
}

function describeAjvErrors(errors: AjvError[], data: unknown): FlagdFinding[] {
  // anyOf/oneOf only say "one of the branches failed"; the branches' own errors say why.
  const specific = errors.filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf');
  const byScope = new Map<string, AjvError[]>();
  for (const e of specific.length > 0 ? specific : errors) {
    const scope = scopeOf(e.instancePath);
    const list = byScope.get(scope);
    if (list === undefined) byScope.set(scope, [e]);
    else list.push(e);
  }
  const findings: FlagdFinding[] = [];
  for (const list of byScope.values()) {
    // Every branch tried reports its own mismatch; the one that got deepest into the file is the one meant.
    const deepest = Math.max(...list.map((e) => depthOf(e.instancePath)));
    const atDeepest = list.filter((e) => depthOf(e.instancePath) === deepest);
    const byPath = new Map<string, AjvError[]>();
    for (const e of atDeepest) {
      const same = byPath.get(e.instancePath);
      if (same === undefined) byPath.set(e.instancePath, [e]);
      else same.push(e);
    }
    const variantTypes = [...byPath.keys()].every((path) => /^\/flags\/[^/]+\/variants\/[^/]+$/.test(path));
    if (variantTypes && atDeepest.every((e) => e.keyword === 'type')) {
      const flagPath = [...byPath.keys()][0]!.split('/').slice(0, 3).join('/');
      findings.push({ pointer: `${flagPath}/variants`, message: mixedVariantsMessage(flagPath, data) });
      continue;
    }
    for (const [path, same] of byPath) findings.push(describeAt(path, same, data));
  }
  const unique = findings.filter((f, i) => findings.findIndex((g) => g.pointer === f.pointer && g.message === f.message) === i);
  const mapped = unique.map((f): FlagdFinding => {
    const pointer = sourcePointer(data, f.pointer);
    // A pointer cut short by sourcePointer names a parent: its value is the place to point at.
    return f.atKey === true && pointer === f.pointer ? { pointer, message: f.message, atKey: true } : { pointer, message: f.message };
  });
  if (mapped.length <= MAX_FINDINGS) return mapped;
  return [...mapped.slice(0, MAX_FINDINGS), { pointer: mapped[MAX_FINDINGS]!.pointer, message: `${mapped.length - MAX_FINDINGS} more problems in this file are not listed; fix the ones above first` }];
}

/** `/flags/a/targeting/if` → `/flags/a`; `/$evaluators/e/…` → `/$evaluators/e`; else `''`. */
function scopeOf(path: string): string {
  const parts = path.split('/');
  if ((parts[1] === 'flags' || parts[1] === '$evaluators') && parts.length > 2) return parts.slice(0, 3).join('/');
  return '';
}

function depthOf(path: string): number {
  return path === '' ? 0 : path.split('/').length - 1;
}

function describeAt(path: string, errors: AjvError[], data: unknown): FlagdFinding {
  const value = valueAt(data, path);
  const where = labelOf(path);
  const inRule = /^\/(flags\/[^/]+\/targeting|\$evaluators\/[^/]+)(\/|$)/.test(path);
  const first = errors[0]!;
  const params = first.params;
  switch (first.keyword) {
    case 'type': {
      const wanted = [...new Set(errors.filter((e) => e.keyword === 'type').flatMap((e) => [e.params['type']].flat().map(String)))];
      const words = /\/targeting$/.test(path) ? ['an object (a JSONLogic rule)'] : wanted.map((t) => typeWord(t, inRule));
      return { pointer: path, message: `${where} must be ${words.join(' or ')}, not ${kindOf(value)}` };
    }
    case 'enum': {
      const allowed = (params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(' or ');
      return { pointer: path, message: `${where} must be ${allowed}, not ${kindOf(value)}` };
    }
    case 'required': {
      const missing = String(params['missingProperty']);
      if (path === '' && missing === 'flags') return { pointer: path, message: 'the file has no "flags"; a flagd file is {"flags": {"<key>": {"state": …, "variants": …, "defaultVariant": …}}}' };
      return { pointer: path, atKey: true, message: `${where} has no "${missing}"; add it` };
    }
    case 'additionalProperties': {
      const extra = String(params['additionalProperty']);
      if (path === '/flags' && extra === '') return { pointer: `${path}/`, atKey: true, message: 'a flag key must not be empty' };
      if (inRule) {
        const operators = value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value) : [];
        if (operators.length > 1) return { pointer: `${path}/${escapePointer(operators[1]!)}`, atKey: true, message: oneOperatorMessage(where, operators) };
        const hint = extra === '$ref' ? '; "$ref" must name an entry of "$evaluators"' : '';
        return { pointer: `${path}/${escapePointer(extra)}`, atKey: true, message: `${where}: "${extra}" is not an operator flagd knows${hint}` };
      }
      return { pointer: `${path}/${escapePointer(extra)}`, atKey: true, message: `${where} has the unknown field "${extra}"` };
    }
    case 'minItems':
    case 'maxItems': {
      const count = Array.isArray(value) ? value.length : 0;
      const bound = first.keyword === 'minItems' ? 'at least' : 'at most';
      return { pointer: path, message: `${where} takes ${bound} ${String(params['limit'])} ${inRule ? 'arguments' : 'items'}, not ${count}` };
    }
    case 'minProperties':
      if (/^\/flags\/[^/]+\/variants$/.test(path)) return { pointer: path, message: `${where} is empty; a flag needs at least one variant` };
      return { pointer: path, message: `${where} needs at least ${String(params['limit'])} entries` };
    case 'pattern':
      if (typeof value === 'string' && value.startsWith('$flagd.')) {
        return { pointer: path, message: `${where} reads "${value}"; flagd provides only $flagd.timestamp and $flagd.flagKey` };
      }
      return { pointer: path, message: `${where} "${String(value)}" is not in the form flagd expects` };
    default:
      return { pointer: path, message: `${where} ${first.message ?? 'is not valid flagd'}` };
  }
}

/**
 * The first JSONLogic rule (an object) below `node` that holds more than one
 * operator, with its pointer (`pointer` is where `node` stands); flagd reads
 * a rule as exactly one operator and its arguments. Pure.
 */
export function findMultiOperatorRule(node: unknown, pointer: string): { pointer: string; operators: string[] } | undefined {
  const stack: Array<{ node: unknown; pointer: string; depth: number }> = [{ node, pointer, depth: 0 }];
  while (stack.length > 0) {
    const { node: current, pointer: at, depth } = stack.pop()!;
    if (current === null || typeof current !== 'object' || depth > 200) continue;
    const entries = Array.isArray(current) ? current.map((child, i) => [String(i), child] as const) : Object.entries(current);
    if (!Array.isArray(current) && entries.length > 1) return { pointer: at, operators: entries.map(([key]) => key) };
    for (let i = entries.length - 1; i >= 0; i--) stack.push({ node: entries[i]![1], pointer: `${at}/${escapePointer(entries[i]![0])}`, depth: depth + 1 });
  }
  return undefined;
}

/** What to say about a rule with several operators. */
export function oneOperatorMessage(where: string, operators: readonly string[]): string {
  const named = operators.map((o) => `"${o}"`);
  const list = named.length === 2 ? `${named[0]} and ${named[1]}` : `${named.slice(0, -1).join(', ')} and ${named[named.length - 1]}`;
  return `${where}: a rule holds one operator, and this one has ${list}; keep one, and nest the others inside it (conditions combine with "and")`;
}

function mixedVariantsMessage(flagPath: string, data: unknown): string {
  const variants = valueAt(data, `${flagPath}/variants`);
  const kinds =
    variants !== null && typeof variants === 'object'
      ? Object.entries(variants as Record<string, unknown>).map(([name, v]) => `"${name}" is ${kindName(v)}`)
      : [];
  return `${labelOf(flagPath)}: variants must be all booleans, all strings, all numbers or all objects, and none empty; here ${kinds.join(', ')}`;
}

function missingDefaultVariants(data: unknown): FlagdFinding[] {
  const flags = (data as { flags?: unknown } | null)?.flags;
  if (flags === null || typeof flags !== 'object') return [];
  const findings: FlagdFinding[] = [];
  for (const [key, flag] of Object.entries(flags as Record<string, unknown>)) {
    const f = flag as { defaultVariant?: unknown; variants?: unknown } | null;
    if (f === null || typeof f !== 'object' || typeof f.defaultVariant !== 'string' || f.defaultVariant === '') continue;
    const variants = f.variants !== null && typeof f.variants === 'object' ? Object.keys(f.variants) : [];
    if (variants.includes(f.defaultVariant)) continue;
    findings.push({
      pointer: `/flags/${escapePointer(key)}/defaultVariant`,
      message: `flag "${key}": defaultVariant "${f.defaultVariant}" is not one of its variants (${variants.join(', ')})`,
    });
  }
  return findings;
}

/**
 * Maps a pointer into the file flagd-core validated (with `$ref`s replaced)
 * to the file as written: a `{"$ref": name}` on the way leads into
 * `$evaluators/name`; a step that does not exist stops at the last node that does.
 */
export function sourcePointer(data: unknown, pointer: string): string {
  let node = data;
  let out = '';
  for (const segment of pointerSegments(pointer)) {
    const ref = refName(node);
    if (ref !== undefined) {
      const evaluators = (data as Record<string, unknown>)['$evaluators'] as Record<string, unknown> | undefined;
      if (evaluators !== undefined && Object.hasOwn(evaluators, ref)) {
        node = evaluators[ref];
        out = `/$evaluators/${escapePointer(ref)}`;
      }
    }
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, segment)) return out;
    node = (node as Record<string, unknown>)[segment];
    out += `/${escapePointer(segment)}`;
  }
  return out;
}

function refName(node: unknown): string | undefined {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
  const keys = Object.keys(node);
  const ref = (node as Record<string, unknown>)['$ref'];
  return keys.length === 1 && typeof ref === 'string' ? ref : undefined;
}

function valueAt(data: unknown, pointer: string): unknown {
  let node = data;
  for (const segment of pointerSegments(pointer)) {
    const ref = refName(node);
    if (ref !== undefined) node = ((data as Record<string, unknown>)['$evaluators'] as Record<string, unknown> | undefined)?.[ref];
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, segment)) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

/** `/flags/a/targeting/fractional/0/1` → `flag "a", targeting.fractional[0][1]` */
export function labelOf(pointer: string): string {
  const segments = pointerSegments(pointer);
  if (segments.length === 0) return 'the file';
  let head: string;
  let rest: string[];
  if (segments[0] === 'flags' && segments.length >= 2) {
    head = `flag "${segments[1]}"`;
    rest = segments.slice(2);
  } else if (segments[0] === '$evaluators' && segments.length >= 2) {
    head = `evaluator "${segments[1]}"`;
    rest = segments.slice(2);
  } else {
    head = '';
    rest = segments;
  }
  let path = '';
  for (const s of rest) path += /^\d+$/.test(s) ? `[${s}]` : path === '' ? s : `.${s}`;
  if (head === '') return `"${path}"`;
  return path === '' ? head : `${head}, ${path}`;
}

function typeWord(type: string, inRule: boolean): string {
  const words: Record<string, string> = {
    string: 'text',
    number: 'a number',
    integer: 'a whole number',
    boolean: 'true or false',
    array: 'a list',
    object: inRule ? 'a rule ({"var": …})' : 'an object',
    null: 'null',
  };
  return words[type] ?? type;
}

function kindName(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'number') return 'a number';
  if (typeof value === 'boolean') return 'a boolean';
  return typeof value;
}

function kindOf(value: unknown): string {
  if (value === null || value === undefined) return 'an empty value';
  if (typeof value === 'string') return `the text "${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'boolean') return String(value);
  return kindName(value);
}
