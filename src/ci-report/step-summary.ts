import { appendFile, stat } from 'node:fs/promises';
import { ConfigError } from '../errors.js';

/** GitHub drops a step summary larger than this (bytes, per step). */
export const STEP_SUMMARY_LIMIT = 1024 * 1024;

const CUT_NOTE = '\n\n_The summary was cut at GitHub\'s 1 MiB limit; the full plan is in the uploaded plan artifact._\n';

/**
 * Fits `markdown` into `room` bytes: returned whole when it fits, else cut at
 * the last line break that leaves room for a note saying it was cut.
 */
export function buildSummaryChunk(markdown: string, room: number): string {
  const text = markdown.endsWith('\n') ? markdown : `${markdown}\n`;
  if (Buffer.byteLength(text) <= room) return text;
  const budget = room - Buffer.byteLength(CUT_NOTE);
  if (budget <= 0) return '';
  let cut = Buffer.from(text).subarray(0, budget).toString('utf8');
  if (cut.endsWith('\uFFFD')) cut = cut.slice(0, -1);
  const lineEnd = cut.lastIndexOf('\n');
  return `${lineEnd > 0 ? cut.slice(0, lineEnd) : cut}${CUT_NOTE}`;
}

/**
 * Appends Markdown to the job summary file (GITHUB_STEP_SUMMARY), ending it
 * with a newline and keeping the file within GitHub's 1 MiB limit.
 */
export async function appendStepSummary(path: string, markdown: string): Promise<void> {
  let used = 0;
  try {
    used = (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw summaryError(path, error);
  }
  const chunk = buildSummaryChunk(markdown, STEP_SUMMARY_LIMIT - used);
  if (chunk === '') return;
  try {
    await appendFile(path, chunk, 'utf8');
  } catch (error) {
    throw summaryError(path, error);
  }
}

function summaryError(path: string, error: unknown): ConfigError {
  const reason = error instanceof Error ? error.message : String(error);
  return new ConfigError(`cannot write the job summary GITHUB_STEP_SUMMARY=${path}: ${reason}`, { cause: error });
}
