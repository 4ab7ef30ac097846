import type { ApplyResult, ApplyResultItem } from './types.js';

/** One progress line per finished change. */
export function renderApplyProgress(item: ApplyResultItem): string {
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
  return `${JSON.stringify(result, null, 2)}\n`;
}
