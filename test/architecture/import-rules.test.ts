import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkImportRules, readImports, readReExports, type ImportRule } from './import-rules.js';
import { readSourceImports, readSourceReExports } from './source-tree.js';

/** A made-up src/ tree: file → its source text. */
function tree(files: Record<string, string>) {
  return new Map(Object.entries(files).map(([file, source]) => [file, readImports(source)]));
}

function rules(files: Record<string, string>): Array<[ImportRule, string]> {
  const reExports = new Map(Object.entries(files).map(([file, source]) => [file, readReExports(source)]));
  return checkImportRules(tree(files), reExports).map((v) => [v.rule, v.message]);
}

/** A small tree that keeps every rule. */
const CLEAN = {
  'index.ts': "export { main } from './cli/index.js';\nexport * from './errors.js';\nexport type * from './reconcile/index.js';\n",
  'errors.ts': 'export class ConfigError extends Error {}\n',
  'cli/index.ts': "export { main } from './main.js';\n",
  'cli/main.ts': "const load = () => import('./commands/plan.js');\nimport { didYouMean } from '../util/index.js';\n",
  'cli/shared-flags.ts': "import type { OutcomeContextOptions } from '../outcomes/index.js';\n",
  'cli/commands/plan.ts': "import { planWorkspace } from '../../reconcile/index.js';\nimport { EPPO_ENV_HELP } from '../shared-flags.js';\nimport type { Io } from '../io.js';\nimport { ConfigError } from '../../errors.js';\n",
  'cli/commands/apply.ts': "import { planWorkspace } from '../../reconcile/index.js';\nimport { EPPO_ENV_HELP } from '../shared-flags.js';\n",
  'reconcile/index.ts': "export { planWorkspace } from './plan-workspace.js';\n",
  'reconcile/plan-workspace.ts': "import { connectEppo } from '../eppo/index.js';\nimport { compareText } from './canonical.js';\n",
  'eppo/index.ts': "export { connectEppo } from './connect-eppo.js';\n",
  'eppo/connect-eppo.ts': "const { startEmulator } = await import('../emulator/index.js');\n",
  'emulator/index.ts': "export { startEmulator } from './server.js';\n",
  'emulator/server.ts': "import type { Experiment } from './types.js';\nimport { ConfigError } from '../errors.js';\n",
  'outcomes/index.ts': "export * from './context.js';\n",
  'outcomes/context.ts': "import { selectGitHost } from '../git-host/index.js';\n",
  'git-host/index.ts': "export { selectGitHost } from './select.js';\nimport { GitHostError } from '../errors.js';\n",
  'util/index.ts': "export { didYouMean } from './did-you-mean.js';\n",
} satisfies Record<string, string>;

describe('checkImportRules on made-up trees', () => {
  it('accepts a tree that keeps every rule', () => {
    expect(rules(CLEAN)).toEqual([]);
  });

  it('refuses a way into another folder that skips its index.ts: value, type-only, re-export and dynamic imports, util/ included', () => {
    expect(
      rules({
        ...CLEAN,
        'cli/commands/plan.ts': "import { buildPlan } from '../../reconcile/build-plan.js';\n",
        'reconcile/plan-workspace.ts': "import type { Definition } from '../definitions/types.js';\n",
        'reconcile/index.ts': "export { didYouMean } from '../util/did-you-mean.js';\n",
        'cli/main.ts': "const emulator = await import('../emulator/server.js');\n",
        'index.ts': "export type * from './definitions/types.js';\n",
      }).map(([rule, message]) => `${rule}: ${message.split(':')[0]}`),
    ).toEqual([
      // a re-export of another folder's file breaks the re-export rule as well
      'foreign-re-export: reconcile/index.ts re-exports ../util/did-you-mean.js',
      'index-only: cli/commands/plan.ts imports ../../reconcile/build-plan.js',
      'index-only: cli/main.ts imports ../emulator/server.js',
      'index-only: index.ts imports ./definitions/types.js',
      'index-only: reconcile/index.ts imports ../util/did-you-mean.js',
      'index-only: reconcile/plan-workspace.ts imports ../definitions/types.js',
    ]);
  });

  it('refuses an import between two commands, and allows commands their own folder', () => {
    const found = rules({ ...CLEAN, 'cli/commands/apply.ts': "import { reportProblems } from './plan.js';\nimport type { Io } from '../io.js';\n" });
    expect(found).toEqual([['command-to-command', expect.stringMatching(/^cli\/commands\/apply\.ts imports \.\/plan\.js: a command must not import another command/)]]);
  });

  it('refuses any import of eppo/ from the emulator, even a type through the index', () => {
    const found = rules({ ...CLEAN, 'emulator/server.ts': "import type { EppoExperiment } from '../eppo/index.js';\n" });
    expect(found.map(([rule]) => rule)).toEqual(['emulator-to-eppo', 'folder-cycle']);
    expect(found[0]![1]).toMatch(/^emulator\/server\.ts imports \.\.\/eppo\/index\.js: the emulator stands alone/);
  });

  it('refuses a cycle between folders, through a type-only or a dynamic import too, and names the imports that close it', () => {
    const two = rules({ ...CLEAN, 'git-host/github.ts': "import type { OutcomeMarker } from '../outcomes/index.js';\n" });
    expect(two).toEqual([
      [
        'folder-cycle',
        'folders import each other in a cycle: git-host/ → outcomes/ → git-host/ (git-host/github.ts imports ../outcomes/index.js; outcomes/context.ts imports ../git-host/index.js)',
      ],
    ]);
    const three = rules({ ...CLEAN, 'emulator/server.ts': "const r = await import('../reconcile/index.js');\n" });
    expect(three).toEqual([['folder-cycle', expect.stringContaining('cycle: emulator/ → reconcile/ → eppo/ → emulator/')]]);
    const throughRoot = rules({ ...CLEAN, 'util/index.ts': "import { main } from '../index.js';\n" });
    expect(throughRoot).toEqual([['folder-cycle', expect.stringContaining('cli/ → util/ → index.ts → cli/')]]);
  });

  it('refuses a cycle between the files of one folder, through a lazy import or a type-only one too', () => {
    const lazy = rules({
      ...CLEAN,
      'cli/main.ts': "const load = () => import('./commands/demo.js');\n",
      'cli/commands/demo.ts': "const { main } = await import('../main.js');\n",
    });
    expect(lazy).toEqual([
      [
        'file-cycle',
        'files of cli/ import each other in a cycle: cli/commands/demo.ts → cli/main.ts → cli/commands/demo.ts; pass what one needs of the other as an argument, or move it into a file both import',
      ],
    ]);
    const types = rules({
      ...CLEAN,
      'reconcile/canonical.ts': "import type { Plan } from './plan-workspace.js';\n",
      'reconcile/plan-workspace.ts': "import { connectEppo } from '../eppo/index.js';\nimport { compareText } from './canonical.js';\n",
    });
    expect(types.map(([rule, message]) => `${rule}: ${message.split(';')[0]}`)).toEqual([
      'file-cycle: files of reconcile/ import each other in a cycle: reconcile/canonical.ts → reconcile/plan-workspace.ts → reconcile/canonical.ts',
    ]);
  });

  it('refuses a folder that exports another folder\'s code, from its index.ts or any other file, under its name or another', () => {
    const found = rules({
      ...CLEAN,
      'outcomes/pull-request.ts': "import { escapeMarkdown } from '../util/index.js';\nexport { escapeMarkdown };\n",
      'outcomes/index.ts': "export * from './context.js';\nexport { escapeMarkdown } from './pull-request.js';\n",
      'eppo/index.ts': "export { connectEppo } from './connect-eppo.js';\nexport { didYouMean as suggest } from '../util/index.js';\n",
      'git-host/index.ts': "export { selectGitHost } from './select.js';\nimport { GitHostError } from '../errors.js';\nexport type * from '../errors.js';\n",
    });
    expect(found.map(([rule, message]) => `${rule}: ${message.split(':')[0]}`)).toEqual([
      'foreign-re-export: eppo/index.ts re-exports ../util/index.js',
      'foreign-re-export: git-host/index.ts re-exports ../errors.js',
      'foreign-re-export: outcomes/pull-request.ts re-exports ../util/index.js',
    ]);
    // its own files, local declarations and src/index.ts are fine
    expect(
      rules({
        ...CLEAN,
        'reconcile/plan-workspace.ts': "import { connectEppo } from '../eppo/index.js';\nimport { compareText } from './canonical.js';\nconst local = 1;\nexport { local, compareText };\n",
      }),
    ).toEqual([]);
  });

  it('refuses an import that leaves src/', () => {
    expect(rules({ ...CLEAN, 'index.ts': "import pkg from '../package.json';\n" })).toEqual([['index-only', "index.ts imports ../package.json, which is outside src/"]]);
  });
});

describe('readImports', () => {
  it('finds static, type-only, re-exported, side-effect and dynamic imports, across lines', () => {
    const source = [
      "import { a, b } from './a.js';",
      'import type {',
      '  C,',
      '  D,',
      "} from '../c.js';",
      "import './side-effect.js';",
      "import * as ns from \"./ns.js\";",
      "export { e } from './e.js';",
      "export type { F } from './f.js';",
      "export * from './star.js';",
      "export type * from './types.js';",
      "export * as grouped from './grouped.js';",
      "const lazy = () => import('./lazy.js');",
      "const then = await import('../then.js').then((m) => m.x);",
      "export const g = 1;",
      "export type H = { from: 'not-a-module' };",
      "export { g as h };",
      "const url = new URL('../package.json', import.meta.url);",
    ].join('\n');
    expect(readImports(source)).toEqual(['./a.js', '../c.js', './side-effect.js', './ns.js', './e.js', './f.js', './star.js', './types.js', './grouped.js', './lazy.js', '../then.js']);
  });

  it('ignores what only looks like an import: comments, strings, templates, regular expressions', () => {
    const source = [
      "// import { x } from './line-comment.js';",
      "/* export * from './block-comment.js'; import('./in-block.js') */",
      "const help = 'eppo-gitops import --all; import x from \"./in-string.js\"';",
      "const text = `import('./in-template.js') ${value} export * from './also-template.js'`;",
      "const nested = `a ${fn({ k: `import('./inner-template.js')` })} b`;",
      "const re = /import\\('\\.\\/in-regex\\.js'\\)/;",
      "const ratio = total / count; const other = a / b;",
      "import { real } from './real.js';",
      "const fromTemplate = `${await import('./dynamic-in-template.js')}`;",
    ].join('\n');
    expect(readImports(source)).toEqual(['./real.js', './dynamic-in-template.js']);
  });
});

describe('src/', () => {
  const src = resolve(import.meta.dirname, '../../src');
  const found = checkImportRules(readSourceImports(src), readSourceReExports(src));

  it('reads every file and import of the real tree', () => {
    const files = readSourceImports(resolve(import.meta.dirname, '../../src'));
    expect(files.size).toBeGreaterThan(80);
    expect(files.get('index.ts')).toContain('./cli/index.js');
    expect(files.get('cli/main.ts')).toContain('./commands/plan.js');
  });

  it('keeps the import rules', () => {
    expect(found.map((v) => `${v.rule}: ${v.message}`)).toEqual([]);
  });
});
