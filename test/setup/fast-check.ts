import fc from 'fast-check';

// CI-sized runs are reproducible: every property and fuzz target starts from
// one fixed seed, so a red build is a real regression, not a lucky draw.
// `npm run fuzz` (FUZZ_RUNS set) explores fresh random seeds on every run; a
// failure prints its seed, and FUZZ_SEED=<seed> replays it anywhere.
const fixed = process.env.FUZZ_SEED ?? (process.env.FUZZ_RUNS ? undefined : '20261127');
if (fixed !== undefined) {
  const seed = Number(fixed);
  if (!Number.isInteger(seed)) throw new Error(`FUZZ_SEED must be an integer, not "${fixed}"`);
  fc.configureGlobal({ ...fc.readConfigureGlobal(), seed });
}
