export { signWebhookData, verifyWebhookSignature } from './signature.js';
export {
  buildOutcome,
  buildOutcomeBranch,
  buildOutcomePullRequest,
  parseOutcomeMarker,
  renderOutcomeMarker,
  type OutcomeMarker,
  type OutcomePullRequest,
  type OutcomePullRequestDetails,
} from './pull-request.js';
export { fetchDefinitionFiles, type DefinitionFile } from './definition-files.js';
export { proposeOutcome, type Proposal, type ProposeResult } from './propose.js';
export { recordOutcome, syncOutcomes, type OutcomeLog, type ProposalNotes, type RecordOutcomeOptions, type RecordOutcomeResult, type SyncOutcomesOptions } from './record.js';
export { fetchBaseFlags, listedFolders, type BaseFlags } from './base-flags.js';
export { fetchBaseSettings, type BaseSettings, type BaseSettingsOptions } from './base-settings.js';
export { buildOutcomeChange, type LeftOut, type OutcomeChange, type OutcomeChangeInput } from './outcome-change.js';
export { parseWebhookEvent, unwrapDispatchEvent, type WebhookEvent } from './event.js';
export { openOutcomeContext, type OutcomeContext, type OutcomeContextOptions } from './context.js';
export { buildResultFields, describeResult, describeSyncResults, isOutcomeFailure } from './describe-result.js';
export { readEventFile, type EventFileResult } from './read-event-file.js';
