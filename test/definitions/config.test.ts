import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../src/definitions/index.js';
import type { Problem } from '../../src/definitions/index.js';

const show = (p: Problem): string => `${p.file}:${p.line}:${p.col} ${p.severity} [${p.rule}] ${p.message}`;

let cwd: string;
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'eppo-gitops-config-'));
});
afterEach(async () => {
  await rm(cwd, { recursive: true, force: true });
});

describe('loadConfig', () => {
  it('returns an empty config when eppo-gitops.yaml is absent', async () => {
    expect(await loadConfig(cwd)).toEqual({ config: {}, problems: [] });
  });

  it('reads the non-secret settings', async () => {
    await writeFile(
      join(cwd, 'eppo-gitops.yaml'),
      'dir: definitions\neppo_base_url: http://127.0.0.1:4010/api/v1\nbase_branch: main\nparallelism: 8\ngithub_repository: acme/experiments\ngithub_api_url: https://api.github.com\nport: 8080\n',
    );
    const { config, problems } = await loadConfig(cwd);
    expect(problems).toEqual([]);
    expect(config).toEqual({
      dir: 'definitions',
      eppo_base_url: 'http://127.0.0.1:4010/api/v1',
      base_branch: 'main',
      parallelism: 8,
      github_repository: 'acme/experiments',
      github_api_url: 'https://api.github.com',
      port: 8080,
    });
    expect(Object.getPrototypeOf(config)).toBe(Object.prototype);
  });

  it('reports an unreadable settings file as io', async () => {
    await mkdir(join(cwd, 'eppo-gitops.yaml'));
    const { config, problems } = await loadConfig(cwd);
    expect(config).toEqual({});
    expect(problems.map(show)).toEqual(['eppo-gitops.yaml:1:1 error [io] cannot read the settings file (EISDIR)']);
  });
});

describe('parseConfig', () => {
  it.each([
    ['', []],
    ['# nothing yet\n', []],
    ['dri: x\n', ['eppo-gitops.yaml:1:1 error [schema] unknown field "dri"; did you mean "dir"?']],
    ['parallelism: four\n', ['eppo-gitops.yaml:1:14 error [schema] parallelism must be a whole number, not the text "four"']],
    ['parallelism: 0\n', ['eppo-gitops.yaml:1:14 error [schema] parallelism must be >= 1, not 0']],
    ['github_repository: acme\n', ['eppo-gitops.yaml:1:20 error [schema] github_repository "acme" is not in the expected form, for example "acme/experiments"']],
    ['eppo_base_url: eppo.cloud\n', ['eppo-gitops.yaml:1:16 error [schema] eppo_base_url must be a URL, not "eppo.cloud"']],
    ['github_api_url: ftp://github.example.com\n', ['eppo-gitops.yaml:1:17 error [schema] github_api_url must start with https:// (http:// only for a loopback address), not "ftp://github.example.com"']],
    ['eppo_api_key: abc\n', ['eppo-gitops.yaml:1:1 error [schema] unknown field "eppo_api_key"; secrets never belong in eppo-gitops.yaml (it is committed); set EPPO_API_KEY instead']],
    ['my_password: abc\n', ['eppo-gitops.yaml:1:1 error [schema] unknown field "my_password"; secrets never belong in eppo-gitops.yaml (it is committed); set them in the environment instead']],
    ['- dir\n', ['eppo-gitops.yaml:1:1 error [schema] eppo-gitops.yaml must be a mapping, not a list']],
    ['dir: a\ndir: b\n', ['eppo-gitops.yaml:2:1 error [yaml] duplicate key "dir" (first at line 1); each key may appear once in a mapping']],
    ['flags:\n  files: []\n', ['eppo-gitops.yaml:2:3 error [schema] flags.files needs at least 1 item, has 0']],
    ['flags:\n  files: flags/*.json\n', ['eppo-gitops.yaml:2:10 error [schema] flags.files must be a list, not the text "flags/*.json"']],
    ['flags:\n  rollout: off\n', ['eppo-gitops.yaml:1:1 error [schema] flags is missing the required field "files"']],
    ['flags:\n  files: [a.json]\n  rollout: always\n', ['eppo-gitops.yaml:3:12 error [schema] flags.rollout must be "winner" or "off", not the text "always"']],
    ['flags:\n  files: [a.json]\n  rolout: off\n', ['eppo-gitops.yaml:3:3 error [schema] unknown field "rolout" in flags; did you mean "rollout"?']],
    [
      'flags:\n  files: [flags/*.json, ../shared/*.json]\n',
      ['eppo-gitops.yaml:2:25 error [schema] flags.files[1] "../shared/*.json" leads outside the folder holding eppo-gitops.yaml; write a glob relative to it, without ".." and not absolute'],
    ],
    [
      'flags:\n  files: [/etc/flags.json]\n',
      ['eppo-gitops.yaml:2:11 error [schema] flags.files[0] "/etc/flags.json" leads outside the folder holding eppo-gitops.yaml; write a glob relative to it, without ".." and not absolute'],
    ],
    [
      'flags:\n  files: [flags/../../x.json]\n',
      ['eppo-gitops.yaml:2:11 error [schema] flags.files[0] "flags/../../x.json" leads outside the folder holding eppo-gitops.yaml; write a glob relative to it, without ".." and not absolute'],
    ],
    ['defaults:\n  entty: User\n', ['eppo-gitops.yaml:2:3 error [schema] unknown field "entty" in defaults; did you mean "entity"?']],
    ['defaults: {entity: ""}\n', ['eppo-gitops.yaml:1:20 error [schema] defaults.entity must not be empty']],
  ])('%j', (text, expected) => {
    const result = parseConfig(text);
    expect(result.problems.map(show)).toEqual(expected);
    if (expected.length > 0) expect(result.config).toEqual({});
  });

  it('reads the flags and defaults settings', () => {
    const text = 'flags:\n  files: [flags/*.flagd.json, "flags/**/*.{yaml,yml}"]\n  rollout: off\ndefaults:\n  entity: User\n  assignment_source: Assignments\n';
    expect(parseConfig(text)).toEqual({
      config: {
        flags: { files: ['flags/*.flagd.json', 'flags/**/*.{yaml,yml}'], rollout: 'off' },
        defaults: { entity: 'User', assignment_source: 'Assignments' },
      },
      problems: [],
    });
    expect(parseConfig('flags:\n  files: [flags/*.json]\n').config).toEqual({ flags: { files: ['flags/*.json'] } });
  });

  it('never echoes a secret value in a problem', () => {
    const result = parseConfig('github_token: ghp_supersecretvalue\n');
    expect(result.problems).toHaveLength(1);
    expect(JSON.stringify(result.problems)).not.toContain('ghp_supersecretvalue');
  });
});

describe('trust item 6: eppo-gitops.yaml cannot widen what a secret reaches', () => {
  it.each([
    [
      'eppo_base_url: https://eppo.example.com/api/v1\n',
      'eppo-gitops.yaml:1:16 error [settings-trust] eppo_base_url "https://eppo.example.com/api/v1" is not Eppo\'s own host (eppo.cloud or a subdomain) nor a loopback address. eppo-gitops.yaml comes with the pull request, so it cannot decide where EPPO_API_KEY is sent: set EPPO_BASE_URL or pass --base-url to use another host, and remove it from eppo-gitops.yaml',
    ],
    [
      'dir: experiments\neppo_base_url: https://evileppo.cloud/api/v1\n',
      'eppo-gitops.yaml:2:16 error [settings-trust] eppo_base_url "https://evileppo.cloud/api/v1" is not Eppo\'s own host (eppo.cloud or a subdomain) nor a loopback address. eppo-gitops.yaml comes with the pull request, so it cannot decide where EPPO_API_KEY is sent: set EPPO_BASE_URL or pass --base-url to use another host, and remove it from eppo-gitops.yaml',
    ],
    [
      'eppo_base_url: http://10.0.0.7/api/v1\n',
      'eppo-gitops.yaml:1:16 error [settings-trust] eppo_base_url "http://10.0.0.7/api/v1" is not Eppo\'s own host (eppo.cloud or a subdomain) nor a loopback address. eppo-gitops.yaml comes with the pull request, so it cannot decide where EPPO_API_KEY is sent: set EPPO_BASE_URL or pass --base-url to use another host, and remove it from eppo-gitops.yaml',
    ],
    [
      'github_api_url: https://ghe.example.com/api/v3\n',
      'eppo-gitops.yaml:1:17 error [settings-trust] github_api_url "https://ghe.example.com/api/v3" is not GitHub\'s API (api.github.com) nor a loopback address. eppo-gitops.yaml comes with the pull request, so it cannot decide where GITHUB_TOKEN is sent: set GITHUB_API_URL to use GitHub Enterprise (GitHub Actions sets it for every job), and remove it from eppo-gitops.yaml',
    ],
    [
      // The schema's uri format takes it; the WHATWG URL parser does not (an invalid IDN label): refused, never skipped.
      'eppo_base_url: https://xn--eppo-cloud.evil/api/v1\n',
      'eppo-gitops.yaml:1:16 error [settings-trust] eppo_base_url "https://xn--eppo-cloud.evil/api/v1" is not a URL that can be parsed, so it names neither Eppo\'s own host (eppo.cloud or a subdomain) nor a loopback address. eppo-gitops.yaml comes with the pull request, so it cannot decide where EPPO_API_KEY is sent: set EPPO_BASE_URL or pass --base-url to use another host, and remove it from eppo-gitops.yaml',
    ],
    [
      'github_api_url: https://xn--api.github.com/\n',
      'eppo-gitops.yaml:1:17 error [settings-trust] github_api_url "https://xn--api.github.com/" is not a URL that can be parsed, so it names neither GitHub\'s API (api.github.com) nor a loopback address. eppo-gitops.yaml comes with the pull request, so it cannot decide where GITHUB_TOKEN is sent: set GITHUB_API_URL to use GitHub Enterprise (GitHub Actions sets it for every job), and remove it from eppo-gitops.yaml',
    ],
    ...[
      ['github_api_url', 'http://api.github.com', 17, "GitHub's API (api.github.com)", 'GITHUB_TOKEN', 'set GITHUB_API_URL to use GitHub Enterprise (GitHub Actions sets it for every job)'],
      ['github_api_url', 'https://api.github.com:8443/x', 17, "GitHub's API (api.github.com)", 'GITHUB_TOKEN', 'set GITHUB_API_URL to use GitHub Enterprise (GitHub Actions sets it for every job)'],
      ['eppo_base_url', 'http://eppo.cloud/api/v1', 16, "Eppo's own host (eppo.cloud or a subdomain)", 'EPPO_API_KEY', 'set EPPO_BASE_URL or pass --base-url to use another host'],
      ['eppo_base_url', 'https://user:pw@eppo.cloud/api/v1', 16, "Eppo's own host (eppo.cloud or a subdomain)", 'EPPO_API_KEY', 'set EPPO_BASE_URL or pass --base-url to use another host'],
    ].map(([key, url, col, own, secret, elsewhere]) => [
      // The service's own host, but a scheme, port or credentials it is not reached by: the secret could travel in clear or elsewhere.
      `${key}: ${url}\n`,
      `eppo-gitops.yaml:1:${col} error [settings-trust] ${key} "${url}" names ${own} other than as https on its default port without credentials. eppo-gitops.yaml comes with the pull request, so it cannot decide where ${secret} is sent: ${elsewhere}, and remove it from eppo-gitops.yaml`,
    ]),
    [
      'dir: ../outside\n',
      'eppo-gitops.yaml:1:6 error [schema] dir "../outside" leads outside the folder holding eppo-gitops.yaml, and this file comes with the pull request; write a folder relative to it, without ".." and not absolute (--dir may name any folder)',
    ],
    [
      'dir: /etc\n',
      'eppo-gitops.yaml:1:6 error [schema] dir "/etc" leads outside the folder holding eppo-gitops.yaml, and this file comes with the pull request; write a folder relative to it, without ".." and not absolute (--dir may name any folder)',
    ],
    [
      'dir: experiments/../../x\n',
      'eppo-gitops.yaml:1:6 error [schema] dir "experiments/../../x" leads outside the folder holding eppo-gitops.yaml, and this file comes with the pull request; write a folder relative to it, without ".." and not absolute (--dir may name any folder)',
    ],
    [
      'dir: C:\\experiments\n',
      'eppo-gitops.yaml:1:6 error [schema] dir "C:\\experiments" leads outside the folder holding eppo-gitops.yaml, and this file comes with the pull request; write a folder relative to it, without ".." and not absolute (--dir may name any folder)',
    ],
  ])('trust item 6: refuses %j at its line and column, and keeps no setting', (text, expected) => {
    const result = parseConfig(text);
    expect(result.problems.map(show)).toEqual([expected]);
    expect(result.config).toEqual({});
  });

  it.each([
    'eppo_base_url: https://eppo.cloud/api/v1\n',
    'eppo_base_url: https://eu.eppo.cloud/api/v1\n',
    'eppo_base_url: https://EPPO.CLOUD/api/v1\n',
    'eppo_base_url: http://127.0.0.1:4010/api/v1\n',
    'eppo_base_url: http://localhost:4010/api/v1\n',
    'eppo_base_url: http://[::1]:4010/api/v1\n',
    'github_api_url: https://api.github.com\n',
    'github_api_url: https://api.github.com/\n',
    'github_api_url: http://127.0.0.1:9999\n',
    'dir: .\n',
    'dir: definitions/experiments\n',
    'dir: ./experiments\n',
  ])('trust item 6: accepts %j', (text) => {
    expect(parseConfig(text).problems).toEqual([]);
  });
});
