import type { Command } from '../io.js';

// Placeholder until the command lands; replaced by its real implementation.
export const command: Command = {
  name: 'demo',
  summary: '',
  help: 'Usage: eppo-gitops demo\n\nNot available yet.\n',
  async run(_args, io) {
    io.stderr.write('error: "demo" is not available yet\n');
    return 1;
  },
};
