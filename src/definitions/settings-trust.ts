import { isLoopbackHost } from '../util/index.js';
import type { Problem } from './types.js';
import type { YamlSource } from './types.js';

/** The rule of the problems below. */
export const SETTINGS_TRUST_RULE = 'settings-trust';

interface TrustedUrl {
  key: 'eppo_base_url' | 'github_api_url';
  /** whether this file may name `hostname` (loopback is always allowed) */
  allows(hostname: string): boolean;
  /** the host the file may name, for the message */
  own: string;
  secret: string;
  /** where an operator sets another host */
  elsewhere: string;
}

const URLS: readonly TrustedUrl[] = [
  {
    key: 'eppo_base_url',
    allows: (host) => host === 'eppo.cloud' || host.endsWith('.eppo.cloud'),
    own: "Eppo's own host (eppo.cloud or a subdomain)",
    secret: 'EPPO_API_KEY',
    elsewhere: 'set EPPO_BASE_URL or pass --base-url to use another host',
  },
  {
    key: 'github_api_url',
    allows: (host) => host === 'api.github.com',
    own: "GitHub's API (api.github.com)",
    secret: 'GITHUB_TOKEN',
    elsewhere: 'set GITHUB_API_URL to use GitHub Enterprise (GitHub Actions sets it for every job)',
  },
];

/**
 * eppo-gitops.yaml comes with the pull request, so nothing in it may widen
 * where a secret goes: a URL in it that receives a secret must be that
 * service's own host (https, its default port, no credentials), or loopback
 * (the emulator, a local fake). Any other host
 * is the operator's choice and comes from the environment or a flag. Pure:
 * `source` is the parsed file, already valid against the schema (which keeps
 * `dir` and the flag globs inside the folder holding the file).
 */
export function checkSettingsTrust(file: string, source: YamlSource): Problem[] {
  const data = source.data as Record<string, unknown>;
  const problems: Problem[] = [];
  for (const rule of URLS) {
    const value = data[rule.key];
    if (typeof value !== 'string') continue;
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      // Fail closed: a value the URL parser refuses (an invalid IDN such as xn--eppo-cloud.evil) names no host this file may name.
      url = undefined;
    }
    const hostname = url?.hostname.toLowerCase();
    if (hostname !== undefined && isLoopbackHost(hostname)) continue;
    // The service's own host only as itself: https on its default port, no credentials in the URL.
    const own = url !== undefined && hostname !== undefined && rule.allows(hostname);
    if (own && url!.protocol === 'https:' && url!.port === '' && url!.username === '' && url!.password === '') continue;
    const pos = source.nodes.get(`/${rule.key}`)?.value ?? source.start;
    const what =
      url === undefined
        ? `is not a URL that can be parsed, so it names neither ${rule.own} nor a loopback address`
        : own
          ? `names ${rule.own} other than as https on its default port without credentials`
          : `is not ${rule.own} nor a loopback address`;
    problems.push({
      file,
      line: pos.line,
      col: pos.col,
      severity: 'error',
      rule: SETTINGS_TRUST_RULE,
      message: `${rule.key} "${value}" ${what}. ${file} comes with the pull request, so it cannot decide where ${rule.secret} is sent: ${rule.elsewhere}, and remove it from ${file}`,
    });
  }
  return problems;
}
