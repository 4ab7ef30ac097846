import { posix } from 'node:path';

/**
 * The import rules of src/ (ARCHITECTURE.md, STYLE.md): a folder's index.ts is
 * its public face, commands stay independent, the emulator stands alone, and
 * neither folders nor the files inside one folder import each other in a
 * cycle (a lazy `import()` included: it only hides the cycle from the loader),
 * and a folder exports only its own code: its files (index.ts included)
 * never re-export what another folder exports, so each name has one home. A folder is a top-level folder of
 * src/ (cli/commands/ belongs to cli/); src/errors.ts and src/index.ts are
 * files, not folders.
 */
export type ImportRule = 'index-only' | 'command-to-command' | 'emulator-to-eppo' | 'folder-cycle' | 'file-cycle' | 'foreign-re-export';

export interface ImportViolation {
  rule: ImportRule;
  message: string;
}

/** File (relative to src/, with `/`) → the module specifiers it imports, as written. */
export type ImportMap = ReadonlyMap<string, readonly string[]>;

/**
 * Checks every relative import of every file against the rules, and, when
 * given, every re-export (file → the specifiers whose bindings it exports
 * again, `readReExports`). Pure: the files are given as maps, so the rules
 * can be tried on made-up trees.
 */
export function checkImportRules(files: ImportMap, reExports: ImportMap = new Map()): ImportViolation[] {
  const violations: ImportViolation[] = [];
  for (const [file, specifiers] of [...reExports].sort(([a], [b]) => compare(a, b))) {
    const from = unitOf(file);
    // src/index.ts is the package's face: gathering the folders' exports is its job.
    if (!isFolder(from)) continue;
    for (const specifier of specifiers) {
      if (!specifier.startsWith('./') && !specifier.startsWith('../')) continue;
      const to = unitOf(posix.normalize(posix.join(posix.dirname(file), specifier)));
      if (to === from) continue;
      violations.push({
        rule: 'foreign-re-export',
        message: `${file} re-exports ${specifier}: a folder exports only its own code; import it from ${label(to)} where it is needed, or move it into ${from}/ when it belongs there`,
      });
    }
  }
  // folder (or top-level file) → folder it imports → the imports that make the edge
  const edges = new Map<string, Map<string, string[]>>();
  // file → file of the same folder it imports → the import that makes the edge
  const fileEdges = new Map<string, Map<string, string[]>>();
  for (const [file, specifiers] of [...files].sort(([a], [b]) => compare(a, b))) {
    const from = unitOf(file);
    for (const specifier of specifiers) {
      if (!specifier.startsWith('./') && !specifier.startsWith('../')) continue;
      const target = posix.normalize(posix.join(posix.dirname(file), specifier)).replace(/\.js$/, '.ts');
      const to = unitOf(target);
      const shown = `${file} imports ${specifier}`;
      if (target.startsWith('../')) {
        violations.push({ rule: 'index-only', message: `${shown}, which is outside src/` });
        continue;
      }
      if (to === from) {
        if (isCommand(file) && isCommand(target) && target !== file) {
          violations.push({ rule: 'command-to-command', message: `${shown}: a command must not import another command; move what they share into the library or a non-command module of src/cli` });
        }
        const out = fileEdges.get(file) ?? new Map<string, string[]>();
        fileEdges.set(file, out);
        out.set(target, [...(out.get(target) ?? []), shown]);
        continue;
      }
      if (isFolder(to) && target !== `${to}/index.ts`) {
        violations.push({ rule: 'index-only', message: `${shown}: import ${to}/ only through ${to}/index.ts (export what is needed from there)` });
      }
      if (from === 'emulator' && to === 'eppo') {
        violations.push({ rule: 'emulator-to-eppo', message: `${shown}: the emulator stands alone and must not share the client's idea of the contract (EPPO-API.md is its source)` });
      }
      const out = edges.get(from) ?? new Map<string, string[]>();
      edges.set(from, out);
      out.set(to, [...(out.get(to) ?? []), shown]);
    }
  }
  for (const cycle of findCycles(edges)) {
    const path = [...cycle, cycle[0]!].map(label).join(' → ');
    const because = cycle.map((unit, i) => edges.get(unit)!.get(cycle[(i + 1) % cycle.length]!)![0]!);
    violations.push({ rule: 'folder-cycle', message: `folders import each other in a cycle: ${path} (${because.join('; ')})` });
  }
  for (const cycle of findCycles(fileEdges)) {
    const path = [...cycle, cycle[0]!].join(' → ');
    violations.push({
      rule: 'file-cycle',
      message: `files of ${unitOf(cycle[0]!)}/ import each other in a cycle: ${path}; pass what one needs of the other as an argument, or move it into a file both import`,
    });
  }
  return violations;
}

/** The folder a file belongs to, or the file itself at the top of src/. */
function unitOf(file: string): string {
  const cut = file.indexOf('/');
  return cut < 0 ? file : file.slice(0, cut);
}

function isFolder(unit: string): boolean {
  return !unit.endsWith('.ts');
}

function isCommand(file: string): boolean {
  return file.startsWith('cli/commands/');
}

function label(unit: string): string {
  return isFolder(unit) ? `${unit}/` : unit;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * One cycle per strongly connected component of more than one unit (Tarjan),
 * listed from its smallest name along a shortest way back, so the report is stable.
 */
function findCycles(edges: Map<string, Map<string, string[]>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let next = 0;
  const visit = (unit: string): void => {
    index.set(unit, next);
    low.set(unit, next);
    next++;
    stack.push(unit);
    onStack.add(unit);
    for (const to of [...(edges.get(unit)?.keys() ?? [])].sort(compare)) {
      if (!index.has(to)) {
        visit(to);
        low.set(unit, Math.min(low.get(unit)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(unit, Math.min(low.get(unit)!, index.get(to)!));
      }
    }
    if (low.get(unit) === index.get(unit)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== unit);
      if (component.length > 1) components.push(component.sort(compare));
    }
  };
  for (const unit of [...edges.keys()].sort(compare)) if (!index.has(unit)) visit(unit);
  return components.map((component) => shortestCycle(component[0]!, new Set(component), edges)).sort((a, b) => compare(a.join(), b.join()));
}

/** The shortest way from `start` back to itself inside one component (breadth first). */
function shortestCycle(start: string, members: Set<string>, edges: Map<string, Map<string, string[]>>): string[] {
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const unit = queue.shift()!;
    for (const to of [...(edges.get(unit)?.keys() ?? [])].sort(compare)) {
      if (!members.has(to)) continue;
      if (to === start) {
        const path = [unit];
        while (path[0] !== start) path.unshift(previous.get(path[0]!)!);
        return path;
      }
      if (!previous.has(to)) {
        previous.set(to, unit);
        queue.push(to);
      }
    }
  }
  return [start];
}

type Token = { kind: 'word' | 'string' | 'template' | 'regex' | 'punct'; value: string };

/**
 * The module specifiers a TypeScript file imports: `import … from`, `import
 * type`, side-effect `import '…'`, `export … from` (`export type *` too) and
 * `import('…')` with a literal. Comments, strings, template literals and
 * regular expressions are skipped, so text that merely looks like an import
 * is not one.
 */
export function readImports(source: string): string[] {
  const tokens = tokenize(source);
  const found: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.kind !== 'word' || tokens[i - 1]?.value === '.') continue;
    if (token.value === 'import') {
      const next = tokens[i + 1];
      if (next === undefined || next.value === '.') continue;
      if (next.value === '(') {
        const argument = tokens[i + 2];
        if (argument?.kind === 'string') found.push(argument.value);
        continue;
      }
      for (let j = i + 1; j < tokens.length && tokens[j]!.value !== ';'; j++) {
        if (tokens[j]!.kind === 'string') {
          found.push(tokens[j]!.value);
          i = j;
          break;
        }
      }
    } else if (token.value === 'export') {
      let j = i + 1;
      if (tokens[j]?.value === 'type') j++;
      if (tokens[j]?.value === '*') {
        j++;
        if (tokens[j]?.value === 'as') j += 2;
      } else if (tokens[j]?.value === '{') {
        let depth = 0;
        for (; j < tokens.length; j++) {
          if (tokens[j]!.value === '{') depth++;
          if (tokens[j]!.value === '}' && --depth === 0) break;
        }
        j++;
      } else {
        continue;
      }
      if (tokens[j]?.value === 'from' && tokens[j + 1]?.kind === 'string') found.push(tokens[j + 1]!.value);
    }
  }
  return found;
}

/**
 * The module specifiers whose bindings a file exports again: `export … from
 * '…'` (`export *` and `export type` too), and `export { name }` of a name
 * imported from a module (`import { name } from '…'`, a default or a
 * namespace import).
 */
export function readReExports(source: string): string[] {
  const tokens = tokenize(source);
  const importedFrom = new Map<string, string>();
  const exportedNames: string[] = [];
  const found: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.kind !== 'word' || tokens[i - 1]?.value === '.') continue;
    if (token.value === 'import' && tokens[i + 1]?.value !== '(' && tokens[i + 1]?.value !== '.') {
      const names: string[] = [];
      let j = i + 1;
      for (; j < tokens.length && tokens[j]!.kind !== 'string' && tokens[j]!.value !== ';'; j++) {
        const t = tokens[j]!;
        if (t.kind !== 'word' || ['type', 'from', 'as', '*'].includes(t.value)) continue;
        // `a as b`: the local name is b
        if (tokens[j + 1]?.value === 'as') continue;
        names.push(t.value);
      }
      const specifier = tokens[j]?.kind === 'string' ? tokens[j]!.value : undefined;
      if (specifier !== undefined) for (const name of names) importedFrom.set(name, specifier);
      i = j;
    } else if (token.value === 'export') {
      let j = i + 1;
      if (tokens[j]?.value === 'type') j++;
      if (tokens[j]?.value === '*') {
        while (j < tokens.length && tokens[j]!.kind !== 'string' && tokens[j]!.value !== ';') j++;
        if (tokens[j]?.kind === 'string') found.push(tokens[j]!.value);
        i = j;
        continue;
      }
      if (tokens[j]?.value !== '{') continue;
      const names: string[] = [];
      for (j++; j < tokens.length && tokens[j]!.value !== '}'; j++) {
        const t = tokens[j]!;
        if (t.kind !== 'word' || t.value === 'type' || t.value === 'as') continue;
        // `a as b`: the exported binding is a
        if (tokens[j - 1]?.value === 'as') continue;
        names.push(t.value);
      }
      if (tokens[j + 1]?.value === 'from' && tokens[j + 2]?.kind === 'string') found.push(tokens[j + 2]!.value);
      else exportedNames.push(...names);
      i = j;
    }
  }
  for (const name of exportedNames) {
    const specifier = importedFrom.get(name);
    if (specifier !== undefined) found.push(specifier);
  }
  return found;
}

const REGEX_AFTER_WORD = new Set(['return', 'typeof', 'case', 'do', 'else', 'in', 'of', 'new', 'delete', 'void', 'throw', 'instanceof', 'yield', 'await']);

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  // one entry per open `${`: the braces opened inside that expression
  const templateDepths: number[] = [];
  let i = 0;
  const readTemplate = (): void => {
    let text = '';
    while (i < source.length) {
      const c = source[i]!;
      if (c === '\\') {
        text += source.slice(i, i + 2);
        i += 2;
      } else if (c === '`') {
        i++;
        tokens.push({ kind: 'template', value: text });
        return;
      } else if (c === '$' && source[i + 1] === '{') {
        i += 2;
        tokens.push({ kind: 'template', value: text });
        templateDepths.push(0);
        return;
      } else {
        text += c;
        i++;
      }
    }
  };
  while (i < source.length) {
    const c = source[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '/' && source[i + 1] === '/') {
      const end = source.indexOf('\n', i);
      i = end < 0 ? source.length : end;
    } else if (c === '/' && source[i + 1] === '*') {
      const end = source.indexOf('*/', i + 2);
      i = end < 0 ? source.length : end + 2;
    } else if (c === '"' || c === "'") {
      let value = '';
      i++;
      while (i < source.length && source[i] !== c && source[i] !== '\n') {
        if (source[i] === '\\') {
          value += source[i + 1] ?? '';
          i += 2;
        } else {
          value += source[i];
          i++;
        }
      }
      i++;
      tokens.push({ kind: 'string', value });
    } else if (c === '`') {
      i++;
      readTemplate();
    } else if (c === '/' && regexAllowed(tokens[tokens.length - 1])) {
      const start = i;
      let inClass = false;
      i++;
      while (i < source.length && source[i] !== '\n') {
        const d = source[i]!;
        if (d === '\\') i++;
        else if (d === '[') inClass = true;
        else if (d === ']') inClass = false;
        else if (d === '/' && !inClass) break;
        i++;
      }
      i++;
      while (i < source.length && /[a-z]/i.test(source[i]!)) i++;
      tokens.push({ kind: 'regex', value: source.slice(start, i) });
    } else if (/[A-Za-z0-9_$]/.test(c)) {
      const start = i;
      while (i < source.length && /[A-Za-z0-9_$]/.test(source[i]!)) i++;
      tokens.push({ kind: 'word', value: source.slice(start, i) });
    } else if (c === '}' && templateDepths.length > 0 && templateDepths[templateDepths.length - 1] === 0) {
      templateDepths.pop();
      i++;
      readTemplate();
    } else {
      if (templateDepths.length > 0 && c === '{') templateDepths[templateDepths.length - 1]!++;
      if (templateDepths.length > 0 && c === '}') templateDepths[templateDepths.length - 1]!--;
      tokens.push({ kind: 'punct', value: c });
      i++;
    }
  }
  return tokens;
}

function regexAllowed(previous: Token | undefined): boolean {
  if (previous === undefined) return true;
  if (previous.kind === 'word') return REGEX_AFTER_WORD.has(previous.value);
  if (previous.kind === 'punct') return previous.value !== ')' && previous.value !== ']';
  return false;
}
