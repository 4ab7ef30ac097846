import { afterAll, vi } from 'vitest';

// The unit project runs many test files in one worker, one after another
// (isolate: false): a file that installed fake timers must not hand them on.
afterAll(() => {
  vi.useRealTimers();
});
