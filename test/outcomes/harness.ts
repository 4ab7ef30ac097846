import { experimentBody } from '../emulator/helpers.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { createEppoClient } from '../../src/eppo/index.js';
import type { EppoApi } from '../../src/eppo/types.js';
import { createGitHubHost, createOctokit, type GitHost } from '../../src/git-host/index.js';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake-github.js';

export const DEFINITION_PATH = 'experiments/checkout-button-color.yaml';
export const DEFINITION = `# yaml-language-server: $schema=../schemas/experiment.schema.json
experiment_key: checkout-button-color   # the flag key
name: Checkout button colour
hypothesis: >-
  A green checkout button
  raises checkout conversion.
entity: user
assignment_source: User assignments
assignments_start_date: 2026-01-05
variations:
  - variant_key: blue
    is_control: true
    weight: 0.5
  - variant_key: green
    weight: 0.5
metrics:
  - metric: Checkout conversion
    is_primary: true
`;
export const OTHER_PATH = 'experiments/onboarding/onboarding-flow.yml';
export const OTHER = 'experiment_key: onboarding-flow\nname: Onboarding flow\n';
export const CONCLUDED_AT = '2026-02-10T12:00:00.000Z';

/** A create body for the emulator (the emulator tests' own). */
export { experimentBody } from '../emulator/helpers.js';

export interface Harness {
  emu: RunningEmulator;
  eppo: EppoApi;
  github: FakeGitHub;
  /** a fresh github host (its own octokit), like another server replica */
  newHost(): GitHost;
  host: GitHost;
  experimentId: number;
  /** "Make decision" in the emulator */
  decide(winner: string, outcome: string, id?: number, concludedDate?: string): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(options: { webhooks?: Array<{ url: string; secret: string }> } = {}): Promise<Harness> {
  const emu = await startEmulator({ port: 0, webhookRetry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 }, ...(options.webhooks ? { webhooks: options.webhooks } : {}) });
  const eppo = createEppoClient({ baseUrl: emu.url, apiKey: emu.apiKey, retryBaseMs: 1, maxAttempts: 2 });
  const github = await startFakeGitHub();
  github.commitFiles({ [DEFINITION_PATH]: DEFINITION, [OTHER_PATH]: OTHER, 'README.md': '# experiments\n' }, { message: 'Add definitions' });
  const newHost = (): GitHost =>
    createGitHubHost({ octokit: createOctokit({ token: github.token, baseUrl: github.url, retryBaseMs: 2 }), owner: github.owner, repo: github.repo });
  const [created] = emu.seedExperiments([experimentBody()]);
  return {
    emu,
    eppo,
    github,
    newHost,
    host: newHost(),
    experimentId: created!.id,
    async decide(winner, outcome, id = created!.id, concludedDate = CONCLUDED_AT) {
      emu.decide(id, { winning_variant_key: winner, outcome, concluded_date: concludedDate });
    },
    async close() {
      await eppo.close();
      await emu.close();
      await github.close();
    },
  };
}
