import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string }; overrides?: Record<string, string> };

describe('trust item 24: npm ci on Node 20', () => {
  it('resolves the lock file without an EBADENGINE warning', async () => {
    // A dry run resolves the whole tree from package-lock.json and checks every
    // package's engines, exactly as npm ci does, without installing anything.
    const dir = mkdtempSync(join(tmpdir(), 'eppo-gitops-engines-'));
    try {
      copyFileSync(join(root, 'package.json'), join(dir, 'package.json'));
      copyFileSync(join(root, 'package-lock.json'), join(dir, 'package-lock.json'));
      const { stdout, stderr } = await promisify(execFile)('npm', ['ci', '--dry-run', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], {
        cwd: dir,
        env: { ...process.env, npm_config_engine_strict: 'false', npm_config_loglevel: 'warn' },
      });
      expect(stdout).toMatch(/added \d+ packages/);
      expect(stderr).not.toContain('EBADENGINE');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('keeps content-type, which @octokit/request pulls in, on a release that supports Node 20', () => {
    expect(pkg.engines.node).toBe('>=20.19');
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string; engines?: { node?: string } }> };
    const contentType = Object.entries(lock.packages).filter(([path]) => path.endsWith('node_modules/content-type'));
    expect(contentType.map(([, p]) => p.version)).toEqual(['2.1.0']);
    expect(contentType[0]?.[1].engines?.node).toBe('>=18');
  });
});
