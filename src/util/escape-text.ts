/**
 * Characters that change how text is shown rather than being shown: C0 and C1
 * controls (terminal escapes start with ESC or CSI), DEL, line and paragraph
 * separators, and the bidirectional formatting marks that can make a line read
 * differently from what it holds.
 */
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** The ones JSON.stringify writes as they are (it escapes C0 controls itself). */
const INVISIBLE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

const SHORT: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function visible(c: string): string {
  const code = c.charCodeAt(0);
  return SHORT[c] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
}

/**
 * One value from outside (a file name, a YAML value, a name or status from
 * Eppo, a webhook field) made safe for a line of text output, a terminal or a
 * CI log: every control character, line break and bidirectional mark is shown
 * as an escape (`\n`, `\x1b`, `\u202e`), so the value stays on its line and
 * cannot colour, move or rewrite the terminal; and it cannot be read as a
 * GitHub Actions workflow command, which a runner takes from `::` at the start
 * of a line and from `##[` anywhere in it. Everything else is kept as it is.
 */
export function escapeText(value: string): string {
  return value
    .replace(INVISIBLE, visible)
    .replace(/##\[/g, '#\\x23[')
    .replace(/^(\s*):(?=:)/, '$1\\x3a');
}

/** `escapeText` on every line of a text whose line breaks are its own (a pretty-printed JSON body, a multi-line message). */
export function escapeLines(text: string): string {
  return text.split('\n').map(escapeText).join('\n');
}

/**
 * JSON text (as JSON.stringify writes it, pretty or not) made safe for a CI
 * log without changing what it parses to: inside strings, `##[` and the
 * invisible characters JSON.stringify leaves as they are become `\u` escapes
 * (both only ever occur inside strings). A JSON line never starts with `::`.
 */
export function escapeJsonText(json: string): string {
  return json.replace(INVISIBLE_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).replace(/##\[/g, '#\\u0023[');
}
