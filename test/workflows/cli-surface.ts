import { main } from '../../src/cli/main.js';
import { captureIo } from '../helpers/io.js';
import type { CliSurface } from './policy.js';

const ALWAYS = ['--help', '--debug'];

/**
 * Reads the commands from `eppo-gitops --help` and each command's flags from
 * `eppo-gitops <command> --help`. A command whose help fails has
 * `flags: undefined`, which the checks report.
 */
export async function readCliSurface(): Promise<CliSurface> {
  const root = captureIo();
  await main(['--help'], root);
  const section = /\nCommands:\n([^]*?)\n\n/.exec(root.out())?.[1] ?? '';
  const commands: CliSurface['commands'] = new Map();
  for (const line of section.split('\n')) {
    const match = /^\s+([a-z][a-z-]*)\s+(.*)$/.exec(line);
    if (match?.[1] === undefined) continue;
    const name = match[1];
    const io = captureIo();
    const code = await main([name, '--help'], io);
    const help = io.out();
    const known = code === 0;
    const flags = known ? new Set([...ALWAYS, ...[...help.matchAll(/--[a-z][a-z0-9-]*/g)].map((m) => m[0])]) : undefined;
    // "outcomes sync: ..." in the command list: a command that takes a subcommand.
    const sub = new RegExp(`^${name} ([a-z][a-z-]*):`).exec(match[2] ?? '')?.[1];
    const subcommands = new Set<string>(sub === undefined ? [] : [sub]);
    commands.set(name, { flags, subcommands });
  }
  return { commands };
}
