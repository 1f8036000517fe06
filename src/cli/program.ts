import { Command } from 'commander';
import type { CliContext } from './cli-context.js';
import { registerCommands } from './commands/index.js';

/** The `bulwark` command with every subcommand. */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command('bulwark')
    .description('Bulwark: security-first backend for AI applications')
    .showHelpAfterError();
  registerCommands(program, ctx);
  return program;
}
