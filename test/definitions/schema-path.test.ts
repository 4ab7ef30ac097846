import { describe, expect, it } from 'vitest';
import { buildSchemaPath, PACKAGE_ROOT } from '../../src/definitions/index.js';

describe('trust item 24: buildSchemaPath gives a $schema hint that works for an installed user', () => {
  it.each([
    {
      what: 'installed in the project: through node_modules/eppo-gitops',
      packageRoot: '/work/team/node_modules/eppo-gitops',
      file: '/work/team/experiments/a.yaml',
      expected: '../node_modules/eppo-gitops/schemas/experiment.schema.json',
    },
    {
      what: 'a nested definitions folder',
      packageRoot: '/work/team/node_modules/eppo-gitops',
      file: '/work/team/experiments/checkout/a.yaml',
      expected: '../../node_modules/eppo-gitops/schemas/experiment.schema.json',
    },
    {
      what: "pnpm's store: the stable node_modules/eppo-gitops link, not the versioned store path",
      packageRoot: '/work/team/node_modules/.pnpm/eppo-gitops@1.2.3/node_modules/eppo-gitops',
      file: '/work/team/experiments/a.yaml',
      expected: '../node_modules/eppo-gitops/schemas/experiment.schema.json',
    },
    {
      what: 'hoisted to a monorepo root above the project',
      packageRoot: '/work/mono/node_modules/eppo-gitops',
      root: '/work/mono/teams/growth',
      file: '/work/mono/teams/growth/experiments/a.yaml',
      expected: '../../../node_modules/eppo-gitops/schemas/experiment.schema.json',
    },
    {
      what: 'a checkout of eppo-gitops itself: its own schemas/',
      packageRoot: '/src/eppo-gitops',
      root: '/src/eppo-gitops',
      file: '/src/eppo-gitops/experiments/checkout/a.yaml',
      expected: '../../schemas/experiment.schema.json',
    },
    {
      what: "npx from its cache: where npm i -D eppo-gitops will put it",
      packageRoot: '/home/me/.npm/_npx/4b1f/node_modules/eppo-gitops',
      file: '/work/team/experiments/a.yaml',
      expected: '../node_modules/eppo-gitops/schemas/experiment.schema.json',
    },
    {
      what: 'a checkout used from another project (npm link)',
      packageRoot: '/src/eppo-gitops',
      file: '/work/team/experiments/a.yaml',
      expected: '../node_modules/eppo-gitops/schemas/experiment.schema.json',
    },
    {
      what: 'the settings file at the root, config schema',
      packageRoot: '/work/team/node_modules/eppo-gitops',
      file: '/work/team/eppo-gitops.yaml',
      schema: 'config' as const,
      expected: 'node_modules/eppo-gitops/schemas/config.schema.json',
    },
  ])('$what', ({ packageRoot, file, root, schema, expected }) => {
    expect(buildSchemaPath({ file, root: root ?? '/work/team', packageRoot, ...(schema === undefined ? {} : { schema }) })).toBe(expected);
  });

  it('defaults to the package this code runs from: inside this repository, its schemas/', () => {
    expect(buildSchemaPath({ file: `${PACKAGE_ROOT}/experiments/a.yaml`, root: PACKAGE_ROOT })).toBe('../schemas/experiment.schema.json');
  });
});
