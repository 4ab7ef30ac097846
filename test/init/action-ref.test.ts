import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { buildActionRef, parseActionRef, renderActionRef, type PackageInfo } from '../../src/init/index.js';

const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as PackageInfo;

describe('buildActionRef', () => {
  it("uses this package's repository and the major tag of its version", () => {
    const major = pkg.version.split('.')[0];
    expect(renderActionRef(buildActionRef(pkg))).toBe(`eppo-gitops/eppo-gitops@v${major}`);
  });

  it.each([
    ['git+https://github.com/acme/eppo-gitops.git', 'acme/eppo-gitops@v2'],
    ['https://github.com/acme/eppo-gitops', 'acme/eppo-gitops@v2'],
    ['git@github.com:acme/eppo-gitops.git', 'acme/eppo-gitops@v2'],
    ['ssh://git@github.com/acme/eppo-gitops.git', 'acme/eppo-gitops@v2'],
    ['github:acme/eppo-gitops', 'acme/eppo-gitops@v2'],
    ['acme/eppo-gitops', 'acme/eppo-gitops@v2'],
  ])('%s', (url, expected) => {
    expect(renderActionRef(buildActionRef({ version: '2.3.4', repository: { type: 'git', url } }))).toBe(expected);
    expect(renderActionRef(buildActionRef({ version: '2.3.4', repository: url }))).toBe(expected);
  });

  it.each([
    [{ version: '1.0.0' }, 'names no GitHub repository, so the action for the workflows is unknown; pass --action OWNER/REPO@REF'],
    [{ version: '1.0.0', repository: 'https://gitlab.com/acme/eppo-gitops' }, 'names no GitHub repository ("https://gitlab.com/acme/eppo-gitops")'],
    [{ version: 'next', repository: 'acme/eppo-gitops' }, 'version "next" is not semver'],
  ])('refuses %j and says to pass --action', (info, message) => {
    expect(() => buildActionRef(info)).toThrow(UsageError);
    expect(() => buildActionRef(info)).toThrow(message);
  });
});

describe('parseActionRef (--action)', () => {
  it.each([
    ['acme/eppo-gitops@v1', { owner: 'acme', repo: 'eppo-gitops', ref: 'v1' }],
    ['acme/eppo-gitops@v1.4.2', { owner: 'acme', repo: 'eppo-gitops', ref: 'v1.4.2' }],
    [' acme/my.fork@0123456789abcdef0123456789abcdef01234567 ', { owner: 'acme', repo: 'my.fork', ref: '0123456789abcdef0123456789abcdef01234567' }],
    ['acme/eppo-gitops@releases/v1', { owner: 'acme', repo: 'eppo-gitops', ref: 'releases/v1' }],
  ])('%s', (text, expected) => {
    expect(parseActionRef(text)).toEqual(expected);
  });

  it.each([
    ['<owner>/eppo-gitops@v1', 'must look like OWNER/REPO@REF'],
    ['acme/eppo-gitops', 'must look like OWNER/REPO@REF'],
    ['eppo-gitops@v1', 'must look like OWNER/REPO@REF'],
    ['acme/eppo-gitops@', 'must look like OWNER/REPO@REF'],
    ['acme/eppo-gitops@v1 # comment', 'must look like OWNER/REPO@REF'],
    ["acme/eppo-gitops@v1'x", 'must look like OWNER/REPO@REF'],
    ['acme/eppo-gitops@../v1', 'must look like OWNER/REPO@REF'],
    ['acme/eppo-gitops@main', 'follows the moving branch "main"; pin a release tag (e.g. v1) or a commit SHA'],
    ['acme/eppo-gitops@HEAD', 'follows the moving branch "HEAD"'],
  ])('refuses %s', (text, message) => {
    expect(() => parseActionRef(text)).toThrow(UsageError);
    expect(() => parseActionRef(text)).toThrow(message);
  });
});
