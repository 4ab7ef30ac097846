import { describe, expect, it } from 'vitest';
import { markdownCode } from '../../src/util/index.js';

describe('markdownCode: inline code that shows the text exactly', () => {
  it.each([
    ['plain', 'a.yaml', '`a.yaml`'],
    ['a backtick inside', 'we`ird.yaml', '``we`ird.yaml``'],
    ['runs of backticks', 'a``b```c', '````a``b```c````'],
    ['a backtick at an end (padded: CommonMark strips one space each side)', '`a', '`` `a ``'],
    ['spaces at both ends (padded, or one would be stripped)', ' a ', '`  a  `'],
    ['only spaces (kept as they are)', '  ', '`  `'],
    ['empty (there is no empty code span)', '', '` `'],
    ['a line break (a space in any code span)', 'a\nb\r\nc', '`a b c`'],
  ])('%s', (_what, text, expected) => {
    expect(markdownCode(text)).toBe(expected);
  });

  it('escapes a pipe only for a table cell', () => {
    expect(markdownCode('a|b')).toBe('`a|b`');
    expect(markdownCode('a|b', { table: true })).toBe('`a\\|b`');
  });
});
