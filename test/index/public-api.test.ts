import { describe, expect, it } from 'vitest';
import * as api from '../../src/index.js';
import { captureIo } from '../helpers/io.js';

describe('the package entry point', () => {
  it('exports these values and no others: an export added or removed by accident fails here', () => {
    const exported = Object.entries(api)
      .map(([name, value]) => `${name}: ${typeof value}`)
      .sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0));
    expect(exported).toMatchInlineSnapshot(`
      [
        "appendStepSummary: function",
        "applyCheckedPlan: function",
        "applyPlan: function",
        "applySavedPlan: function",
        "buildActionRef: function",
        "buildExperimentFromFlag: function",
        "buildImportPlan: function",
        "buildImportSpec: function",
        "buildOutcome: function",
        "buildOutcomeBranch: function",
        "buildOutcomeChange: function",
        "buildOutcomePullRequest: function",
        "buildPlan: function",
        "buildRollout: function",
        "buildSchemaPath: function",
        "checkFlags: function",
        "checkPlanFreshness: function",
        "CONFIG_FILE: string",
        "ConfigError: function",
        "connectEppo: function",
        "createEppoClient: function",
        "createGitHubHost: function",
        "createGitHubHostFromEnv: function",
        "createJobRunner: function",
        "createLocalHost: function",
        "createWebhookHandler: function",
        "DEFAULT_EMULATOR_API_KEY: string",
        "DEFAULT_EPPO_BASE_URL: string",
        "describeError: function",
        "describeResult: function",
        "describeSyncResults: function",
        "diffExperiment: function",
        "DRIFT_LABEL: string",
        "EmulatorInputError: function",
        "EppoApiError: function",
        "EppoRequestError: function",
        "fetchBaseFlags: function",
        "fetchDefinitionFiles: function",
        "fetchWorkspace: function",
        "findFlagsWithoutExperiment: function",
        "GitHostError: function",
        "GitHubTimeoutError: function",
        "groupExperimentsByKey: function",
        "HEALTH_PATH: string",
        "initProject: function",
        "InternalError: function",
        "isConcluded: function",
        "isOutcomeFailure: function",
        "loadConfig: function",
        "loadDefinitions: function",
        "loadFlagFiles: function",
        "LOCAL_BASE_URL: string",
        "LOCAL_STATE_DIR: string",
        "main: function",
        "openOutcomeContext: function",
        "parseActionRef: function",
        "parseBaseUrl: function",
        "parseConfig: function",
        "parseDefinition: function",
        "parseOutcomeMarker: function",
        "parsePlan: function",
        "parseWebhookEvent: function",
        "PLAN_COMMENT_MARKER: string",
        "planHasChanges: function",
        "planImport: function",
        "planWorkspace: function",
        "proposeOutcome: function",
        "publishPlan: function",
        "publishSummary: function",
        "readEventFile: function",
        "readFlagFile: function",
        "recordOutcome: function",
        "renderApplyJson: function",
        "renderApplyMarkdown: function",
        "renderApplyText: function",
        "renderDefinitionYaml: function",
        "renderInitReport: function",
        "renderOutcomeMarker: function",
        "renderPlanJson: function",
        "renderPlanMarkdown: function",
        "renderPlanText: function",
        "renderProblems: function",
        "renderRolloutSection: function",
        "selectGitHost: function",
        "signWebhookData: function",
        "stageProblems: function",
        "startEmulator: function",
        "startWebhookServer: function",
        "summaryLine: function",
        "syncOutcomes: function",
        "unwrapDispatchEvent: function",
        "upsertDriftIssue: function",
        "upsertStickyComment: function",
        "UsageError: function",
        "validateRepository: function",
        "verifyWebhookSignature: function",
        "WEBHOOK_PATH: string",
        "writeExperimentFromFlag: function",
        "writeImportFile: function",
      ]
    `);
  });

  it('exports the error classes as values, so instanceof works, and the constants', () => {
    expect(new api.ConfigError('x')).toBeInstanceOf(Error);
    expect(new api.EmulatorInputError('x')).toBeInstanceOf(Error);
    const failure = new api.EppoRequestError('Eppo answered 503', { method: 'GET', path: '/metrics', status: 503, retryable: true });
    expect(failure).toBeInstanceOf(api.EppoApiError);
    expect(api.describeError(failure)).toBe('GET /metrics 503: Eppo answered 503');
    expect(new api.GitHubTimeoutError(1000, 'https://api.github.com/repos')).toBeInstanceOf(Error);
    expect(api.DEFAULT_EMULATOR_API_KEY).toBe('emulator-key');
    expect(api.PLAN_COMMENT_MARKER).toBe('<!-- eppo-gitops:plan -->');
    expect(api.WEBHOOK_PATH).toBe('/webhooks/eppo');
  });

  it('parses a definition and plans it against the embedded emulator through the public functions only', async () => {
    const text = [
      'experiment_key: public-api',
      'name: Public API',
      'entity: user',
      'assignment_source: User assignments',
      'assignments_start_date: 2026-01-05',
      'variations:',
      '  - {variant_key: control, is_control: true, weight: 0.5}',
      '  - {variant_key: b, weight: 0.5}',
      '',
    ].join('\n');
    const parsed = api.parseDefinition('experiments/public-api.yaml', text);
    expect(parsed.problems).toEqual([]);
    const emulator = await api.startEmulator({ port: 0 });
    const eppo = api.createEppoClient({ baseUrl: emulator.url, apiKey: emulator.apiKey });
    try {
      const workspace = await api.fetchWorkspace(eppo);
      const plan = api.buildPlan([parsed.definition!], workspace, { baseUrl: emulator.url, createdAt: '2026-01-01T00:00:00.000Z' });
      expect(plan.summary).toMatchObject({ create: 1, update: 0 });
    } finally {
      await eppo.close();
      await emulator.close();
    }
  });

  it('runs the CLI in-process', async () => {
    const io = captureIo();
    expect(await api.main(['--version'], io)).toBe(0);
    expect(io.out()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
