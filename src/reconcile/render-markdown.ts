import type { Problem } from '../definitions/index.js';
import { describeFlagsWithoutExperiment } from '../flags/index.js';
import { formatValue } from './format-value.js';
import { escapeLines, escapeText } from '../util/index.js';
import { codeBlock, codeSpan, escapeHtml, escapeMarkdown } from '../util/index.js';
import { isInSync, summaryLine } from './render-text.js';
import type { Change, Plan } from './types.js';

/** The hidden marker that finds the sticky PR comment. */
export const PLAN_COMMENT_MARKER = '<!-- eppo-gitops:plan -->';

/** GitHub's limit on a comment body. */
export const MARKDOWN_LIMIT = 65_536;

export interface MarkdownRenderOptions {
  /** validation and reference problems, listed with file:line */
  problems?: readonly Problem[];
  /** where the full plan can be found when the comment is cut */
  fullPlanHint?: string;
  /** defaults to MARKDOWN_LIMIT */
  maxChars?: number;
  /** replaces the summary line (e.g. when validation stopped before a plan) */
  headline?: string;
}

const TITLE: Record<Change['action'], string> = {
  create: '➕ create',
  update: '✏️ update',
  unchanged: 'unchanged',
  skip: '⏭️ skip',
  conflict: '⚠️ conflict',
};

/**
 * Renders a plan as a PR comment: the marker, a summary line, problems as a
 * list, then one `<details>` block per change. Over `maxChars` it is cut at a
 * change boundary with a note saying how many were left out and where the full
 * plan is. All text from files or Eppo is escaped.
 */
export function renderPlanMarkdown(plan: Plan, options: MarkdownRenderOptions = {}): string {
  const max = options.maxChars ?? MARKDOWN_LIMIT;
  const problems = options.problems ?? [];
  const head: string[] = [PLAN_COMMENT_MARKER, `### eppo-gitops plan`, '', `**${escapeMarkdown(options.headline ?? summaryLine(plan.summary))}**`, ''];
  if (problems.length > 0) {
    head.push(`**${problems.length} problem${problems.length === 1 ? '' : 's'}:**`, '');
    // Problems get at most half the room; the plan itself needs the rest.
    let used = head.join('\n').length;
    for (const [i, p] of problems.entries()) {
      const line = `- ${codeSpan(`${p.file}:${p.line}:${p.col}`)} ${p.severity}: ${escapeMarkdown(p.message)} [${escapeMarkdown(p.rule)}]`;
      if (used + line.length + 200 > max / 2) {
        head.push(`- … and ${problems.length - i} more (run \`eppo-gitops validate\` for the full list)`);
        break;
      }
      head.push(line);
      used += line.length + 1;
    }
    head.push('');
  }
  if (plan.flags_without_experiment !== undefined && plan.flags_without_experiment.length > 0) {
    head.push(`> Note: ${escapeMarkdown(describeFlagsWithoutExperiment(plan.flags_without_experiment))}`, '');
  }
  const blocks = plan.changes.filter((c) => c.action !== 'unchanged' || (c.notes?.length ?? 0) > 0).map(renderChange);
  if (plan.unmanaged.length > 0) {
    const list = plan.unmanaged.map((u) => `#${u.eppo_id} ${escapeText(u.experiment_key)}  ${formatValue(u.name)}`).join('\n');
    blocks.push(`<details><summary>${plan.unmanaged.length} unmanaged in Eppo (not in git)</summary>\n\n${codeBlock(list)}\n\n</details>\n`);
  }
  if (isInSync(plan) && problems.length === 0 && options.headline === undefined) head.push('No changes. Eppo matches the definitions.', '');

  let out = `${head.join('\n')}\n`;
  const where = options.fullPlanHint ?? 'the job summary and the plan artifact (plan --format json --out FILE)';
  for (let i = 0; i < blocks.length; i++) {
    const block = blocks[i]!;
    const left = blocks.length - i - 1;
    const reserve = left > 0 ? noteFor(left + 1, where).length : 0;
    if (out.length + block.length + reserve > max) {
      out += noteFor(blocks.length - i, where);
      return out.length > max ? out.slice(0, max) : out;
    }
    out += block;
  }
  return out;
}

function noteFor(count: number, where: string): string {
  return `\n> **${count} more change${count === 1 ? '' : 's'} not shown** (the comment limit is ${MARKDOWN_LIMIT} characters); the full plan is in ${escapeMarkdown(where)}.\n`;
}

function renderChange(change: Change): string {
  const id = 'eppo_id' in change && change.eppo_id !== undefined ? ` (#${change.eppo_id})` : '';
  const summary = `<summary><b>${TITLE[change.action]}</b> <code>${escapeHtml(change.experiment_key)}</code>${id}</summary>`;
  const body: string[] = [`File: ${codeSpan(change.file)}`];
  if (change.action === 'skip' || change.action === 'conflict') body.push('', escapeMarkdown(change.reason));
  if (change.action === 'update' || change.action === 'skip') {
    const lines = change.fields.flatMap((f) => [`- ${escapeText(f.path)}: ${formatValue(f.before)}`, `+ ${escapeText(f.path)}: ${formatValue(f.after)}`]);
    if (lines.length > 0) body.push('', codeBlock(lines.join('\n'), 'diff'));
  }
  if (change.action === 'create') {
    // Names, as the file writes them; a plan saved by an older version has only the request body.
    const fields = change.fields ?? [];
    if (fields.length > 0) body.push('', codeBlock(fields.map((f) => `+ ${escapeText(f.path)}: ${formatValue(f.after)}`).join('\n'), 'diff'));
    else body.push('', codeBlock(escapeLines(JSON.stringify(change.request.body, null, 2)), 'json'));
  }
  if (change.action !== 'create' && change.action !== 'conflict') {
    for (const note of change.notes ?? []) body.push('', `Note: ${escapeMarkdown(note)}`);
  }
  return `<details>${summary}\n\n${body.join('\n')}\n\n</details>\n`;
}
