import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { fetchDefinitionFiles } from '../../src/outcomes/index.js';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake-github.js';
import { buildHosts, createGitRepo, type GitRepo } from '../helpers/git-repo.js';

const FILES: Record<string, string> = {
  'experiments/a.yaml': 'experiment_key: a\n',
  'experiments/deep/b.YML': 'experiment_key: b\n',
  'experiments/notes.md': '# not a definition\n',
  'experiments.yaml': 'outside the folder\n',
  'other/c.yaml': 'experiment_key: c\n',
};
const LINK = 'experiments/link.yaml';
const WANTED = [
  ['experiments/a.yaml', 'experiment_key: a\n'],
  ['experiments/deep/b.YML', 'experiment_key: b\n'],
];

describe('definition files at the base head, through either host', () => {
  let github: FakeGitHub;
  let repo: GitRepo;
  beforeEach(async () => {
    github = await startFakeGitHub();
    github.commitFiles({ ...FILES, [LINK]: 'a.yaml' }, { modes: { [LINK]: '120000' } });
    repo = createGitRepo({ prefix: 'eppo-gitops-defs-', identity: false });
    repo.write(FILES);
    repo.link({ [LINK]: 'a.yaml' });
    repo.commit('definitions');
  });
  afterEach(async () => {
    await github.close();
    repo.remove();
  });

  const hosts = () => buildHosts(github, repo);

  it('reads every .yaml/.yml file under the folder, skips other files and symbolic links, and stamps the commit', async () => {
    for (const [kind, host] of hosts()) {
      const head = await host.baseHead();
      for (const _round of [1, 2]) {
        const files = await fetchDefinitionFiles(host, 'experiments');
        expect(files.map((f) => [f.path, f.text]), kind).toEqual(WANTED);
        expect(files.every((f) => f.commit === head.commit), kind).toBe(true);
        await expect(fetchDefinitionFiles(host, 'nowhere'), kind).rejects.toThrow(
          new ConfigError(
            `the definitions folder nowhere/ does not exist at the head of the base branch main (${head.commit.slice(0, 12)}); check --dir, "dir" in eppo-gitops.yaml, and that the command runs in the folder holding eppo-gitops.yaml`,
          ),
        );
      }
    }
  });

  it('with a path filter, only the chosen files are read', async () => {
    for (const [kind, host] of hosts()) {
      github.clearRequests();
      const seen: string[] = [];
      const files = await fetchDefinitionFiles(host, 'experiments', (path) => {
        seen.push(path);
        return path.endsWith('/a.yaml');
      });
      expect(files.map((f) => f.path), kind).toEqual(['experiments/a.yaml']);
      // The link is dropped before the filter is asked; the filter sees definitions only.
      expect(seen, kind).toEqual(['experiments/a.yaml', 'experiments/deep/b.YML']);
      if (kind === 'github') expect(github.requests.filter((r) => r.path.includes('/git/blobs/'))).toHaveLength(1);
    }
  });
});
