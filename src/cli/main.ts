import { Command } from 'commander';
import { registerCommands } from './commands/index.js';

const program = new Command('bulwark').description('Bulwark: security-first backend for AI applications').showHelpAfterError();
registerCommands(program);
await program.parseAsync(process.argv);
