/** The validation pipeline: settings, definitions, and the checks that build on them. */
export {
  stageProblems,
  validateRepository,
  type Settings,
  type Validation,
  type ValidationOptions,
  type ValidationStageName,
} from './validate-repository.js';
