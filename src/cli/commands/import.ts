import type { Command } from '../io.js';

// Placeholder until the command lands; replaced by its real implementation.
export const command: Command = {
  name: 'import',
  summary: '',
  help: 'Usage: eppo-gitops import\n\nNot available yet.\n',
  async run(_args, io) {
    io.stderr.write('error: "import" is not available yet\n');
    return 1;
  },
};
