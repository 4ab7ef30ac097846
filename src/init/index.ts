export { initProject } from './init-project.js';
export type { InitFileResult, InitOptions, InitResult } from './init-project.js';
export { renderInitReport } from './render-init-report.js';
export { buildActionRef, parseActionRef, renderActionRef } from './action-ref.js';
export type { ActionRef, PackageInfo } from './action-ref.js';
export { renderSettingsFile } from './render-settings.js';
export { PINNED_ACTIONS } from './render-workflows.js';
