/**
 * Inline code in Markdown that shows `text` exactly and that the text cannot
 * close: the fence is one backtick longer than the longest backtick run
 * inside, and a space pads text that starts or ends with a backtick (or with
 * a space at both ends), which CommonMark strips again. Code spans render no
 * HTML, mentions or links. Line breaks show as spaces, as in any code span;
 * an empty text shows as a space.
 * With `table`, `|` is escaped: inside a table cell GitHub reads `\|` as `|`
 * and a bare one would end the cell.
 */
export function markdownCode(text: string, options: { table?: boolean } = {}): string {
  let content = text.replace(/[\r\n\v\f\u0085\u2028\u2029]+/g, ' ');
  if (options.table === true) content = content.replace(/\|/g, '\\|');
  const longest = Math.max(0, ...(content.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  // Markdown has no empty code span: a space stands for nothing.
  if (content === '') return '` `';
  const pad = content.startsWith('`') || content.endsWith('`') || /^ .*[^ ].* $/s.test(content) ? ' ' : '';
  return `${fence}${pad}${content}${pad}${fence}`;
}
