// Untrusted text (file names, keys, names, values, reasons, errors) in every
// output medium: one line stays one line, nothing colours or moves a terminal,
// nothing passes for a GitHub Actions workflow command, and in Markdown nothing
// closes a code span, fakes a plan line, renders HTML or mentions anyone.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderProblems } from '../../src/definitions/index.js';
import { codeSpan, escapeMarkdown } from '../../src/util/index.js';
import {
  renderApplyJson,
  renderApplyMarkdown,
  renderApplyProgress,
  renderPlanJson,
  renderPlanMarkdown,
  renderPlanText,
  type ApplyResult,
  type Plan,
} from '../../src/reconcile/index.js';
import { escapeJsonText, escapeText } from '../../src/util/index.js';

/** Pieces that break things in some medium, and a few harmless ones to glue them. */
const HOSTILE_PIECES = [
  '\n',
  '\n\n',
  '\r',
  '\r\n',
  '\u0085',
  '\u2028',
  '\t',
  '\u001b[31m',
  '\u001b]0;title\u0007',
  '\u009b2J',
  '\u202e',
  '\u0000',
  '::error::pwned',
  '::add-mask::x',
  '  ::warning file=a::b',
  '##[error]pwned',
  '##[set-output name=x]y',
  '`',
  '```',
  '~~~',
  '<img src=x onerror=alert(1)>',
  '</details>',
  '</code></summary>',
  '<!--',
  '-->',
  '@octocat',
  '#12',
  '[link](https://evil.example)',
  'https://evil.example',
  'www.evil.example',
  '| cell |',
  '- fake line',
  '+ fake: 1',
  '**bold**',
  'a',
  ' ',
  'é',
  ':',
  '#',
];
const hostile = fc.array(fc.oneof(fc.constantFrom(...HOSTILE_PIECES), fc.string({ maxLength: 4, unit: 'binary' })), { minLength: 1, maxLength: 8 }).map((parts) => parts.join(''));

const INVISIBLE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/;

/** What a runner could take as a workflow command, or a terminal as a control sequence. */
function expectSafeForLogs(text: string): void {
  expect(text).not.toMatch(INVISIBLE);
  expect(text).not.toContain('##[');
  for (const line of text.split('\n')) expect(line.trimStart().startsWith('::'), line).toBe(false);
}

/**
 * A line with its code spans (CommonMark: a run of n backticks up to the next
 * run of exactly n) written `CODE`, and an escaped backtick as `'`. A backtick
 * run that no run of its length closes is left as it is.
 */
function withoutCodeSpans(line: string): string {
  let out = '';
  let i = 0;
  while (i < line.length) {
    if (line[i] === '\\' && line[i + 1] === '`') {
      out += "'";
      i += 2;
      continue;
    }
    if (line[i] !== '`') {
      out += line[i];
      i++;
      continue;
    }
    let end = i;
    while (line[end] === '`') end++;
    const run = end - i;
    let close = -1;
    for (let k = end; k < line.length; ) {
      if (line[k] !== '`') {
        k++;
        continue;
      }
      let m = k;
      while (line[m] === '`') m++;
      if (m - k === run) {
        close = k;
        break;
      }
      k = m;
    }
    if (close === -1) {
      out += line.slice(i, end);
      i = end;
    } else {
      out += 'CODE';
      i = close + run;
    }
  }
  return out;
}

/** Markdown outside fenced code blocks and inline code spans. */
function proseOf(markdown: string): string {
  const outside: string[] = [];
  let fence: string | undefined;
  for (const line of markdown.split('\n')) {
    // A backtick fence's info string holds no backtick: a line like "``` x ```" is a code span, not a fence.
    const open = /^(`{3,})[^`]*$/.exec(line);
    if (fence === undefined && open) fence = open[1];
    else if (fence !== undefined && line.startsWith(fence) && line.slice(fence.length).trim() === '') fence = undefined;
    else if (fence === undefined) outside.push(withoutCodeSpans(line).replace(/<code>[^<]*<\/code>/g, '<code></code>'));
  }
  expect(fence, 'a code block its content closed').toBeUndefined();
  return outside.join('\n');
}

function expectInertMarkdown(markdown: string): void {
  const prose = proseOf(markdown);
  // Our own tags only: no HTML from a value.
  const stripped = prose.replace(/<\/?(details|summary|b|code)>|<!-- eppo-gitops:plan -->/g, '');
  expect(stripped).not.toMatch(/<[A-Za-z!/]/);
  // No mention, issue reference or link from a value.
  expect(prose).not.toMatch(/(^|[^\w`])@[A-Za-z0-9]/);
  expect(prose).not.toMatch(/(^|\s)#\d/);
  expect(prose).not.toMatch(/\]\(|https?:\/\/|(^|[\s*_~(])www\./);
  // Every inline code span on a line is closed on it (an escaped backtick is text).
  for (const line of prose.split('\n')) expect(line, line).not.toContain('`');
}

function planWith(v: string): Plan {
  return {
    format_version: 1,
    eppo_base_url: 'https://eppo.cloud/api/v1',
    created_at: '2026-01-01T00:00:00.000Z',
    summary: { create: 1, update: 1, unchanged: 0, skip: 1, conflict: 1, unmanaged: 1 },
    changes: [
      {
        action: 'create',
        experiment_key: v,
        file: `experiments/${v}.yaml`,
        request: { method: 'POST', path: '/experiments', body: { name: v, experiment_key: v, hypothesis: v } as never },
      },
      {
        action: 'update',
        experiment_key: v,
        file: v,
        eppo_id: 4521,
        fields: [
          { path: `variations[${v}].name`, before: v, after: `${v} 2` },
          { path: 'hypothesis', before: `${'long text '.repeat(5)}${v}`, after: `${'long text '.repeat(5)}${v}!` },
        ],
        request: { method: 'PUT', path: '/experiments/4521', body: {} as never },
        live_fingerprint: 'sha256:0',
      },
      { action: 'skip', experiment_key: v, file: v, eppo_id: 7, reason: `concluded: ${v}`, fields: [{ path: 'name', before: v, after: 'x' }] },
      { action: 'conflict', experiment_key: v, file: v, reason: v, eppo_ids: [1, 2] },
    ],
    unmanaged: [{ experiment_key: v, eppo_id: 17, name: v }],
  };
}

const BENIGN = 'plain-value';

describe('trust item 8: text output (terminal, CI log)', () => {
  it.each([
    ['a newline and a workflow command', 'x.yaml\n::error::pwned', 'x.yaml\\n::error::pwned'],
    ['a workflow command at the start', '::error file=a::pwned', '\\x3a:error file=a::pwned'],
    ['after spaces', '   ::warning::x', '   \\x3a:warning::x'],
    ['an old-style command anywhere', 'a ##[error]pwned', 'a #\\x23[error]pwned'],
    ['terminal escapes', '\u001b[2J\u001b]0;t\u0007\u009b1m', '\\x1b[2J\\x1b]0;t\\x07\\x9b1m'],
    ['bidirectional marks and separators', 'a\u202eb\u2028c\u2066', 'a\\u202eb\\u2028c\\u2066'],
    ['nothing to escape', 'experiments/é-ü/checkout.yaml: a::b', 'experiments/é-ü/checkout.yaml: a::b'],
  ])('trust item 8: escapeText shows %s as escapes', (_what, input, shown) => {
    expect(escapeText(input)).toBe(shown);
  });

  it('trust item 8: escapeText keeps any value on one line, inert in a terminal and a CI log (property)', () => {
    fc.assert(
      fc.property(hostile, (v) => {
        const out = escapeText(v);
        expect(out).not.toContain('\n');
        expectSafeForLogs(out);
      }),
      { numRuns: 300 },
    );
  });

  it('trust item 8: escapeJsonText keeps the JSON value and makes it safe for a log (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), hostile, (value, v) => {
        const data = { value, v, nested: [v, { [v]: v }] };
        for (const json of [JSON.stringify(data), JSON.stringify(data, null, 2)]) {
          const safe = escapeJsonText(json);
          expect(JSON.parse(safe)).toEqual(JSON.parse(json));
          expectSafeForLogs(safe.replace(/\n/g, ' '));
          expect(safe.split('\n')).toHaveLength(json.split('\n').length);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('trust item 8: the text plan keeps its lines whatever the keys, files, names, paths and reasons hold', () => {
    const benign = renderPlanText(planWith(BENIGN), { color: false }).split('\n').length;
    fc.assert(
      fc.property(hostile, (v) => {
        const out = renderPlanText(planWith(v), { color: false });
        expect(out.split('\n')).toHaveLength(benign);
        expectSafeForLogs(out);
      }),
      { numRuns: 200 },
    );
  });

  it('trust item 8: validation problems (text, github, json) keep one line per problem whatever the file name and message', () => {
    fc.assert(
      fc.property(hostile, hostile, (file, value) => {
        const problems = [{ file, line: 3, col: 7, severity: 'error' as const, rule: 'schema', message: `name "${value}" is not valid` }];
        const text = renderProblems(problems, { format: 'text', files: 1 });
        expect(text.split('\n')).toHaveLength(3);
        expectSafeForLogs(text);
        const github = renderProblems(problems, { format: 'github', files: 1 });
        expect(github.split('\n')).toHaveLength(3);
        expect(github).toMatch(/^::error file=[^\n]*::[^\n]*\n[^:]/);
        expect(github.split('\n')[0]).not.toMatch(INVISIBLE);
        const json = renderProblems(problems, { format: 'json', files: 1 });
        expect(JSON.parse(json).problems[0]).toMatchObject({ file, message: problems[0]!.message });
        expectSafeForLogs(json.replace(/\n/g, ' '));
      }),
      { numRuns: 200 },
    );
  });

  it('trust item 8: apply progress, apply JSON and the plan JSON are safe in a CI log', () => {
    fc.assert(
      fc.property(hostile, (v) => {
        const result: ApplyResult = {
          results: [
            { experiment_key: v, action: 'create', status: 'failed', error: v },
            { experiment_key: v, action: 'update', status: 'skipped', reason: v, eppo_id: 3 },
          ],
          summary: { applied: 0, failed: 1, skipped: 1 },
        };
        for (const item of result.results) {
          const line = renderApplyProgress(item);
          expect(line).not.toContain('\n');
          expectSafeForLogs(line);
        }
        const json = renderApplyJson(result);
        expect(JSON.parse(json)).toEqual(result);
        expectSafeForLogs(json.replace(/\n/g, ' '));
        const plan = renderPlanJson(planWith(v));
        expect(JSON.parse(plan)).toEqual(planWith(v));
        expectSafeForLogs(plan.replace(/\n/g, ' '));
      }),
      { numRuns: 150 },
    );
  });
});

describe('trust item 8: Markdown (plan comment, drift issue, job summary)', () => {
  it('trust item 8: a file name cannot close its code span, start a new paragraph, or mention anyone', () => {
    const file = 'x`\n\n<img src=x onerror=alert(1)> @octocat\n- fake.yaml';
    const md = renderPlanMarkdown(planWith(BENIGN), { problems: [{ file, line: 1, col: 1, severity: 'error', rule: 'schema', message: 'bad' }] });
    const problemLine = md.split('\n').find((l) => l.startsWith('- `'))!;
    // The name shown is the real one, backtick included: the span's fence is longer than any run inside.
    expect(problemLine).toBe('- ``x`\\n\\n<img src=x onerror=alert(1)> @octocat\\n- fake.yaml:1:1`` error: bad [schema]');
    expect(codeSpan('a`b\nc')).toBe('``a`b\\nc``');
    expect(codeSpan('`a``')).toBe('``` `a`` ```');
    expect(escapeMarkdown('@team ##[error] \u001b[1m')).toBe('@\u200bteam \\#\u200b\\\\x23\\[error\\] \\\\x1b\\[1m');
  });

  it('trust item 8: the plan keeps its structure and stays inert whatever the values hold (property)', () => {
    const benign = renderPlanMarkdown(planWith(BENIGN)).split('\n').length;
    fc.assert(
      fc.property(hostile, hostile, (v, file) => {
        const problems = [{ file, line: 2, col: 1, severity: 'warning' as const, rule: 'schema', message: v }];
        const md = renderPlanMarkdown(planWith(v));
        expect(md.split('\n')).toHaveLength(benign);
        expectInertMarkdown(md);
        expectSafeForLogs(md);
        const withProblems = renderPlanMarkdown(planWith(v), { problems, headline: v, fullPlanHint: v });
        expectInertMarkdown(withProblems);
        expectSafeForLogs(withProblems);
      }),
      { numRuns: 200 },
    );
  });

  it('trust item 8: the apply summary table keeps one row per change', () => {
    fc.assert(
      fc.property(hostile, (v) => {
        const md = renderApplyMarkdown({ results: [{ experiment_key: v, action: 'create', status: 'failed', error: v }], summary: { applied: 0, failed: 1, skipped: 0 } });
        const rows = md.split('\n').filter((l) => l.startsWith('|'));
        expect(rows).toHaveLength(3);
        expect(rows[2]!.split(/(?<!\\)\|/)).toHaveLength(7);
        expectInertMarkdown(md);
        expectSafeForLogs(md);
      }),
      { numRuns: 150 },
    );
  });
});
