import { diffWords } from 'diff';
import { describeFlagsWithoutExperiment } from '../flags/index.js';
import type { Change, FieldChange, Plan, PlanSummary } from './types.js';
import { formatValue } from './format-value.js';

export interface TextRenderOptions {
  /** ANSI colours; the shell decides (TTY and no NO_COLOR) */
  color: boolean;
}

const SYMBOL: Record<Change['action'], string> = {
  create: '+',
  update: '~',
  unchanged: '=',
  skip: '!',
  conflict: 'x',
};

const CODES = { red: 31, green: 32, yellow: 33, cyan: 36, dim: 2, bold: 1 } as const;
type Colour = keyof typeof CODES;

/** Strings longer than this are shown as a word diff instead of before → after. */
const WORD_DIFF_MIN = 40;

/**
 * Renders a plan for people, as in CLI.md: one line per change that does
 * something, indented field lines, long strings as a word diff, a summary
 * line. Unchanged experiments are counted, not listed.
 */
export function renderPlanText(plan: Plan, options: TextRenderOptions): string {
  const paint = (colour: Colour, text: string): string => (options.color ? `\u001b[${CODES[colour]}m${text}\u001b[0m` : text);
  const actionColour: Record<Change['action'], Colour> = { create: 'green', update: 'yellow', unchanged: 'dim', skip: 'cyan', conflict: 'red' };
  const shown = plan.changes.filter((c) => c.action !== 'unchanged');
  const heads = shown.map((c) => {
    const id = 'eppo_id' in c && c.eppo_id !== undefined ? ` (#${c.eppo_id})` : '';
    return `${c.experiment_key}${id}`;
  });
  const width = Math.max(0, ...heads.map((h) => h.length));
  const lines: string[] = [];
  shown.forEach((change, i) => {
    const tag = paint(actionColour[change.action], `${SYMBOL[change.action]} ${change.action.padEnd(8)}`);
    lines.push(`${tag} ${heads[i]!.padEnd(width)} ${change.file}`);
    if (change.action === 'skip' || change.action === 'conflict') lines.push(`    ${paint('dim', change.reason)}`);
    if (change.action === 'update' || change.action === 'skip') {
      for (const field of change.fields) lines.push(`    ${renderField(field, paint)}`);
    }
  });
  for (const u of plan.unmanaged) {
    lines.push(`${paint('dim', '? unmanaged')} ${u.experiment_key} (#${u.eppo_id}) ${formatValue(u.name)}`);
  }
  lines.push(summaryLine(plan.summary));
  if (plan.flags_without_experiment !== undefined && plan.flags_without_experiment.length > 0) {
    lines.push(`note: ${describeFlagsWithoutExperiment(plan.flags_without_experiment)}`);
  }
  return `${lines.join('\n')}\n`;
}

function renderField(field: FieldChange, paint: (c: Colour, t: string) => string): string {
  const { before, after } = field;
  if (typeof before === 'string' && typeof after === 'string' && Math.max(before.length, after.length) >= WORD_DIFF_MIN) {
    const esc = (text: string): string => JSON.stringify(text).slice(1, -1);
    const parts = diffWords(before, after).map((part) => {
      if (part.added) return paint('green', `{+${esc(part.value)}+}`);
      if (part.removed) return paint('red', `[-${esc(part.value)}-]`);
      return esc(part.value);
    });
    return `${field.path}: "${parts.join('')}"   (word diff)`;
  }
  return `${field.path}: ${paint('red', formatValue(before))} → ${paint('green', formatValue(after))}`;
}

/** `Plan: 1 to create, 1 to update, 10 unchanged, 2 unmanaged in Eppo (not in git).` */
export function summaryLine(s: PlanSummary): string {
  const parts = [`${s.create} to create`, `${s.update} to update`, `${s.unchanged} unchanged`];
  if (s.skip > 0) parts.push(`${s.skip} skipped`);
  if (s.conflict > 0) parts.push(`${s.conflict} in conflict`);
  parts.push(`${s.unmanaged} unmanaged in Eppo (not in git)`);
  return `Plan: ${parts.join(', ')}.`;
}
