import type { ApplyResult, ApplyResultItem } from './types.js';
import { escapeJsonText, escapeText } from '../util/index.js';
import { escapeMarkdown } from '../util/index.js';

/** One progress line per finished change; keys, reasons and errors from files and Eppo stay on it, escaped. */
export function renderApplyProgress(item: ApplyResultItem): string {
  return escapeText(progressLine(item));
}

function progressLine(item: ApplyResultItem): string {
  const id = item.eppo_id === undefined ? '' : ` (#${item.eppo_id})`;
  switch (item.status) {
    case 'applied':
      return `${item.action === 'create' ? '+ created' : '~ updated'} ${item.experiment_key}${id}`;
    case 'failed':
      return `x failed  ${item.experiment_key}${id}: ${item.action} failed: ${item.error ?? 'unknown error'}`;
    case 'skipped':
      return `! skipped ${item.experiment_key}${id}${item.reason === undefined ? '' : `: ${item.reason}`}`;
  }
}

/** The closing line of a text apply. */
export function renderApplyText(result: ApplyResult): string {
  const { applied, failed, skipped } = result.summary;
  const tail = failed > 0 ? ' Fix the failures and run apply again; what succeeded is not redone.' : '';
  return `Apply: ${applied} applied, ${failed} failed, ${skipped} skipped.${tail}\n`;
}

/** `apply --format json` (CLI.md). */
export function renderApplyJson(result: ApplyResult): string {
  return `${escapeJsonText(JSON.stringify(result, null, 2))}\n`;
}

/** The apply result as Markdown, for the job summary. Text from files/Eppo is escaped. */
export function renderApplyMarkdown(result: ApplyResult): string {
  const { applied, failed, skipped } = result.summary;
  const lines = ['### eppo-gitops apply', '', `**${applied} applied, ${failed} failed, ${skipped} skipped.**`, ''];
  if (result.results.length > 0) {
    lines.push('| experiment | action | status | Eppo id | detail |', '|---|---|---|---|---|');
    for (const item of result.results) {
      const detail = item.status === 'failed' ? (item.error ?? '') : (item.reason ?? '');
      lines.push(
        `| ${escapeMarkdown(item.experiment_key)} | ${item.action} | ${item.status} | ${item.eppo_id ?? ''} | ${escapeMarkdown(detail)} |`,
      );
    }
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}
