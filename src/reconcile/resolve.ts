import type { Definition, Problem, SourcePos } from '../definitions/index.js';
import type { Workspace } from '../eppo/index.js';
import { didYouMean } from '../util/index.js';
import { compareText } from './canonical.js';

/** The Eppo ids a definition's names stand for. */
export interface ResolvedRefs {
  entity_id: number;
  assignment_source_id: number;
  /** one per `metrics[]` entry, in file order */
  metric_ids: number[];
}

export interface Resolution {
  /** by definition index; absent when any reference failed */
  refs: Array<ResolvedRefs | undefined>;
  problems: Problem[];
}

export interface Named {
  id: number;
  name: string;
}

/** Names indexed once per workspace list, so resolving 10,000 files stays linear. */
export interface NameIndex {
  exact: Map<string, Named[]>;
  folded: Map<string, Named[]>;
}

export function indexNames(items: readonly Named[]): NameIndex {
  const exact = new Map<string, Named[]>();
  const folded = new Map<string, Named[]>();
  for (const item of items) {
    // An item Eppo sent without a name cannot be what a file names.
    if (typeof item.name !== 'string') continue;
    exact.set(item.name, [...(exact.get(item.name) ?? []), item]);
    const lower = item.name.toLowerCase();
    folded.set(lower, [...(folded.get(lower) ?? []), item]);
  }
  return { exact, folded };
}

type Lookup = { ok: true; id: number } | { ok: false; message: string };

const MAX_LISTED = 20;

/**
 * Finds `name` among `items`: an exact match first, then a case-insensitive
 * one. Two matches are ambiguous (the ids are listed); none lists the known
 * names with a "did you mean" suggestion.
 */
export function lookupName(kind: string, name: string, items: readonly Named[], index: NameIndex = indexNames(items)): Lookup {
  let matches = index.exact.get(name) ?? [];
  if (matches.length === 0) matches = index.folded.get(name.toLowerCase()) ?? [];
  if (matches.length === 1) return { ok: true, id: matches[0]!.id };
  if (matches.length > 1) {
    const ids = matches.map((m) => m.id).sort((a, b) => a - b);
    return {
      ok: false,
      message: `${kind} "${name}" is ambiguous in Eppo: ids ${ids.join(', ')} share that name; rename one in Eppo so each name is unique`,
    };
  }
  const names = [...new Set(items.map((item) => item.name).filter((n) => typeof n === 'string'))].sort(compareText);
  const suggestion = didYouMean(name, names);
  const listed = names.length > MAX_LISTED ? `${names.slice(0, MAX_LISTED).join(', ')}, … (${names.length} in all)` : names.join(', ');
  return {
    ok: false,
    message: `${kind} "${name}" not found in Eppo${suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`}; known ${kind === 'entity' ? 'entities' : `${kind}s`}: ${listed === '' ? '(none)' : listed}`,
  };
}

/**
 * Resolves entity, assignment source and metric names to Eppo ids. Every
 * failure is a `reference` problem at the file:line of the name.
 */
export function resolveReferences(definitions: readonly Definition[], workspace: Workspace): Resolution {
  const problems: Problem[] = [];
  // Many files name the same few entities, sources and metrics: each name is looked up once.
  const entities = memoLookup('entity', workspace.entities);
  const sources = memoLookup('assignment source', workspace.assignmentSources);
  const metrics = memoLookup('metric', workspace.metrics);
  const sourceById = new Map(workspace.assignmentSources.map((s) => [s.id, s]));
  const refs = definitions.map((def): ResolvedRefs | undefined => {
    let ok = true;
    const at = (path: string, message: string, severity: Problem['severity'] = 'error'): void => {
      const pos: SourcePos = def.positions[path] ?? def.positions[''] ?? { line: 1, col: 1 };
      problems.push({ file: def.file, line: pos.line, col: pos.col, severity, rule: 'reference', message });
      if (severity === 'error') ok = false;
    };
    const entity = entities(def.entity);
    if (!entity.ok) at('entity', entity.message);
    const source = sources(def.assignment_source);
    if (!source.ok) at('assignment_source', source.message);
    if (entity.ok && source.ok) {
      const sourceEntity = sourceById.get(source.id)?.entity_id;
      if (typeof sourceEntity === 'number' && sourceEntity !== entity.id) {
        const other = workspace.entities.find((e) => e.id === sourceEntity)?.name ?? `#${sourceEntity}`;
        at('assignment_source', `assignment source "${def.assignment_source}" is for entity "${other}", not "${def.entity}"`, 'warning');
      }
    }
    const metricIds: number[] = [];
    (def.metrics ?? []).forEach((m, i) => {
      const metric = metrics(m.metric);
      if (metric.ok) metricIds.push(metric.id);
      else at(`metrics[${i}].metric`, metric.message);
    });
    if (!ok || !entity.ok || !source.ok) return undefined;
    return { entity_id: entity.id, assignment_source_id: source.id, metric_ids: metricIds };
  });
  problems.sort((a, b) => compareText(a.file, b.file) || a.line - b.line || a.col - b.col);
  return { refs, problems };
}

/** `lookupName` over one workspace list, remembering the answer for each name. */
function memoLookup(kind: string, items: readonly Named[]): (name: string) => Lookup {
  const index = indexNames(items);
  const known = new Map<string, Lookup>();
  return (name) => {
    let found = known.get(name);
    if (found === undefined) {
      found = lookupName(kind, name, items, index);
      known.set(name, found);
    }
    return found;
  };
}
