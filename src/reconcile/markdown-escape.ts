const ZWSP = '\u200b';

/**
 * Makes text from files or from Eppo inert in GitHub Markdown: no HTML, no
 * @-mentions, no #-references, no links or autolinks, no emphasis, one line
 * (every kind of line break becomes a space). The one escaper for plan
 * comments and outcome pull requests alike.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\r\n\t\v\f\u0085\u2028\u2029]+/g, ' ')
    .trim()
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]()#+!|~{}])/g, '\\$1')
    .replace(/@/g, `@${ZWSP}`)
    .replace(/#/g, `#${ZWSP}`)
    .replace(/:\/\//g, `:${ZWSP}//`)
    .replace(/\bwww\./gi, (m) => `${m.slice(0, 3)}${ZWSP}.`);
}

/**
 * A fenced code block that its content cannot close: the fence is longer than
 * any backtick run inside. Code blocks render no HTML, mentions or links.
 */
export function codeBlock(content: string, info = ''): string {
  const longest = Math.max(0, ...(content.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${info}\n${content}\n${fence}`;
}
