import { describe, expect, it } from 'vitest';
import { renderProblems } from '../../src/definitions/index.js';
import type { Problem } from '../../src/definitions/index.js';
import { escapeData, escapeProperty } from '../../src/definitions/render-problems.js';

const problems: Problem[] = [
  { file: 'experiments/a.yaml', line: 12, col: 7, severity: 'error', rule: 'weights-sum', message: 'weights of active variations sum to 0.9, not 1' },
  { file: 'experiments/b.yaml', line: 1, col: 17, severity: 'warning', rule: 'file-name', message: 'file name "b.yaml" does not match experiment_key "c"; rename the file to c.yaml' },
];

describe('renderProblems', () => {
  it('text: file:line:col  severity  message  [rule], then a summary', () => {
    expect(renderProblems(problems, { format: 'text', files: 3 })).toMatchInlineSnapshot(`
      "experiments/a.yaml:12:7  error  weights of active variations sum to 0.9, not 1  [weights-sum]
      experiments/b.yaml:1:17  warning  file name "b.yaml" does not match experiment_key "c"; rename the file to c.yaml  [file-name]
      3 files checked: 1 error, 1 warning
      "
    `);
    expect(renderProblems([], { format: 'text', files: 1 })).toBe('1 file checked: no problems\n');
  });

  it('json: exactly the CLI.md shape', () => {
    const parsed = JSON.parse(renderProblems(problems, { format: 'json', files: 3 })) as unknown;
    expect(parsed).toEqual({
      problems: [
        { file: 'experiments/a.yaml', line: 12, col: 7, severity: 'error', rule: 'weights-sum', message: 'weights of active variations sum to 0.9, not 1' },
        { file: 'experiments/b.yaml', line: 1, col: 17, severity: 'warning', rule: 'file-name', message: problems[1]!.message },
      ],
      summary: { files: 3, errors: 1, warnings: 1 },
    });
    const keys = Object.keys((parsed as { problems: object[] }).problems[0]!);
    expect(keys).toEqual(['file', 'line', 'col', 'severity', 'rule', 'message']);
    expect(JSON.parse(renderProblems([], { format: 'json', files: 0 }))).toEqual({ problems: [], summary: { files: 0, errors: 0, warnings: 0 } });
  });

  it('github: one workflow command per problem, then a plain summary line', () => {
    expect(renderProblems(problems, { format: 'github', files: 3 })).toMatchInlineSnapshot(`
      "::error file=experiments/a.yaml,line=12,col=7,title=eppo-gitops weights-sum::weights of active variations sum to 0.9, not 1
      ::warning file=experiments/b.yaml,line=1,col=17,title=eppo-gitops file-name::file name "b.yaml" does not match experiment_key "c"; rename the file to c.yaml
      3 files checked: 1 error, 1 warning
      "
    `);
  });

  it('github: escapes % CR LF in the message and also : and , in properties', () => {
    expect(escapeData('100% done\r\nnext: a, b')).toBe('100%25 done%0D%0Anext: a, b');
    expect(escapeProperty('dir:a,b%\n.yaml')).toBe('dir%3Aa%2Cb%25%0A.yaml');
    const out = renderProblems(
      [{ file: 'exp,one:x.yaml', line: 2, col: 3, severity: 'error', rule: 'schema', message: 'a: 50%\nb, c' }],
      { format: 'github', files: 1 },
    );
    const line = out.split('\n')[0]!;
    expect(line).toBe('::error file=exp%2Cone%3Ax.yaml,line=2,col=3,title=eppo-gitops schema::a: 50%25%0Ab, c');
    // well-formed: ::level props::message, props are key=value pairs split by commas
    const match = /^::(error|warning) ([^:]*)::(.*)$/.exec(line);
    expect(match).not.toBeNull();
    expect(match![2]!.split(',').map((kv) => kv.split('=')[0])).toEqual(['file', 'line', 'col', 'title']);
  });
});
