import type { Command } from '../io.js';

// Placeholder until the command lands; replaced by its real implementation.
export const command: Command = {
  name: 'serve',
  summary: '',
  help: 'Usage: eppo-gitops serve\n\nNot available yet.\n',
  async run(_args, io) {
    io.stderr.write('error: "serve" is not available yet\n');
    return 1;
  },
};
