import type { Command } from '../io.js';

// Placeholder until the command lands; replaced by its real implementation.
export const command: Command = {
  name: 'outcomes',
  summary: '',
  help: 'Usage: eppo-gitops outcomes\n\nNot available yet.\n',
  async run(_args, io) {
    io.stderr.write('error: "outcomes" is not available yet\n');
    return 1;
  },
};
