export { DEFAULT_EMULATOR_API_KEY, startEmulator, type EmulatorOptions, type RunningEmulator } from './server.js';
export type { RequestLogEntry } from './request-log.js';
export type { EmulatorTimers, ExperimentInput } from './types.js';
export type { FaultSpec } from './faults.js';
export { mulberry32 } from './faults.js';
export { buildSeedState } from './seed.js';
