// The library's public face: what the CLI is built from, for programs that
// drive eppo-gitops themselves (a custom webhook host, a bot, a test suite).
export * from './errors.js';

// Definitions: YAML files -> validated, normalised Definition[] (problems as data).
export { buildSchemaPath, CONFIG_FILE, loadConfig, loadDefinitions, parseConfig, parseDefinition, renderDefinitionYaml, renderProblems } from './definitions/index.js';
export type { LoadOptions, ParseResult, ProblemFormat, RenderDefinitionOptions, RenderOptions, SchemaPathOptions } from './definitions/index.js';
export type * from './definitions/index.js';

// Validation: the pipeline validate, plan and import run (settings, then the definitions).
export { stageProblems, validateRepository, type Settings, type Validation, type ValidationOptions, type ValidationStageName } from './validation/index.js';

// Eppo: the REST client (the EppoApi port) and the live workspace.
// connectEppo opens what a command talks to: Eppo, or with `local` an embedded emulator.
export {
  backoffDelay,
  connectEppo,
  createEppoClient,
  DEFAULT_EPPO_BASE_URL,
  fetchWorkspace,
  groupExperimentsByKey,
  isConcluded,
  LOCAL_BASE_URL,
  LOCAL_STATE_DIR,
  parseBaseUrl,
  type ConnectEppoOptions,
  type EppoClientOptions,
  type EppoConnection,
  type RetryEvent,
} from './eppo/index.js';
export type * from './eppo/index.js';

// Reconcile: pure plan building and rendering, applying a plan, import; planWorkspace wires
// validation, the Eppo connection and the plan together, as plan and apply run them.
export {
  applyPlan,
  buildImportPlan,
  buildImportSpec,
  buildPlan,
  checkPlanFreshness,
  diffExperiment,
  parsePlan,
  planHasChanges,
  planWorkspace,
  renderApplyJson,
  renderApplyMarkdown,
  renderApplyText,
  renderPlanJson,
  renderPlanMarkdown,
  PLAN_COMMENT_MARKER,
  renderPlanText,
  summaryLine,
  writeImportFile,
  type ApplyOptions,
  type ApplyProgress,
  type BuildPlanOptions,
  type ImportDecision,
  type ImportPlan,
  type ImportPlanInput,
  type ImportRefusal,
  type MarkdownRenderOptions,
  type ParsedPlan,
  type PlanWorkspaceOptions,
  type PlanWorkspaceResult,
  type TextRenderOptions,
  type WriteImportResult,
} from './reconcile/index.js';
export type * from './reconcile/index.js';

// Outcomes: webhook verification, the outcome pull request and the rules that propose it,
// record / sync, and the context (Eppo + git host) that outcome, outcomes sync and serve open.
export {
  buildOutcome,
  buildOutcomeBranch,
  buildOutcomeChange,
  buildOutcomePullRequest,
  buildResultLogFields,
  describeResult,
  fetchBaseFlags,
  fetchDefinitionFiles,
  isOutcomeFailure,
  openOutcomeContext,
  parseOutcomeMarker,
  parseWebhookEvent,
  proposeOutcome,
  readEventFile,
  recordOutcome,
  signWebhookData,
  syncOutcomes,
  unwrapDispatchEvent,
  verifyWebhookSignature,
  type BaseFlags,
  type DefinitionFile,
  type EventFileResult,
  type LeftOut,
  type OutcomeChange,
  type OutcomeChangeInput,
  type OutcomePullRequestDetails,
  type ProposalNotes,
  type OutcomeContext,
  type OutcomeContextOptions,
  type OutcomeLog,
  type OutcomeMarker,
  type OutcomePullRequest,
  type Proposal,
  type ProposeResult,
  type RecordOutcomeOptions,
  type RecordOutcomeResult,
  type SyncOutcomesOptions,
  type WebhookEvent,
} from './outcomes/index.js';

// The GitHost port (primitives: read the base head, write a branch, pull requests):
// github (pull requests) and local (a branch in a checkout).
export {
  createGitHubHost,
  createGitHubHostFromEnv,
  createLocalHost,
  createOctokit,
  selectGitHost,
  type CreateOctokitOptions,
  type GitHostKind,
  type GitHubClient,
  type GitHubEnvOptions,
  type GitHubHostOptions,
  type LocalHostOptions,
  type SelectGitHostOptions,
} from './git-host/index.js';
export type * from './git-host/index.js';

// The webhook receiver behind `serve`: a handler to mount in any node:http or
// Express-style server, the job runner it feeds, and both on a server of their own.
export {
  createJobRunner,
  createWebhookHandler,
  HEALTH_PATH,
  startWebhookServer,
  WEBHOOK_PATH,
  type HandleResult,
  type JobReport,
  type JobRunner,
  type JobRunnerOptions,
  type PushResult,
  type RunnerTimers,
  type ServerLog,
  type WebhookHandler,
  type WebhookHandlerOptions,
  type WebhookServer,
  type WebhookServerOptions,
} from './server/index.js';

// CI reports in GitHub Actions: the sticky plan comment, the drift issue, the job summary.
export { appendStepSummary, DRIFT_LABEL, publishPlan, publishSummary, upsertDriftIssue, upsertStickyComment } from './ci-report/index.js';
export type { DriftIssueInput, DriftIssueResult, GitHubTargets, PublishContext, StickyCommentInput, StickyCommentResult } from './ci-report/index.js';

// The embedded Eppo emulator.
export { DEFAULT_EMULATOR_API_KEY, startEmulator, type EmulatorOptions, type RunningEmulator } from './emulator/index.js';

// Setting up a team's repository: init, and the $schema path for files written into it.
export { buildActionRef, initProject, parseActionRef, renderInitReport, type ActionRef, type InitFileResult, type InitOptions, type InitResult } from './init/index.js';

// flagd flag files: read, checked against the experiments, a winner rolled out (FLAGS.md).
export {
  buildExperimentFromFlag,
  buildRollout,
  checkFlags,
  findFlagsWithoutExperiment,
  loadFlagFiles,
  readFlagFile,
  renderRolloutSection,
  writeExperimentFromFlag,
} from './flags/index.js';
export type { Flag, FlagCheckOptions, FlagFile, FlagSet, RolloutPlan, ServedSplit, WriteExperimentFromFlagOptions, WriteExperimentFromFlagResult } from './flags/index.js';

// The command line, testable in-process: main(argv, io) resolves to the exit code.
export { main } from './cli/index.js';
export type { Command, Io } from './cli/index.js';
