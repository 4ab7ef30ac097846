import { describe, expect, it } from 'vitest';
import * as api from '../../src/index.js';
import { captureIo } from '../helpers/io.js';

describe('the package entry point', () => {
  it.each([
    'loadDefinitions',
    'parseDefinition',
    'renderProblems',
    'loadConfig',
    'createEppoClient',
    'fetchWorkspace',
    'buildPlan',
    'renderPlanText',
    'renderPlanJson',
    'renderPlanMarkdown',
    'parsePlan',
    'applyPlan',
    'renderApplyText',
    'startEmulator',
    'startWebhookServer',
    'createWebhookHandler',
    'createJobRunner',
    'verifyWebhookSignature',
    'signWebhookData',
    'recordOutcome',
    'syncOutcomes',
    'buildOutcomePullRequest',
    'proposeOutcome',
    'fetchDefinitionFiles',
    'fetchBaseFlags',
    'buildOutcomeChange',
    'describeConflict',
    'createGitHubHost',
    'createGitHubHostFromEnv',
    'createLocalHost',
    'selectGitHost',
    'upsertStickyComment',
    'upsertDriftIssue',
    'loadFlagFiles',
    'readFlagFile',
    'checkFlags',
    'buildRollout',
    'renderRolloutSection',
    'buildExperimentFromFlag',
    'writeExperimentFromFlag',
    'findFlagsWithoutExperiment',
    'main',
    'validateRepository',
    'connectEppo',
    'planWorkspace',
    'buildImportPlan',
    'writeImportFile',
    'groupExperimentsByKey',
    'openOutcomeContext',
    'describeResult',
    'readEventFile',
    'publishPlan',
    'publishSummary',
    'initProject',
    'renderInitReport',
    'buildSchemaPath',
  ])('exports %s', (name) => {
    expect(typeof (api as Record<string, unknown>)[name]).toBe('function');
  });

  it('exports the error classes and constants', () => {
    expect(new api.ConfigError('x')).toBeInstanceOf(Error);
    expect(new api.EmulatorInputError('x')).toBeInstanceOf(Error);
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
