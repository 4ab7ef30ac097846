import type { Problem } from './types.js';

/** Problems listed for one file; the rest are counted in one more problem. */
export const MAX_PROBLEMS_PER_FILE = 50;

/** How many problems each summary made here stands for, so a later cap counts them again. */
const unlistedBy = new WeakMap<Problem, { count: number; error: boolean; yaml: boolean }>();

/**
 * The first MAX_PROBLEMS_PER_FILE problems of one file, in position order, and
 * one problem at the first one left out that counts the rest ("12 more
 * problems in this file are not listed"). A summary made by an earlier call
 * counts as the problems it stands for, and nothing after it is listed (its
 * problems all stand at or after it). Pure.
 */
export function capProblems(problems: readonly Problem[]): Problem[] {
  const sorted = sortProblems(problems);
  const listed: Problem[] = [];
  let first: Problem | undefined;
  let count = 0;
  let error = false;
  let yaml = true;
  for (const p of sorted) {
    const inner = unlistedBy.get(p);
    if (first === undefined && inner === undefined && listed.length < MAX_PROBLEMS_PER_FILE) {
      listed.push(p);
      continue;
    }
    first ??= p;
    count += inner?.count ?? 1;
    error ||= inner?.error ?? p.severity === 'error';
    yaml &&= inner?.yaml ?? (p.rule === 'yaml' && p.severity === 'error');
  }
  if (first === undefined) return listed;
  const what = yaml ? (count === 1 ? 'YAML error' : 'YAML errors') : count === 1 ? 'problem' : 'problems';
  const summary: Problem = {
    file: first.file,
    line: first.line,
    col: first.col,
    severity: error ? 'error' : 'warning',
    rule: first.rule,
    message: `${count} more ${what} in this file ${count === 1 ? 'is' : 'are'} not listed; fix the ones above first`,
  };
  unlistedBy.set(summary, { count, error, yaml });
  return [...listed, summary];
}

/** By line, then column; stable for problems on the same node. */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  return [...problems].sort((a, b) => a.line - b.line || a.col - b.col);
}
