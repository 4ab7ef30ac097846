import { escapeText } from './escape-text.js';
import { markdownCode } from './markdown-code.js';

const ZWSP = '\u200b';

/** Every kind of line break (CR, LF, NEL, LS, PS, VT, FF) and tab. */
const BREAKS = /[\r\n\t\v\f\u0085\u2028\u2029]+/g;

// The escapers for GitHub Markdown (plan comment, drift issue, job summary,
// outcome pull request), one per place a value can stand: prose, inline code,
// a code block, HTML text. Each keeps a value on its line and makes it inert;
// the text escapes of escapeText come first, since the same Markdown is also
// printed to CI logs (plan --format markdown).

/**
 * Makes text from files or from Eppo inert in GitHub Markdown: no HTML, no
 * @-mentions, no #-references, no links or autolinks, no emphasis, one line
 * (every kind of line break becomes a space; other control characters show as
 * escapes). The one escaper for prose in plan comments and outcome pull
 * requests alike.
 */
export function escapeMarkdown(text: string): string {
  const escaped = escapeText(text.replace(BREAKS, ' ').trim())
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]()#+!|~{}])/g, '\\$1');
  return defuseReferences(escaped);
}

/**
 * Text GitHub shows as plain text but still scans for references (a pull
 * request title, a commit message, and the prose of escapeMarkdown): no
 * @-mention, no #-reference nor closing keyword (`closes #2`,
 * `owner/repo#3`), no autolinked URL. A zero-width space after each `@` and
 * `#`, inside `://` and `www.` keeps the text readable and inert.
 */
export function defuseReferences(text: string): string {
  return text
    .replace(/@/g, `@${ZWSP}`)
    .replace(/#/g, `#${ZWSP}`)
    .replace(/:\/\//g, `:${ZWSP}//`)
    .replace(/\bwww\./gi, (m) => `${m.slice(0, 3)}${ZWSP}.`);
}

/**
 * Inline code that its content cannot close or break out of, showing it
 * exactly (markdownCode: a fence longer than any backtick run inside), on one
 * line. Code spans render no HTML, mentions or links. Not for a table cell,
 * where `|` still splits the cell.
 */
export function codeSpan(text: string): string {
  return markdownCode(escapeText(text));
}

/**
 * A fenced code block that its content cannot close: the fence is longer than
 * any backtick run inside. Code blocks render no HTML, mentions or links; each
 * value in `content` must already be one line (`escapeText`), so that none can
 * pass for a line of its own.
 */
export function codeBlock(content: string, info = ''): string {
  const longest = Math.max(0, ...(content.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${info}\n${content}\n${fence}`;
}

/**
 * Text inside an HTML element of the Markdown (`<summary><code>…`): one line
 * (a blank line would end the HTML block and let the rest render as
 * Markdown), with `& < > " '` as entities and `@` as `&#64;`.
 */
export function escapeHtml(text: string): string {
  return escapeText(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
    .replace(/@/g, '&#64;');
}
