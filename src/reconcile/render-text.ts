import { diffWords } from 'diff';
import { describeFlagsWithoutExperiment } from '../flags/index.js';
import type { Change, FieldChange, Plan, PlanSummary } from './types.js';
import { formatValue } from './format-value.js';
import { escapeText } from '../util/index.js';

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
 * something, indented field lines (a create lists what it writes, like
 * `terraform plan`), long strings as a word diff, notes, a summary line.
 * Unchanged experiments are counted, not listed, unless they carry a note.
 */
export function renderPlanText(plan: Plan, options: TextRenderOptions): string {
  const paint = (colour: Colour, text: string): string => (options.color ? `\u001b[${CODES[colour]}m${text}\u001b[0m` : text);
  const actionColour: Record<Change['action'], Colour> = { create: 'green', update: 'yellow', unchanged: 'dim', skip: 'cyan', conflict: 'red' };
  const shown = plan.changes.filter((c) => c.action !== 'unchanged' || (c.notes?.length ?? 0) > 0);
  const heads = shown.map((c) => {
    const id = 'eppo_id' in c && c.eppo_id !== undefined ? ` (#${c.eppo_id})` : '';
    return `${escapeText(c.experiment_key)}${id}`;
  });
  const width = Math.max(0, ...heads.map((h) => h.length));
  const lines: string[] = [];
  shown.forEach((change, i) => {
    const tag = paint(actionColour[change.action], `${SYMBOL[change.action]} ${change.action.padEnd(8)}`);
    lines.push(`${tag} ${heads[i]!.padEnd(width)} ${escapeText(change.file)}`);
    if (change.action === 'skip' || change.action === 'conflict') lines.push(`    ${paint('dim', escapeText(change.reason))}`);
    if (change.action === 'update' || change.action === 'skip') {
      for (const field of change.fields) lines.push(`    ${renderField(field, paint)}`);
    }
    if (change.action === 'create') {
      for (const field of change.fields ?? []) lines.push(`    ${escapeText(field.path)}: ${paint('green', formatValue(field.after))}`);
    }
    if (change.action !== 'create' && change.action !== 'conflict') {
      for (const note of change.notes ?? []) lines.push(`    ${paint('dim', `note: ${escapeText(note)}`)}`);
    }
  });
  for (const u of plan.unmanaged) {
    lines.push(`${paint('dim', '? unmanaged')} ${escapeText(u.experiment_key)} (#${u.eppo_id}) ${formatValue(u.name)}`);
  }
  if (isInSync(plan)) lines.push('No changes. Eppo matches the definitions.');
  lines.push(summaryLine(plan.summary));
  if (plan.flags_without_experiment !== undefined && plan.flags_without_experiment.length > 0) {
    lines.push(`note: ${escapeText(describeFlagsWithoutExperiment(plan.flags_without_experiment))}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Nothing to create, update, skip or settle: what every file says is what Eppo has. */
export function isInSync(plan: Plan): boolean {
  return plan.changes.every((c) => c.action === 'unchanged');
}

function renderField(field: FieldChange, paint: (c: Colour, t: string) => string): string {
  const { before, after } = field;
  if (typeof before === 'string' && typeof after === 'string' && Math.max(before.length, after.length) >= WORD_DIFF_MIN) {
    const esc = (text: string): string => escapeText(JSON.stringify(text).slice(1, -1));
    const parts = diffWords(before, after).map((part) => {
      if (part.added) return paint('green', `{+${esc(part.value)}+}`);
      if (part.removed) return paint('red', `[-${esc(part.value)}-]`);
      return esc(part.value);
    });
    return `${escapeText(field.path)}: "${parts.join('')}"   (word diff)`;
  }
  return `${escapeText(field.path)}: ${paint('red', formatValue(before))} → ${paint('green', formatValue(after))}`;
}

/** `Plan: 1 to create, 1 to update, 10 unchanged, 2 unmanaged in Eppo (not in git).` */
export function summaryLine(s: PlanSummary): string {
  const parts = [`${s.create} to create`, `${s.update} to update`, `${s.unchanged} unchanged`];
  if (s.skip > 0) parts.push(`${s.skip} skipped`);
  if (s.conflict > 0) parts.push(`${s.conflict} in conflict`);
  parts.push(`${s.unmanaged} unmanaged in Eppo (not in git)`);
  return `Plan: ${parts.join(', ')}.`;
}
