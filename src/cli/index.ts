/** The command line as a library: `main(argv, io)` resolves to the exit code. */
export { main } from './main.js';
export type { Io } from './io.js';
