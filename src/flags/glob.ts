/**
 * Globs over POSIX relative paths, the same on a folder and on a git tree
 * listing: `*` (any characters within one path segment), `?` (one
 * character), `**` as a whole segment (any number of segments, none
 * included), `{a,b}` (alternatives, nestable). Wildcards never match a
 * segment that starts with `.` unless the pattern spells the dot; every other
 * character stands for itself.
 */
export interface Glob {
  pattern: string;
  /** true when `path` (POSIX, relative, no leading `./`) matches */
  matches(path: string): boolean;
  /** true when some file below the folder `dir` could match (for pruning a walk) */
  mayContain(dir: string): boolean;
}

type Segment = { kind: 'globstar' } | { kind: 'literal'; text: string } | { kind: 'wild'; re: RegExp };

/** Alternatives of a pattern at most; a pattern with more is refused rather than expanded. */
const MAX_ALTERNATIVES = 256;

/** Compiles a glob (see the module comment). Throws a RangeError for a pattern with more than 256 brace alternatives. */
export function compileGlob(pattern: string): Glob {
  const alternatives = expandBraces(pattern).map(compileSegments);
  return {
    pattern,
    matches: (path) => {
      const parts = splitPath(path);
      return alternatives.some((segments) => matchFrom(segments, 0, parts, 0));
    },
    mayContain: (dir) => {
      const parts = splitPath(dir);
      return alternatives.some((segments) => prefixFrom(segments, 0, parts, 0));
    },
  };
}

/** True when `path` matches `pattern`. */
export function matchGlob(pattern: string, path: string): boolean {
  return compileGlob(pattern).matches(path);
}

/**
 * The paths of `paths` that match at least one of `patterns`, deduplicated
 * and sorted (for a git tree listing or any other list of files).
 */
export function filterByGlobs(patterns: readonly string[], paths: Iterable<string>): string[] {
  const globs = patterns.map(compileGlob);
  const out = new Set<string>();
  for (const path of paths) if (globs.some((g) => g.matches(path))) out.add(path);
  return [...out].sort();
}

/** `a{b,c{d,e}}f` → `abf`, `acdf`, `acef`. An unclosed `{` stands for itself. */
export function expandBraces(pattern: string): string[] {
  const open = findOpen(pattern);
  if (open === undefined) return [pattern];
  const { start, end, options } = open;
  const head = pattern.slice(0, start);
  const tail = pattern.slice(end + 1);
  const out: string[] = [];
  for (const option of options) {
    for (const expanded of expandBraces(head + option + tail)) {
      out.push(expanded);
      if (out.length > MAX_ALTERNATIVES) throw new RangeError(`the glob "${pattern}" expands to more than ${MAX_ALTERNATIVES} alternatives`);
    }
  }
  return out;
}

/** The first `{…}` holding a top-level comma, with its options. */
function findOpen(pattern: string): { start: number; end: number; options: string[] } | undefined {
  for (let start = pattern.indexOf('{'); start !== -1; start = pattern.indexOf('{', start + 1)) {
    let depth = 0;
    const commas: number[] = [];
    for (let i = start; i < pattern.length; i++) {
      const c = pattern[i];
      if (c === '{') depth++;
      else if (c === '}') {
        depth--;
        if (depth === 0) {
          if (commas.length === 0) break;
          const cuts = [start, ...commas, i];
          const options = cuts.slice(1).map((cut, k) => pattern.slice(cuts[k]! + 1, cut));
          return { start, end: i, options };
        }
      } else if (c === ',' && depth === 1) commas.push(i);
    }
  }
  return undefined;
}

function compileSegments(pattern: string): Segment[] {
  const segments: Segment[] = [];
  for (const part of splitPath(pattern)) {
    if (part === '**') {
      if (segments[segments.length - 1]?.kind !== 'globstar') segments.push({ kind: 'globstar' });
    } else if (!/[*?]/.test(part)) segments.push({ kind: 'literal', text: part });
    else {
      let source = part.startsWith('.') ? '' : '(?!\\.)';
      for (const c of part) source += c === '*' ? '[^/]*' : c === '?' ? '[^/]' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
      segments.push({ kind: 'wild', re: new RegExp(`^${source}$`, 's') });
    }
  }
  return segments;
}

function splitPath(path: string): string[] {
  return path.split('/').filter((part) => part !== '' && part !== '.');
}

function matchSegment(segment: Segment, name: string): boolean {
  if (segment.kind === 'literal') return segment.text === name;
  if (segment.kind === 'wild') return segment.re.test(name);
  return !name.startsWith('.');
}

function matchFrom(segments: Segment[], si: number, parts: string[], pi: number): boolean {
  for (;;) {
    const segment = segments[si];
    if (segment === undefined) return pi === parts.length;
    if (segment.kind === 'globstar') {
      // Zero segments, or absorb one more (never a dot segment) and try again.
      for (let k = pi; k <= parts.length; k++) {
        if (matchFrom(segments, si + 1, parts, k)) return true;
        if (k < parts.length && parts[k]!.startsWith('.')) return false;
      }
      return false;
    }
    if (pi >= parts.length || !matchSegment(segment, parts[pi]!)) return false;
    si++;
    pi++;
  }
}

function prefixFrom(segments: Segment[], si: number, parts: string[], pi: number): boolean {
  for (;;) {
    if (pi === parts.length) return si < segments.length;
    const segment = segments[si];
    if (segment === undefined) return false;
    if (segment.kind === 'globstar') {
      for (let k = pi; k < parts.length; k++) {
        if (prefixFrom(segments, si + 1, parts, k)) return true;
        if (parts[k]!.startsWith('.')) return false;
      }
      return true;
    }
    if (!matchSegment(segment, parts[pi]!)) return false;
    si++;
    pi++;
  }
}
