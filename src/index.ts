// The library's public face: what the CLI is built from, for programs that
// drive eppo-gitops themselves (a custom webhook host, a bot, a test suite).
// Every name is listed: a folder's other exports are its own business, and
// test/index/public-api.test.ts fails when this list changes by accident.

// Operational failures (the classes, for instanceof) and the one line that describes one.
export { ConfigError, describeError, EmulatorInputError, EppoApiError, GitHostError, InternalError, UsageError, type EppoApiErrorInit } from './errors.js';

// Definitions: YAML files -> validated, normalised Definition[] (problems as data).
export {
  buildSchemaPath,
  CONFIG_FILE,
  loadConfig,
  loadDefinitions,
  parseConfig,
  parseDefinition,
  renderDefinitionYaml,
  renderProblems,
  type Config,
  type DefaultsConfig,
  type Definition,
  type ExperimentSpec,
  type FlagsConfig,
  type LoadOptions,
  type LoadResult,
  type MetricRef,
  type MetricSpec,
  type Outcome,
  type OutcomeSpec,
  type ParseResult,
  type Problem,
  type ProblemFormat,
  type RenderDefinitionOptions,
  type RenderOptions,
  type SchemaName,
  type SchemaPathOptions,
  type Severity,
  type SourcePos,
  type Variation,
  type VariationSpec,
} from './definitions/index.js';

// Validation: the pipeline validate, plan and import run (settings, then the definitions).
export { stageProblems, validateRepository, type Settings, type Validation, type ValidationOptions, type ValidationStageName } from './validation/index.js';

// Eppo: the REST client (the EppoApi port) and the live workspace.
// connectEppo opens what a command talks to: Eppo, or with `local` an embedded emulator.
export {
  connectEppo,
  createEppoClient,
  DEFAULT_EPPO_BASE_URL,
  EppoRequestError,
  fetchWorkspace,
  groupExperimentsByKey,
  isConcluded,
  LOCAL_BASE_URL,
  LOCAL_STATE_DIR,
  parseBaseUrl,
  type ConnectEppoOptions,
  type EppoApi,
  type EppoAssignmentSource,
  type EppoClientOptions,
  type EppoConnection,
  type EppoEntity,
  type EppoExperiment,
  type EppoExperimentFields,
  type EppoExperimentMetric,
  type EppoMetric,
  type EppoVariation,
  type EppoVariationFields,
  type ExperimentFields,
  type ExperimentWrite,
  type ListExperimentsFilter,
  type RetryEvent,
  type Workspace,
} from './eppo/index.js';

// Reconcile: pure plan building and rendering, applying a plan, import. planWorkspace, planImport
// and applySavedPlan wire validation, the Eppo connection and the plan together, as the commands run them.
export {
  applyCheckedPlan,
  applyPlan,
  applySavedPlan,
  buildImportPlan,
  buildImportSpec,
  buildPlan,
  checkPlanFreshness,
  diffExperiment,
  parsePlan,
  PLAN_COMMENT_MARKER,
  planHasChanges,
  planImport,
  planWorkspace,
  renderApplyJson,
  renderApplyMarkdown,
  renderApplyText,
  renderPlanJson,
  renderPlanMarkdown,
  renderPlanText,
  summaryLine,
  writeImportFile,
  type ApplyOptions,
  type ApplyOutcome,
  type ApplyProgress,
  type ApplyResult,
  type ApplyResultItem,
  type ApplySavedPlanOptions,
  type ApplyStatus,
  type BuildPlanOptions,
  type Change,
  type ChangeAction,
  type ConflictChange,
  type CreateChange,
  type FieldChange,
  type ImportDecision,
  type ImportPlan,
  type ImportPlanInput,
  type ImportRefusal,
  type ImportSpecResult,
  type MarkdownRenderOptions,
  type ParsedPlan,
  type Plan,
  type PlanFreshness,
  type PlanImportOptions,
  type PlanImportResult,
  type PlanSummary,
  type PlanWorkspaceOptions,
  type PlanWorkspaceResult,
  type ResolvedRefs,
  type SavedPlanOutcome,
  type SettingsFailure,
  type SkipChange,
  type TextRenderOptions,
  type UnchangedChange,
  type UnmanagedExperiment,
  type UpdateChange,
  type WriteImportResult,
} from './reconcile/index.js';

// Outcomes: webhook verification, the outcome pull request and the rules that propose it,
// record / sync, and the context (Eppo + git host) that outcome, outcomes sync and serve open.
export {
  buildOutcome,
  buildOutcomeBranch,
  buildOutcomeChange,
  buildOutcomePullRequest,
  describeResult,
  describeSyncResults,
  fetchBaseFlags,
  fetchDefinitionFiles,
  isOutcomeFailure,
  openOutcomeContext,
  parseOutcomeMarker,
  parseWebhookEvent,
  proposeOutcome,
  readEventFile,
  recordOutcome,
  renderOutcomeMarker,
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
  type OutcomeContext,
  type OutcomeContextOptions,
  type OutcomeLog,
  type OutcomeMarker,
  type OutcomePullRequest,
  type OutcomePullRequestDetails,
  type Proposal,
  type ProposalNotes,
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
  GitHubTimeoutError,
  selectGitHost,
  type BaseHead,
  type FileChange,
  type GitHost,
  type GitHostKind,
  type GitHubEnvOptions,
  type GitHubHostOptions,
  type LocalHostOptions,
  type PullRequestContent,
  type PullRequestRef,
  type PullRequestSummary,
  type SavePullRequestResult,
  type SelectGitHostOptions,
  type TreeFile,
  type WriteBranchRequest,
  type WriteBranchResult,
} from './git-host/index.js';

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
export {
  appendStepSummary,
  DRIFT_LABEL,
  publishPlan,
  publishSummary,
  upsertDriftIssue,
  upsertStickyComment,
  type DriftIssueInput,
  type DriftIssueResult,
  type GitHubTargets,
  type PublishContext,
  type StickyCommentInput,
  type StickyCommentResult,
} from './ci-report/index.js';

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
  type Flag,
  type FlagCheckOptions,
  type FlagFile,
  type FlagSet,
  type RolloutPlan,
  type ServedSplit,
  type WriteExperimentFromFlagOptions,
  type WriteExperimentFromFlagResult,
} from './flags/index.js';

// The command line, testable in-process: main(argv, io) resolves to the exit code.
export { main, type Io } from './cli/index.js';
