export { signWebhookData, verifyWebhookSignature } from './signature.js';
export {
  buildOutcome,
  buildOutcomeBranch,
  buildOutcomePullRequest,
  escapeMarkdown,
  isValidExperimentKey,
  OUTCOME_BRANCH_PREFIX,
  OUTCOME_LABEL,
  parseOutcomeMarker,
  renderOutcomeMarker,
  sameMarker,
  type OutcomeMarker,
  type OutcomePullRequest,
} from './pull-request.js';
export { fetchDefinitionFiles, type DefinitionFile } from './definition-files.js';
export { proposeOutcome, type Proposal, type ProposeResult } from './propose.js';
export { recordOutcome, syncOutcomes, type OutcomeLog, type RecordOutcomeOptions, type RecordOutcomeResult, type SyncOutcomesOptions } from './record.js';
export { OUTCOME_EVENTS, parseWebhookEvent, unwrapDispatchEvent, type WebhookEvent } from './event.js';
